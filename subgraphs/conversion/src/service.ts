import { hostname } from 'node:os';
import type { KeyValueDrivers } from '@pixelflow/drivers';
import { GalleryClient } from '@pixelflow/gallery/api';
import { createSubgraphService, type SubgraphServiceBase } from '@pixelflow/graphql-kit';
import { JobsClient } from '@pixelflow/jobs/api';
import type { HttpService } from '@pixelflow/service-kit';
import { Admission, type ConversionLimits, defaultLimits } from './admission.ts';
import type { ConversionContext } from './context.ts';
import { type ConverterEntry, ConverterRegistry } from './converters/registry.ts';
import { GallerySaves } from './gallery-saves.ts';
import { ConversionIntake } from './intake.ts';
import { QueueKeeper } from './queue-keeper.ts';
import { resolvers } from './resolvers/index.ts';
import { JobRunner } from './runner.ts';

export type { ConversionLimits } from './admission.ts';
export { type ConverterEntry, parseConverterList } from './converters/registry.ts';
export { conversionLimitsEnv, converterListVariable, limitsFromEnv as conversionLimitsFrom } from './env.ts';

/** The queue every conversion instance reads: one stream, one consumer group. */
export const QUEUE = { stream: 'conversions', group: 'runners' } as const;
/** Gallery saves that failed once and wait for a retry. */
export const SAVES_QUEUE = { stream: 'gallery-saves', group: 'savers' } as const;

export interface ConversionServiceOptions extends SubgraphServiceBase {
  drivers: KeyValueDrivers;
  jobsUrls: readonly string[];
  /** The gallery service; without it, signed-in users' conversions are not saved. */
  galleryUrls?: readonly string[];
  /** Time between two tries of a gallery save that failed. @default 30000 */
  galleryRetryMs?: number;
  converters: readonly ConverterEntry[];
  /** Unique per process. @default `<hostname>-<pid>` */
  instanceId?: string;
  /** @default 100000 */
  jobTtlMs?: number;
  /** @default 5 MiB */
  maxUploadBytes?: number;
  /** @default 50000000 */
  maxPixels?: number;
  /** @default 8 */
  concurrency?: number;
  /** @default 20000 */
  leaseMs?: number;
  /** @default 5000 */
  heartbeatMs?: number;
  /** @default 3 */
  maxDeliveries?: number;
  /** @default 600000 */
  converterTimeoutMs?: number;
  /** At shutdown, how long running jobs get before they are handed back to the queue. @default 20000 */
  drainMs?: number;
  /** @default 5000 */
  healthIntervalMs?: number;
  /** The pixels of all frames of an animation together. @default 200000000 */
  maxAnimationPixels?: number;
  /** Most scans of an uploaded JPEG. @default 100 */
  maxJpegScans?: number;
  /** Rates, per-client and queue limits; each one left out keeps its default. @default defaultLimits */
  limits?: Partial<ConversionLimits>;
}

/** The conversion subgraph: the converter registry, `convertImage`, and the job runner. */
export async function createConversionService(options: ConversionServiceOptions): Promise<HttpService> {
  const { drivers, logger, internalSecret } = options;
  const jobTtlMs = options.jobTtlMs ?? 100_000;
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const maxUploadBytes = options.maxUploadBytes ?? 5 * 1024 * 1024;
  const consumer = options.instanceId ?? `${hostname()}-${process.pid}`;

  const jobs = new JobsClient({ urls: options.jobsUrls, internalSecret });
  const queue = drivers.queue(QUEUE.stream, QUEUE.group);
  // A job's slot lapses with the job: both live jobTtlMs past the last heartbeat.
  const admission = new Admission({
    quotas: drivers.quotas,
    queue,
    limits: { ...defaultLimits, ...options.limits },
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
    maxPixels: options.maxPixels ?? 50_000_000,
    maxAnimationPixels: options.maxAnimationPixels ?? 200_000_000,
    maxJpegScans: options.maxJpegScans,
    logger,
  });
  const keeper = new QueueKeeper({
    queue,
    jobs,
    blobs: drivers.blobs,
    records: drivers.records,
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
  const runner = new JobRunner({
    saves,
    queue,
    blobs: drivers.blobs,
    records: drivers.records,
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
    context: (identity) => ({ registry, intake, identity }),
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
