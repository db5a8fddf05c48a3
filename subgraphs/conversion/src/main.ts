import { createRedisDrivers } from '@pixelflow/drivers';
import { createLogger } from '@pixelflow/logger';
import { httpLimitsFrom, runMain } from '@pixelflow/service-kit';
import { limitsFromEnv, readConversionEnv } from './env.ts';
import { createConversionService } from './service.ts';

await runMain(
  async () => {
    const env = readConversionEnv();
    const logger = createLogger({ service: 'conversion', level: env.LOG_LEVEL });
    const drivers = createRedisDrivers(env.REDIS_URL, { keyPrefix: env.REDIS_KEY_PREFIX });
    const service = await createConversionService({
      drivers,
      logger,
      internalSecret: env.INTERNAL_SECRET,
      jobsUrls: env.JOBS_URL,
      galleryUrls: env.GALLERY_URL,
      galleryRetryMs: env.GALLERY_RETRY_MS,
      converters: env.CONVERTERS,
      instanceId: env.INSTANCE_ID,
      jobTtlMs: env.JOB_TTL_MS,
      maxUploadBytes: env.MAX_UPLOAD_BYTES,
      maxPixels: env.MAX_PIXELS,
      maxAnimationPixels: env.MAX_ANIMATION_PIXELS,
      maxJpegScans: env.MAX_JPEG_SCANS,
      limits: limitsFromEnv(env),
      concurrency: env.RUNNER_CONCURRENCY,
      leaseMs: env.LEASE_MS,
      heartbeatMs: env.HEARTBEAT_MS,
      maxDeliveries: env.MAX_DELIVERIES,
      converterTimeoutMs: env.CONVERTER_TIMEOUT_MS,
      drainMs: env.SHUTDOWN_DRAIN_MS,
      healthIntervalMs: env.HEALTH_INTERVAL_MS,
      port: env.PORT,
      host: env.HOST,
      http: httpLimitsFrom(env),
    });
    service.onShutdown(() => drivers.close());
    await service.listen();
    return { logger, service };
  },
  // Running jobs get SHUTDOWN_DRAIN_MS to finish, then go back to the queue; this is the backstop.
  { shutdownTimeoutMs: 55_000 },
);
