import { randomBytes } from 'node:crypto';
import { type ErrorBody, type ErrorCode, errorBody } from '@pixelflow/errors';
import { decodeNotice, encodeNotice, NOTICE_HEADER } from './contract.ts';
import { mixedBoundary, readParts } from './multipart-mixed.ts';

/**
 * The progress stream of converters/openapi.yaml, both ways: a `multipart/mixed` answer of JSON
 * parts `{ "progress": f }` while the work advances, then the image part, or a JSON part
 * `{ "error": … }` when the conversion failed after the answer began (the status is already 200).
 */

/** Whether a request's `Accept` header asks for the progress stream. */
export function acceptsProgress(accept: string | string[] | undefined): boolean {
  return /multipart\/mixed/i.test(String(accept ?? ''));
}

/** The `Accept` header of a conversion request: a plain image answer is always valid too. */
export function progressAccept(wantsProgress: boolean): string {
  return wantsProgress ? 'multipart/mixed, image/*' : 'image/*';
}

/** Where the stream's bytes go: a node:http ServerResponse, for one. */
export interface ByteSink {
  write(chunk: string | Buffer): unknown;
  end(chunk: string | Buffer): unknown;
}

/** Writes one progress stream; its `contentType` carries the boundary. */
export class ProgressStreamWriter {
  readonly contentType: string;
  readonly #out: ByteSink;
  readonly #boundary: string;
  #last = -1;
  #ended = false;

  constructor(out: ByteSink, boundary = `pixelflow-${randomBytes(8).toString('hex')}`) {
    this.#out = out;
    this.#boundary = boundary;
    this.contentType = `multipart/mixed; boundary=${boundary}`;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** A progress part; a value that does not rise above the last one is left out (the spec's "never decrease"). */
  progress(fraction: number): void {
    const value = Math.min(1, Math.max(0, fraction));
    if (this.#ended || value <= this.#last) return;
    this.#last = value;
    this.#part('application/json', JSON.stringify({ progress: value }));
  }

  /** The image, as the last part, with its notice if it has one; ends the stream. */
  image(contentType: string, data: Buffer, notice?: string): void {
    this.#finish(contentType, data, notice ? `${NOTICE_HEADER}: ${encodeNotice(notice)}\r\n` : '');
  }

  /** A failure after the answer began, as the last part; ends the stream. */
  error(code: ErrorCode, message: string): void {
    this.#finish('application/json', JSON.stringify(errorBody(code, message)));
  }

  #finish(type: string, body: string | Buffer, extraHeaders = ''): void {
    if (this.#ended) return;
    this.#part(type, body, extraHeaders);
    this.#ended = true;
    this.#out.end(`--${this.#boundary}--\r\n`);
  }

  #part(type: string, body: string | Buffer, extraHeaders = ''): void {
    const length = Buffer.byteLength(body);
    this.#out.write(
      `--${this.#boundary}\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n${extraHeaders}\r\n`,
    );
    this.#out.write(body);
    this.#out.write('\r\n');
  }
}

/** One part of a progress stream, as the caller sees it. */
export type ProgressEvent =
  | { type: 'progress'; fraction: number }
  | { type: 'image'; data: Buffer; contentType: string; notice: string | null }
  /** `code` and `message` as the converter wrote them (unchecked: it may not know our registry). */
  | { type: 'error'; code: unknown; message: unknown };

/**
 * Reads a progress stream as its parts arrive, so that progress is seen while the converter still
 * works. Parts of other types, JSON parts that are neither progress nor error, and empty image
 * parts are skipped. Throws on a malformed body, on invalid JSON and past `maxBytes`.
 */
export async function* readProgressStream(
  body: AsyncIterable<Buffer>,
  contentType: string,
  maxBytes: number,
): AsyncGenerator<ProgressEvent> {
  const boundary = mixedBoundary(contentType);
  if (!boundary) throw new Error(`"${contentType}" is not multipart/mixed with a boundary`);
  for await (const part of readParts(body, boundary, maxBytes)) {
    const type = part.headers['content-type'] ?? '';
    if (type.startsWith('image/')) {
      if (part.body.length > 0) {
        const notice = decodeNotice(part.headers[NOTICE_HEADER]);
        yield { type: 'image', data: Buffer.from(part.body), contentType: type, notice };
      }
      continue;
    }
    if (!type.startsWith('application/json')) continue;
    const json = JSON.parse(part.body.toString('utf8')) as { progress?: unknown; error?: unknown };
    if (typeof json.progress === 'number') yield { type: 'progress', fraction: json.progress };
    else if (json.error) {
      const { code, message } = (json as Partial<ErrorBody>).error ?? {};
      yield { type: 'error', code, message };
    }
  }
}

export { mixedBoundary };
