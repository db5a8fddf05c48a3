import { describeError } from '../../../lib/errors.ts';

/** What asking for a job's result brought: the image, word that it expired, or why not. */
export type ResultAnswer =
  | { kind: 'image'; blob: Blob }
  | { kind: 'expired' }
  | { kind: 'failed'; message: string };

const isErrorBody = (body: unknown): body is { error: { code: string; message: string } } =>
  typeof body === 'object' &&
  body !== null &&
  'error' in body &&
  typeof body.error === 'object' &&
  body.error !== null &&
  'code' in body.error &&
  typeof body.error.code === 'string' &&
  'message' in body.error &&
  typeof body.error.message === 'string';

// A result is an image; octet-stream is how the server sends bytes it could not name, never an error.
const isResultType = (type: string) => type.startsWith('image/') || type === 'application/octet-stream';

/**
 * Fetches a result and checks the answer before the page offers it as a file: `GET
 * /jobs/:id/result` answers errors with a JSON body (404 once the result expired, 502 for a
 * failed job), which a plain `<a download>` would save under the image's name.
 */
export async function fetchResult(url: string): Promise<ResultAnswer> {
  try {
    const response = await fetch(url, { cache: 'no-store' });
    if (response.status === 200) {
      const blob = await response.blob();
      if (isResultType(blob.type)) return { kind: 'image', blob };
      return { kind: 'failed', message: 'The server sent something other than an image. Try again.' };
    }
    const body: unknown = await response.json().catch(() => null);
    if (response.status === 404 && isErrorBody(body) && body.error.code === 'JOB_NOT_FOUND')
      return { kind: 'expired' };
    if (isErrorBody(body)) return { kind: 'failed', message: describeError(body.error).message };
    return { kind: 'failed', message: `The server answered ${response.status}. Try again.` };
  } catch (error) {
    // fetch() rejects with a TypeError when nothing came back (offline, or a CORS refusal).
    return { kind: 'failed', message: describeError(error).message };
  }
}

const extensions: Record<string, string> = { 'image/jpeg': 'jpg', 'image/svg+xml': 'svg' };

/** "garden.jpg" converted with blur, as a PNG: "garden-blur.png". */
export function resultFileName(photoName: string | null, converterId: string, type: string): string {
  const base = photoName?.replace(/\.[^.]+$/, '') || 'photo';
  const extension = extensions[type] ?? (type.startsWith('image/') ? type.slice('image/'.length) : 'bin');
  return `${base}-${converterId}.${extension}`;
}

/** Saves a blob under a name, as a click on a download link would. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Not at once: some browsers read the URL after click() has returned.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
