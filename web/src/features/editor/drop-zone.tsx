import { MAX_UPLOAD_MB } from '@pixelflow/product';
import { type DragEvent, useId, useState } from 'react';
import { ACCEPTED_TYPES } from './file-checks.ts';

interface DropZoneProps {
  onFile(file: File): void;
  /** Shorter text once an image is loaded. */
  compact?: boolean;
}

/**
 * Where a photo comes in: dropped onto the zone, or picked with the file input inside it (a real
 * input, visually restyled, so keyboards and screen readers get the browser's own file picker).
 */
export function DropZone({ onFile, compact }: DropZoneProps) {
  const inputId = useId();
  const [dragging, setDragging] = useState(false);

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file) onFile(file);
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: dropping is the pointer shortcut; the file input inside serves keyboards
    <div
      className={`drop-zone${dragging ? ' dragging' : ''}${compact ? ' compact' : ''}`}
      onDragOver={(event) => {
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <input
        id={inputId}
        className="visually-hidden file-input"
        type="file"
        accept={ACCEPTED_TYPES.join(',')}
        onChange={(event) => {
          const file = event.target.files?.[0];
          if (file) onFile(file);
          // The same file picked again must fire change again.
          event.target.value = '';
        }}
      />
      <label htmlFor={inputId} className="drop-label">
        <span className="button-like">{compact ? 'Choose another photo' : 'Choose a photo'}</span>
        <span className="hint">
          {compact
            ? 'or drop one here'
            : `or drop it here. JPEG, PNG, WebP, GIF or AVIF, up to ${MAX_UPLOAD_MB} MB.`}
        </span>
      </label>
    </div>
  );
}
