import { randomUUID } from 'node:crypto';
import type { ObjectStore, StoredObject } from '@pixelflow/drivers';
import { AppError } from '@pixelflow/errors';
import type { Logger } from '@pixelflow/logger';
import { prepareImage } from './image-processing.ts';
import {
  type ImageKind,
  type ImageModel,
  type ImageVariant,
  imageKey,
  isUuid,
  type PageCursor,
  thumbnailKey,
} from './images.ts';
import type { ImagePage, ImageStore } from './store/image-store.ts';

export interface SaveImage {
  jobId: string;
  ownerId: string;
  kind: ImageKind;
  /** Required for a CONVERTED image. */
  converter: string | null;
  data: Buffer;
}

/**
 * The gallery's logic over its two stores: metadata rows (ImageStore) and bytes (ObjectStore).
 * Bytes are written before their row and removed after it, so that a row never points at missing
 * bytes; a crash in between leaves unreferenced bytes behind, never a broken image.
 */
export class Gallery {
  readonly #images: ImageStore;
  readonly #objects: ObjectStore;
  readonly #logger: Logger;

  constructor(options: { images: ImageStore; objects: ObjectStore; logger: Logger }) {
    this.#images = options.images;
    this.#objects = options.objects;
    this.#logger = options.logger;
  }

  /**
   * Keeps a job's original or result, once: a second save of the same job and kind (a retry)
   * answers the image the first one kept, without decoding anything.
   */
  async save(input: SaveImage): Promise<ImageModel> {
    const existing = await this.#existing(input);
    if (existing) return existing;
    const prepared = await prepareImage(input.data);
    const id = randomUUID();
    const keys = { imageKey: imageKey(id), thumbnailKey: thumbnailKey(id) };
    await Promise.all([
      this.#objects.put(keys.imageKey, { data: prepared.data, contentType: prepared.contentType }),
      this.#objects.put(keys.thumbnailKey, prepared.thumbnail),
    ]);
    const inserted = await this.#images.insert({
      id,
      ownerId: input.ownerId,
      jobId: input.jobId,
      kind: input.kind,
      converter: input.kind === 'CONVERTED' ? input.converter : null,
      format: prepared.format,
      contentType: prepared.contentType,
      width: prepared.width,
      height: prepared.height,
      bytes: prepared.data.length,
      ...keys,
    });
    if (inserted) return inserted;
    // A concurrent save of the same job won the race: keep its image, drop these bytes.
    await this.#removeObjects(keys);
    const winner = await this.#existing(input);
    if (!winner) throw new Error(`the image of job ${input.jobId} vanished while being saved`);
    return winner;
  }

  /** The image, when it is the caller's; null for anyone else's and for unknown ids alike. */
  async ownImage(id: string, userId: string | null): Promise<ImageModel | null> {
    if (!userId || !isUuid(id)) return null;
    const image = await this.#images.byId(id);
    return image?.ownerId === userId ? image : null;
  }

  /** The CONVERTED image of a job, when the caller owns it. */
  async savedImage(jobId: string, userId: string | null): Promise<ImageModel | null> {
    if (!userId || !isUuid(jobId)) return null;
    const image = await this.#images.byJob(jobId, 'CONVERTED');
    return image?.ownerId === userId ? image : null;
  }

  /** Deletes the caller's image with its bytes; IMAGE_NOT_FOUND for anything else. */
  async delete(id: string, userId: string): Promise<void> {
    const deleted = isUuid(id) ? await this.#images.delete(id, userId) : null;
    if (!deleted) throw new AppError('IMAGE_NOT_FOUND', `image ${id} does not exist`);
    await this.#removeObjects(deleted);
  }

  /** Deletes what a job saved for its owner (both kinds) with the bytes; answers how many. */
  async forgetJob(jobId: string, ownerId: string): Promise<number> {
    if (!isUuid(jobId)) return 0;
    const deleted = await this.#images.deleteJob(jobId, ownerId);
    for (const image of deleted) await this.#removeObjects(image);
    return deleted.length;
  }

  /** The stored bytes of an image or its thumbnail; null when the image is unknown or deleted. */
  async download(id: string, variant: ImageVariant): Promise<StoredObject | null> {
    if (!isUuid(id)) return null;
    return this.#objects.get(variant === 'image' ? imageKey(id) : thumbnailKey(id));
  }

  /** A page of the owner's images, newest first. */
  page(ownerId: string, first: number, after: PageCursor | null): Promise<ImagePage> {
    return this.#images.page(ownerId, first, after);
  }

  async #existing(input: SaveImage): Promise<ImageModel | null> {
    const existing = await this.#images.byJob(input.jobId, input.kind);
    if (existing && existing.ownerId !== input.ownerId) {
      throw new AppError('FORBIDDEN', `job ${input.jobId}'s images belong to another user`);
    }
    return existing;
  }

  async #removeObjects(keys: { imageKey: string; thumbnailKey: string }): Promise<void> {
    const results = await Promise.allSettled([
      this.#objects.delete(keys.imageKey),
      this.#objects.delete(keys.thumbnailKey),
    ]);
    for (const result of results) {
      // The row is gone already, so nobody can reach these bytes; they only take space.
      if (result.status === 'rejected')
        this.#logger.error({ err: result.reason, ...keys }, 'removing image bytes failed');
    }
  }
}
