import { randomUUID } from 'node:crypto';
import type { BlobStore, WorkQueue } from '@pixelflow/drivers';
import { AppError } from '@pixelflow/errors';
import type { JobsClient } from '@pixelflow/jobs-api';
import type { Logger } from '@pixelflow/logger';
import { MAX_STEPS } from '@pixelflow/product';
import type { Identity } from '@pixelflow/service-kit';
import { currentTraceparent, metrics } from '@pixelflow/telemetry';
import type { FileUpload } from 'graphql-upload/Upload.mjs';
import { type Admission, clientOf } from './admission.ts';
import { checkConverterLimits } from './converter-limits.ts';
import type { ConverterRegistry } from './converters/registry.ts';
import { inspectImage } from './image-check.ts';
import { readUpload } from './upload.ts';

const refusals = metrics.admissionRefusals();

export const inputKey = (jobId: string) => `input:${jobId}`;

/** One step of a job: a converter and its params, checked and with their defaults filled in. */
export interface Step {
  converter: string;
  params: Record<string, unknown>;
}

/** The fields of a queue entry: everything a runner needs besides the input bytes. */
export interface QueuedConversion {
  jobId: string;
  /** The first step's converter (and, in entries queued before steps, the only one). */
  converter: string;
  /** The first step's params, as JSON. */
  params: string;
  /** Every step, the first included, as JSON (Step[]); '' in entries queued before steps. */
  steps?: string;
  contentType: string;
  owner: string;
  /** The quota key whose slot the job holds (Admission); '' in entries queued before quotas. */
  client: string;
  /** The trace of the request that queued the job (W3C traceparent); absent while tracing is off. */
  traceparent?: string;
}

/** A queue entry's steps; an entry queued before steps has its one converter. */
export function stepsOf(fields: QueuedConversion): Step[] {
  if (fields.steps) return JSON.parse(fields.steps) as Step[];
  return [{ converter: fields.converter, params: JSON.parse(fields.params) as Record<string, unknown> }];
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
    /** Steps after the first, each run on the result of the one before. */
    andThen?: ReadonlyArray<{ converter: string; params?: unknown }> | null;
    identity: Identity;
  }): Promise<{ id: string }> {
    const { registry, jobs, queue, blobs, admission, jobTtlMs, maxBytes, maxPixels, maxAnimationPixels } =
      this.#options;
    const asked = [{ converter: input.converter, params: input.params }, ...(input.andThen ?? [])];
    if (asked.length > MAX_STEPS) {
      throw new AppError(
        'BAD_USER_INPUT',
        `a job runs at most ${MAX_STEPS} steps; this one has ${asked.length}`,
        {
          maxSteps: MAX_STEPS,
        },
      );
    }
    const described = [];
    const steps: Step[] = [];
    for (const [index, step] of asked.entries()) {
      const converter = await registry.require(step.converter);
      described.push(converter);
      try {
        steps.push({ converter: step.converter, params: registry.validateParams(converter, step.params) });
      } catch (error) {
        // Which step: the same converter may appear twice with different params.
        if (error instanceof AppError && index > 0) {
          throw new AppError(error.code, `step ${index + 1} (${step.converter}): ${error.message}`, {
            ...error.details,
            step: index + 1,
          });
        }
        throw error;
      }
    }
    const converter = described[0]!;
    const params = steps[0]!.params;
    const data = await readUpload(input.file, maxBytes);
    const image = await inspectImage(data, {
      maxPixels,
      maxAnimationPixels,
      maxJpegScans: this.#options.maxJpegScans,
    });
    checkConverterLimits(converter.description, image);

    const id = randomUUID();
    const client = clientOf(input.identity);
    await admission
      .admit(client, id, { heavy: described.some((step) => step.description?.cost === 'heavy') })
      .catch((error: unknown) => {
        if (error instanceof AppError) refusals.inc({ service: 'conversion', code: error.code });
        throw error;
      });
    const owner = input.identity.userId;
    const traceparent = currentTraceparent();
    const entry: QueuedConversion = {
      jobId: id,
      converter: input.converter,
      params: JSON.stringify(params),
      contentType: image.contentType,
      owner: owner ?? '',
      client: client.key,
      steps: JSON.stringify(steps),
      // The runner that takes the job continues this request's trace.
      ...(traceparent ? { traceparent } : {}),
    };
    let created = false;
    try {
      await jobs.create({
        id,
        converter: input.converter,
        owner,
        steps: steps.map((step) => step.converter),
      });
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
