/**
 * The typed client of the gallery's internal API: what the conversion service saves signed-in
 * users' conversions with. Imports nothing of the gallery service but types. Saves are idempotent
 * by job id and kind, so a save lost on a dropped connection (or retried later) is simply sent again.
 */
import { readJson, Upstream } from '@pixelflow/service-kit';
import type { ImageJson, ImageKind } from './images.ts';

export type { ImageJson, ImageKind };

export interface GalleryClientOptions {
  /** Base URLs of the gallery service instances. */
  urls: readonly string[];
  internalSecret: string;
  /** How long one save may take (decoding and re-encoding a large image), in ms. @default 60000 */
  timeoutMs?: number;
}

export interface ImageBytes {
  data: Buffer;
  /** An image/* type; the gallery reads the real format from the bytes. */
  contentType: string;
}

export interface SaveConversion {
  jobId: string;
  /** The signed-in user the job belongs to. */
  owner: string;
  converter: string;
  original: ImageBytes;
  result: ImageBytes;
}

const name = 'gallery';

export class GalleryClient {
  readonly #upstream: Upstream;
  readonly #timeoutMs: number;

  constructor({ urls, internalSecret, timeoutMs = 60_000 }: GalleryClientOptions) {
    this.#upstream = new Upstream({ urls, secret: internalSecret, name });
    this.#timeoutMs = timeoutMs;
  }

  /** Keeps a job's original (idempotent by job id). */
  saveOriginal(input: { jobId: string; owner: string; image: ImageBytes }): Promise<ImageJson> {
    return this.#put(
      `/internal/jobs/${encodeURIComponent(input.jobId)}/images/original`,
      { owner: input.owner },
      input.image,
    );
  }

  /** Keeps a job's result, linked to the job's original when that was saved (idempotent by job id). */
  saveConverted(input: {
    jobId: string;
    owner: string;
    converter: string;
    image: ImageBytes;
  }): Promise<ImageJson> {
    return this.#put(
      `/internal/jobs/${encodeURIComponent(input.jobId)}/images/converted`,
      { owner: input.owner, converter: input.converter },
      input.image,
    );
  }

  /** Keeps a finished conversion: the original first, then the result linked to it. */
  async saveConversion(input: SaveConversion): Promise<{ original: ImageJson; converted: ImageJson }> {
    const { jobId, owner, converter } = input;
    const original = await this.saveOriginal({ jobId, owner, image: input.original });
    const converted = await this.saveConverted({ jobId, owner, converter, image: input.result });
    return { original, converted };
  }

  async #put(path: string, query: Record<string, string>, image: ImageBytes): Promise<ImageJson> {
    const response = await this.#upstream.request(`${path}?${new URLSearchParams(query)}`, {
      method: 'PUT',
      headers: { 'content-type': image.contentType },
      body: image.data,
      timeoutMs: this.#timeoutMs,
      idempotent: true,
    });
    return readJson<ImageJson>(response, name);
  }
}
