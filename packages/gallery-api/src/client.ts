import { type Bytes, callRoute, type ServiceClientOptions, Upstream } from '@pixelflow/service-kit';
import { galleryRoutes, type ImageJson } from './routes.ts';

export interface GalleryClientOptions extends ServiceClientOptions {
  /** How long one save may take (decoding and re-encoding a large image), in ms. @default 60000 */
  timeoutMs?: number;
}

/** An image/* type with its bytes; the gallery reads the real format from the bytes. */
export type ImageBytes = Bytes;

export interface SaveConversion {
  jobId: string;
  /** The signed-in user the job belongs to. */
  owner: string;
  converter: string;
  original: ImageBytes;
  result: ImageBytes;
}

/** The typed client of the gallery's internal API (galleryRoutes). */
export class GalleryClient {
  readonly #upstream: Upstream;
  readonly #timeoutMs: number | undefined;

  constructor({ urls, internalSecret, timeoutMs }: GalleryClientOptions) {
    this.#upstream = new Upstream({ urls, secret: internalSecret, name: 'gallery' });
    this.#timeoutMs = timeoutMs;
  }

  saveOriginal({
    jobId,
    owner,
    image,
  }: {
    jobId: string;
    owner: string;
    image: ImageBytes;
  }): Promise<ImageJson> {
    const input = { params: { jobId }, query: { owner }, body: image };
    return callRoute(this.#upstream, galleryRoutes.saveOriginal, input, { timeoutMs: this.#timeoutMs });
  }

  saveConverted(input: {
    jobId: string;
    owner: string;
    converter: string;
    image: ImageBytes;
  }): Promise<ImageJson> {
    const { jobId, owner, converter, image } = input;
    const call = { params: { jobId }, query: { owner, converter }, body: image };
    return callRoute(this.#upstream, galleryRoutes.saveConverted, call, { timeoutMs: this.#timeoutMs });
  }

  /** Deletes whatever the job saved for its owner (a save that raced a cancel); idempotent. */
  async forgetJob(jobId: string, owner: string): Promise<number> {
    const answer = await callRoute(this.#upstream, galleryRoutes.forgetJob, {
      params: { jobId },
      query: { owner },
    });
    return answer.deleted;
  }

  /** Keeps a finished conversion: the original first, then the result linked to it. */
  async saveConversion(input: SaveConversion): Promise<{ original: ImageJson; converted: ImageJson }> {
    const { jobId, owner, converter } = input;
    const original = await this.saveOriginal({ jobId, owner, image: input.original });
    const converted = await this.saveConverted({ jobId, owner, converter, image: input.result });
    return { original, converted };
  }
}
