import { useEffect, useId, useRef } from 'react';
import { bringIntoView } from '../../lib/reveal.ts';
import { DropZone } from './drop-zone.tsx';
import type { PixelSize } from './limits/converter-limits.ts';
import type { Applied, InputImage } from './state/editor-store.ts';

interface PhotoSectionProps {
  input: InputImage | null;
  /** Earlier photos that Undo goes back to, newest last. */
  history: readonly Applied[];
  error: string | null;
  onFile(file: File): void;
  onUndo(): void;
  /** The preview decoded: the photo's size in pixels, for the converters' limits. */
  onSize(size: PixelSize & { url: string }): void;
  /** The preview could not be decoded. */
  onUnreadable(): void;
  /** Bring the section into view with focus on its heading (a result became the photo, or went back). */
  reveal: boolean;
  onRevealed(): void;
}

/** Step 1: the photo, picked or dropped, or a result taken on; Undo walks those back. */
export function PhotoSection(props: PhotoSectionProps) {
  const { input, history, reveal, onRevealed } = props;
  const section = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!reveal || !section.current || !heading.current) return;
    bringIntoView(section.current, heading.current);
    onRevealed();
  }, [reveal, onRevealed]);
  const previous = history.at(-1);
  const undoHint = useId();
  return (
    <section className="panel photo" aria-labelledby="input-heading" ref={section}>
      <h2 id="input-heading" tabIndex={-1} ref={heading}>
        1. Your photo
      </h2>
      <DropZone onFile={props.onFile} compact={input !== null} />
      {props.error && (
        <p className="error" role="alert">
          {props.error}
        </p>
      )}
      {input && (
        <img
          className="preview"
          src={input.url}
          alt={`Your photo: ${input.file.name}`}
          // The decoded size (orientation applied, as the server counts pixels) for the limits.
          onLoad={(event) => {
            const { naturalWidth: width, naturalHeight: height } = event.currentTarget;
            if (width > 0 && height > 0) props.onSize({ url: input.url, width, height });
          }}
          onError={props.onUnreadable}
        />
      )}
      {previous && (
        <div className="form-actions">
          <button type="button" onClick={props.onUndo} aria-describedby={undoHint}>
            {history.length > 1 ? 'Undo: back to the previous result' : 'Undo: back to the original photo'}
          </button>
          <span className="hint" id={undoHint}>
            {previous.input.file.name}
          </span>
        </div>
      )}
    </section>
  );
}
