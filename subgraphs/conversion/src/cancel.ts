import { createHmac, timingSafeEqual } from 'node:crypto';
import type { BlobStore, PubSub, WorkQueue } from '@pixelflow/drivers';
import { AppError } from '@pixelflow/errors';
import { isJobId, type JobsClient } from '@pixelflow/jobs-api';
import type { Logger } from '@pixelflow/logger';
import type { Identity } from '@pixelflow/service-kit';
import type { Admission } from './admission.ts';
import { inputKey } from './intake.ts';

/** Where a cancel is announced to every conversion instance: its runner aborts the conversion. */
export const CANCEL_CHANNEL = 'conversion:cancel';

export interface JobCancelOptions {
  jobs: JobsClient;
  pubsub: PubSub;
  admission: Pick<Admission, 'release' | 'limits'>;
  /** The conversion queue: a cancelled job's entry leaves it at once. */
  queue: WorkQueue;
  /** Where queued jobs' inputs are kept. */
  blobs: BlobStore;
  /** The key of the cancel tokens: the internal secret, shared by every instance. */
  secret: string;
  logger: Logger;
}

/**
 * `cancelJob`: whoever started a job may cancel it while it waits or runs. A signed-in owner is
 * known by identity; an anonymous job by its cancel token, which `convertImage` hands only to the
 * client that created it (unlike the job id, it is in no URL and no other answer).
 */
export class JobCancel {
  readonly #o: JobCancelOptions;

  constructor(options: JobCancelOptions) {
    this.#o = options;
  }

  /** The job's cancel token: an HMAC of its id, so that any instance can check it without state. */
  tokenFor(jobId: string): string {
    return createHmac('sha256', this.#o.secret).update(`cancel:${jobId}`).digest('base64url');
  }

  async cancel(jobId: string, token: string | null | undefined, identity: Identity) {
    const { jobs, pubsub, logger } = this.#o;
    const job = isJobId(jobId) ? await jobs.get(jobId) : null;
    // Someone else's job is answered as missing: its existence is not theirs to learn.
    const owned = job !== null && job.owner !== null && job.owner === identity.userId;
    if (!job || (job.owner !== null && !owned)) {
      // Not echoed when it is no job id: the caller wrote it, at whatever length.
      throw new AppError('JOB_NOT_FOUND', `job ${isJobId(jobId) ? `${jobId} ` : ''}is unknown or expired`);
    }
    if (!owned && !this.#validToken(jobId, token)) {
      throw new AppError(
        'FORBIDDEN',
        'only the client that started this job can cancel it (its cancelToken)',
      );
    }
    const change = await jobs.cancel(jobId);
    if (!change.ok) {
      if (change.reason === 'missing')
        throw new AppError('JOB_NOT_FOUND', `job ${jobId} is unknown or expired`);
      throw new AppError('JOB_CONFLICT', `job ${jobId} already ended (${change.job?.status})`, {
        status: change.job?.status ?? null,
      });
    }
    // The runner that holds it stops at once; one that misses this sees it at its next heartbeat.
    await pubsub.publish(CANCEL_CHANNEL, jobId).catch((error: unknown) => {
      logger.warn({ err: error, jobId }, 'announcing the cancel failed; the runner sees it at its heartbeat');
    });
    await this.#clearEntry(jobId).catch((error: unknown) => {
      logger.warn(
        { err: error, jobId },
        'clearing the cancelled job out of the queue failed; a runner drops it',
      );
    });
    return change.job;
  }

  /**
   * Takes the job's entry out of the queue now rather than when a runner meets it: it no longer
   * counts toward the queue's length (or a client could fill the queue by converting and
   * cancelling), the slot of the client that started it is freed (whoever cancels: the entry
   * says whose it is), and its input is deleted. A runner that holds the entry loses its lease
   * and stops; one that reads it after this finds the job CANCELLED. All of it is idempotent.
   */
  async #clearEntry(jobId: string): Promise<void> {
    const { queue, admission, blobs } = this.#o;
    // Unacknowledged entries are at most about the queue's limit (admission refuses past it).
    const entries = await queue.peek(2 * admission.limits.maxQueueLength);
    const entry = entries.find((candidate) => candidate.fields.jobId === jobId);
    if (!entry) return;
    await queue.ack([entry.id]);
    if (entry.fields.client) await admission.release(entry.fields.client, jobId);
    await blobs.delete(inputKey(jobId));
  }

  #validToken(jobId: string, token: string | null | undefined): boolean {
    if (typeof token !== 'string' || token.length > 100) return false;
    const expected = Buffer.from(this.tokenFor(jobId));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
