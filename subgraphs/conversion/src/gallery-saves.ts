import { setTimeout as sleep } from 'node:timers/promises';
import type { BlobStore, QueueEntry, WorkQueue } from '@pixelflow/drivers';
import type { GalleryClient } from '@pixelflow/gallery-api';
import type { Logger } from '@pixelflow/logger';

/** A finished conversion of a signed-in user, to be kept in their gallery. */
export interface GallerySave {
  jobId: string;
  owner: string;
  converter: string;
  original: { data: Buffer; contentType: string };
  result: { data: Buffer; contentType: string };
}

export interface GallerySavesOptions {
  gallery: GalleryClient;
  /** The queue of saves that failed once: one stream for every conversion instance. */
  queue: WorkQueue;
  blobs: BlobStore;
  logger: Logger;
  consumer: string;
  /** How long a save that keeps failing is retried before it is given up (and logged). @default 24 h */
  retentionMs?: number;
  /** Time between two tries of one save. */
  retryEveryMs: number;
}

const blobKey = (jobId: string, part: 'original' | 'result') => `save:${jobId}:${part}`;

/**
 * Saves conversions to the gallery. A save that fails (the gallery is down) is not dropped: its
 * bytes are kept in Redis and the save is queued, and any conversion instance retries it until it
 * succeeds or the retention ends. Saving twice is harmless: the gallery saves once per job.
 */
export class GallerySaves {
  readonly #o: Required<GallerySavesOptions>;
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(options: GallerySavesOptions) {
    this.#o = {
      ...options,
      retentionMs: options.retentionMs ?? 24 * 3_600_000,
    };
  }

  /** Saves now; when that fails, keeps the save for later and resolves false. */
  async save(save: GallerySave): Promise<boolean> {
    try {
      await this.#o.gallery.saveConversion(save);
      return true;
    } catch (error) {
      this.#o.logger.warn(
        { err: error, jobId: save.jobId },
        'saving to the gallery failed; it will be retried',
      );
      await this.#defer(save);
      return false;
    }
  }

  /**
   * Takes back a save: deletes what the gallery kept of the job, and the bytes of a save waiting
   * for a retry (whose retry then has nothing to save). A gallery that cannot be reached now
   * keeps the images; that is logged.
   */
  async forget(jobId: string, owner: string): Promise<void> {
    const { gallery, blobs, logger } = this.#o;
    await Promise.all([blobs.delete(blobKey(jobId, 'original')), blobs.delete(blobKey(jobId, 'result'))]);
    await gallery.forgetJob(jobId, owner).catch((error: unknown) => {
      logger.warn({ err: error, jobId }, 'removing a cancelled job from the gallery failed');
    });
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  async #defer(save: GallerySave): Promise<void> {
    const { blobs, queue, retentionMs } = this.#o;
    await Promise.all([
      blobs.put(blobKey(save.jobId, 'original'), save.original.data, retentionMs),
      blobs.put(blobKey(save.jobId, 'result'), save.result.data, retentionMs),
    ]);
    await queue.add({
      jobId: save.jobId,
      owner: save.owner,
      converter: save.converter,
      originalType: save.original.contentType,
      resultType: save.result.contentType,
      until: String(Date.now() + retentionMs),
    });
  }

  async #run(): Promise<void> {
    const { queue, consumer, retryEveryMs, logger } = this.#o;
    while (this.#running) {
      try {
        // A failed try stays pending; it comes back once its lease lapsed: one retry per period.
        const entries = [
          ...(await queue.reclaim(consumer, { minIdleMs: retryEveryMs, count: 8 })),
          ...(await queue.read(consumer, { count: 8, blockMs: 1000 })),
        ];
        for (const entry of entries) await this.#retry(entry);
      } catch (error) {
        logger.error({ err: error }, 'reading the gallery saves failed; retrying');
        await sleep(1000);
      }
    }
  }

  async #retry(entry: QueueEntry): Promise<void> {
    const { gallery, blobs, queue, logger } = this.#o;
    const {
      jobId = '',
      owner = '',
      converter = '',
      originalType = '',
      resultType = '',
      until = '0',
    } = entry.fields;
    const [original, result] = await Promise.all([
      blobs.get(blobKey(jobId, 'original')),
      blobs.get(blobKey(jobId, 'result')),
    ]);
    if (!original || !result) {
      // Taken back (the job was cancelled) or lapsed with the retention.
      logger.info({ jobId, owner }, 'dropped a gallery save whose bytes are gone');
      await queue.ack([entry.id]);
      return;
    }
    if (Date.now() > Number(until)) {
      logger.error({ jobId, owner }, 'gave up saving a conversion to the gallery: it kept failing');
      await queue.ack([entry.id]);
      return;
    }
    try {
      await gallery.saveConversion({
        jobId,
        owner,
        converter,
        original: { data: original, contentType: originalType },
        result: { data: result, contentType: resultType },
      });
    } catch (error) {
      logger.warn({ err: error, jobId, tries: entry.deliveries }, 'saving to the gallery failed again');
      return;
    }
    logger.info({ jobId, tries: entry.deliveries }, 'saved a conversion to the gallery after a retry');
    await queue.ack([entry.id]);
    await Promise.all([blobs.delete(blobKey(jobId, 'original')), blobs.delete(blobKey(jobId, 'result'))]);
  }
}
