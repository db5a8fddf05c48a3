import { randomUUID } from 'node:crypto';
import type { BlobStore, WorkQueue } from '@pixelflow/drivers';
import type { JobsClient } from '@pixelflow/jobs-api';
import type { Logger } from '@pixelflow/logger';
import type { Identity } from '@pixelflow/service-kit';
import type { FileUpload } from 'graphql-upload/Upload.mjs';
import { type Admission, clientOf } from './admission.ts';
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
  /** The quota key whose slot the job holds (Admission); '' in entries queued before quotas. */
  client: string;
}

export interface IntakeOptions {
  registry: ConverterRegistry;
  jobs: JobsClient;
  queue: WorkQueue;
  blobs: BlobStore;
  admission: Admission;
  jobTtlMs: number;
  maxBytes: number;
  maxPixels: number;
  maxAnimationPixels: number;
  /** Most scans of a JPEG. */
  maxJpegScans: number;
  logger: Logger;
}

/**
 * `convertImage`: checks everything first (converter, params, size, format, completeness, pixel
 * count), then the queue's and the caller's limits, then creates the job, stores the input and
 * enqueues it. Bad input never makes a job, and neither does a caller over its limits.
 * While the job waits, the queue keeper (queue-keeper.ts) keeps it alive.
 */
export class ConversionIntake {
  readonly #options: IntakeOptions;

  constructor(options: IntakeOptions) {
    this.#options = options;
  }

  async submit(input: {
    file: Promise<FileUpload>;
    converter: string;
    params: unknown;
    identity: Identity;
  }): Promise<{ id: string }> {
    const { registry, jobs, queue, blobs, admission, jobTtlMs, maxBytes, maxPixels, maxAnimationPixels } =
      this.#options;
    const converter = await registry.require(input.converter);
    const params = registry.validateParams(converter, input.params);
    const data = await readUpload(input.file, maxBytes);
    const image = await inspectImage(data, {
      maxPixels,
      maxAnimationPixels,
      maxJpegScans: this.#options.maxJpegScans,
    });

    const id = randomUUID();
    const client = clientOf(input.identity);
    await admission.admit(client, id);
    const owner = input.identity.userId;
    const entry: QueuedConversion = {
      jobId: id,
      converter: input.converter,
      params: JSON.stringify(params),
      contentType: image.contentType,
      owner: owner ?? '',
      client: client.key,
    };
    let created = false;
    try {
      await jobs.create({ id, converter: input.converter, owner });
      created = true;
      await blobs.put(inputKey(id), data, jobTtlMs);
      await queue.add({ ...entry });
    } catch (error) {
      if (created)
        await jobs.fail(id, 'SERVICE_UNAVAILABLE', 'the job could not be queued').catch(() => undefined);
      await blobs.delete(inputKey(id)).catch(() => undefined);
      await admission.release(client.key, id).catch(() => undefined);
      throw error;
    }
    return { id };
  }
}
