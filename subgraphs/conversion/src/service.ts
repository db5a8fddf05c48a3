import { hostname } from 'node:os';
import type { KeyValueDrivers } from '@pixelflow/drivers';
import { GalleryClient } from '@pixelflow/gallery-api';
import { createSubgraphService, type SubgraphServiceBase } from '@pixelflow/graphql-kit';
import { JobsClient } from '@pixelflow/jobs-api';
import type { HttpService } from '@pixelflow/service-kit';
import { Admission } from './admission.ts';
import { JobCancel } from './cancel.ts';
import type { ConversionContext } from './context.ts';
import { type ConverterEntry, ConverterRegistry } from './converters/registry.ts';
import { ConverterDurations } from './durations.ts';
import type { ConversionSettings } from './env.ts';
import { GallerySaves } from './gallery-saves.ts';
import { ConversionIntake } from './intake.ts';
import { QueueKeeper } from './queue-keeper.ts';
import { resolvers } from './resolvers/index.ts';
import { JobRunner } from './runner.ts';

export type { ConversionLimits } from './admission.ts';
export { type ConverterEntry, parseConverterList } from './converters/registry.ts';
export { converterListVariable } from './env.ts';

/** The queue every conversion instance reads: one stream, one consumer group. */
export const QUEUE = { stream: 'conversions', group: 'runners' } as const;
/** Gallery saves that failed once and wait for a retry. */
export const SAVES_QUEUE = { stream: 'gallery-saves', group: 'savers' } as const;

/** The settings (ConversionSettings) have their defaults in env.ts only: `conversionSettings.defaults`. */
export interface ConversionServiceOptions extends SubgraphServiceBase, ConversionSettings {
  drivers: KeyValueDrivers;
  jobsUrls: readonly string[];
  /** The gallery service; without it, signed-in users' conversions are not saved. */
  galleryUrls?: readonly string[];
  converters: readonly ConverterEntry[];
  /** Unique per process. @default `<hostname>-<pid>` */
  instanceId?: string;
}

/** The conversion subgraph: the converter registry, `convertImage`, and the job runner. */
export async function createConversionService(options: ConversionServiceOptions): Promise<HttpService> {
  const { drivers, logger, internalSecret, jobTtlMs, heartbeatMs, maxUploadBytes } = options;
  const consumer = options.instanceId ?? `${hostname()}-${process.pid}`;

  const jobs = new JobsClient({ urls: options.jobsUrls, internalSecret });
  const queue = drivers.queue(QUEUE.stream, QUEUE.group);
  // A job's slot lapses with the job: both live jobTtlMs past the last heartbeat.
  const admission = new Admission({
    quotas: drivers.quotas,
    queue,
    limits: options.limits,
    slotTtlMs: jobTtlMs,
  });
  const registry = new ConverterRegistry({
    converters: options.converters,
    logger,
    healthIntervalMs: options.healthIntervalMs,
  });
  const intake = new ConversionIntake({
    registry,
    jobs,
    queue,
    blobs: drivers.blobs,
    admission,
    jobTtlMs,
    maxBytes: maxUploadBytes,
    maxPixels: options.maxPixels,
    maxAnimationPixels: options.maxAnimationPixels,
    maxJpegScans: options.maxJpegScans,
    logger,
  });
  const durations = new ConverterDurations(drivers.records);
  const keeper = new QueueKeeper({
    durations,
    queue,
    jobs,
    blobs: drivers.blobs,
    quotas: drivers.quotas,
    admission,
    instanceId: consumer,
    heartbeatMs,
    jobTtlMs,
    logger,
  });
  const saves = options.galleryUrls?.length
    ? new GallerySaves({
        gallery: new GalleryClient({ urls: options.galleryUrls, internalSecret }),
        queue: drivers.queue(SAVES_QUEUE.stream, SAVES_QUEUE.group),
        blobs: drivers.blobs,
        logger,
        consumer,
        retryEveryMs: options.galleryRetryMs,
      })
    : undefined;
  const cancels = new JobCancel({
    jobs,
    pubsub: drivers.pubsub,
    admission,
    queue,
    blobs: drivers.blobs,
    secret: internalSecret,
    logger,
  });
  const runner = new JobRunner({
    saves,
    pubsub: drivers.pubsub,
    durations,
    queue,
    blobs: drivers.blobs,
    jobs,
    registry,
    logger,
    consumer,
    jobTtlMs,
    heartbeatMs,
    concurrency: options.concurrency,
    leaseMs: options.leaseMs,
    maxDeliveries: options.maxDeliveries,
    converterTimeoutMs: options.converterTimeoutMs,
    drainMs: options.drainMs,
    admission,
  });

  const { service } = await createSubgraphService<ConversionContext>({
    ...options,
    name: 'conversion',
    schemaFile: new URL('./schema.graphql', import.meta.url),
    resolvers,
    context: (identity) => ({ registry, intake, cancels, admission, identity }),
    uploads: { maxFileSize: maxUploadBytes },
    readiness: () => drivers.ping(),
  });

  await registry.start();
  keeper.start();
  runner.start();
  saves?.start();
  logger.info({ consumer, converters: options.converters.map((c) => c.id) }, 'runner started');
  // Jobs in flight finish before the process exits; queued ones stay in the queue for others.
  service.onDrain(() => runner.stop());
  service.onDrain(() => saves?.stop());
  service.onShutdown(async () => {
    await keeper.stop();
    registry.stop();
  });
  return service;
}
