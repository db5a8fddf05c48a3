import { randomUUID } from 'node:crypto';
import type { BlobStore, RecordStore, WorkQueue } from '@pixelflow/drivers';
import type { JobsClient } from '@pixelflow/jobs/api';
import type { Logger } from '@pixelflow/logger';
import type { FileUpload } from 'graphql-upload/Upload.mjs';
import type { ConverterRegistry } from './converters/registry.ts';
import { inspectImage } from './image-check.ts';
import { readUpload } from './upload.ts';

export const inputKey = (jobId: string) => `input:${jobId}`;

/** The fields of a queue entry: everything a runner needs besides the input bytes. */
export interface QueuedConversion {
  jobId: string;
  converter: string;
  params: string;
  contentType: string;
  owner: string;
}

export interface IntakeOptions {
  registry: ConverterRegistry;
  jobs: JobsClient;
  queue: WorkQueue;
  blobs: BlobStore;
  /** For renewing the TTL of inputs still waiting in the queue. */
  records: RecordStore;
  jobTtlMs: number;
  maxBytes: number;
  maxPixels: number;
  heartbeatMs: number;
  logger: Logger;
}

/**
 * `convertImage`: checks everything first (converter, params, size, format, completeness, pixel
 * count), then creates the job, stores the input and enqueues it. Bad input never makes a job.
 *
 * While a job waits in the queue nobody runs it, so the instance that accepted it heartbeats it:
 * a long queue must not expire jobs that are merely waiting.
 */
export class ConversionIntake {
  readonly #options: IntakeOptions;
  readonly #waiting = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: IntakeOptions) {
    this.#options = options;
  }

  async submit(input: {
    file: Promise<FileUpload>;
    converter: string;
    params: unknown;
    owner: string | null;
  }): Promise<{ id: string }> {
    const { registry, jobs, queue, blobs, jobTtlMs, maxBytes, maxPixels } = this.#options;
    const converter = await registry.require(input.converter);
    const params = registry.validateParams(converter, input.params);
    const data = await readUpload(input.file, maxBytes);
    const image = await inspectImage(data, { maxPixels });

    const id = randomUUID();
    await jobs.create({ id, converter: input.converter, owner: input.owner });
    await blobs.put(inputKey(id), data, jobTtlMs);
    const entry: QueuedConversion = {
      jobId: id,
      converter: input.converter,
      params: JSON.stringify(params),
      contentType: image.contentType,
      owner: input.owner ?? '',
    };
    try {
      await queue.add({ ...entry });
    } catch (error) {
      await jobs.fail(id, 'SERVICE_UNAVAILABLE', 'the job could not be queued').catch(() => undefined);
      await blobs.delete(inputKey(id)).catch(() => undefined);
      throw error;
    }
    this.#waiting.add(id);
    return { id };
  }

  start(): void {
    this.#timer = setInterval(() => void this.#heartbeatWaiting(), this.#options.heartbeatMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #heartbeatWaiting(): Promise<void> {
    if (this.#waiting.size === 0) return;
    const ids = [...this.#waiting];
    try {
      const statuses = await this.#options.jobs.heartbeat(ids);
      const stillWaiting = ids.filter((id) => statuses[id] === 'QUEUED');
      await this.#options.records.touch(stillWaiting.map(inputKey), this.#options.jobTtlMs);
      for (const id of ids) if (statuses[id] !== 'QUEUED') this.#waiting.delete(id);
    } catch (error) {
      this.#options.logger.warn({ err: error, jobs: ids.length }, 'heartbeat of queued jobs failed');
    }
  }
}
