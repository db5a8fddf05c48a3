import { type MouseEvent, useId, useState } from 'react';
import { linkTo } from '../../../lib/router.ts';
import { CompareSlider } from '../compare-slider.tsx';
import type { InputImage } from '../state/editor-store.ts';
import { ExpiryNotice } from './expiry-notice.tsx';
import { fetchResult, resultFileName, saveBlob } from './fetch-result.ts';

interface ResultViewProps {
  resultUrl: string;
  converterId: string;
  /** The photo it was made from; null after a reload that could not keep it. */
  input: InputImage | null;
  expiresAt: string | null;
  /** What the converter said of the result (it capped the size, worked on a smaller copy). */
  notice: string | null;
  saved: boolean;
  signedIn: boolean;
  /** The server said the result is gone. */
  onExpired(): void;
  /** The result, as the next conversion's input. */
  onUseResult(file: File): void;
}

type Busy = 'download' | 'reuse' | null;

const isPlainClick = (event: MouseEvent) =>
  event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;

/** A finished result: compared with the photo, downloaded, or taken further. */
export function ResultView(props: ResultViewProps) {
  const { resultUrl, converterId, input, expiresAt, notice, saved, signedIn, onExpired, onUseResult } = props;
  const noticeId = useId();
  const converterNoticeId = useId();
  // Read with the Download link: what it saves, and until when.
  const describedBy = [notice ? converterNoticeId : '', expiresAt ? noticeId : ''].filter(Boolean).join(' ');
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<string | null>(null);

  /** The result's bytes once checked to be an image; null after saying why not. */
  const checkedResult = async (what: Exclude<Busy, null>, failure: string): Promise<File | null> => {
    setBusy(what);
    setError(null);
    const answer = await fetchResult(resultUrl);
    setBusy(null);
    if (answer.kind === 'expired') onExpired();
    if (answer.kind === 'failed') setError(`${failure}: ${answer.message}`);
    if (answer.kind !== 'image') return null;
    const name = resultFileName(input?.file.name ?? null, converterId, answer.blob.type);
    return new File([answer.blob], name, { type: answer.blob.type });
  };

  // A link, so that "copy link" and opening it in a tab still work; a plain click fetches and
  // checks the answer first, so that an error body is never saved as the image.
  const download = async (event: MouseEvent<HTMLAnchorElement>) => {
    if (!isPlainClick(event)) return;
    event.preventDefault();
    if (busy) return;
    const file = await checkedResult('download', 'Could not download the result');
    if (file) saveBlob(file, file.name);
  };

  const reuse = async () => {
    const file = await checkedResult('reuse', 'Could not fetch the result to use it as the new input');
    if (file) onUseResult(file);
  };

  return (
    <>
      {input ? (
        <CompareSlider before={input.url} after={resultUrl} />
      ) : (
        <img className="preview" src={resultUrl} alt="Result" />
      )}
      {notice && (
        <p className="converter-notice" id={converterNoticeId}>
          <strong>Note from the converter:</strong> {notice}
        </p>
      )}
      <div className="form-actions">
        <a
          className="button-like primary"
          href={resultUrl}
          download
          onClick={download}
          aria-describedby={describedBy || undefined}
        >
          {busy === 'download' ? 'Preparing the download…' : 'Download'}
        </a>
        <button type="button" onClick={reuse} disabled={busy !== null}>
          {busy === 'reuse' ? 'Loading…' : 'Apply another converter to this result'}
        </button>
      </div>
      {expiresAt && <ExpiryNotice id={noticeId} expiresAt={expiresAt} />}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="hint">
        {saved ? (
          <>
            Saved to <a {...linkTo('/gallery')}>your gallery</a>.
          </>
        ) : signedIn ? null : (
          <>
            <a {...linkTo('/account')}>Sign in</a> to keep your originals and results in a gallery.
          </>
        )}
      </p>
    </>
  );
}
