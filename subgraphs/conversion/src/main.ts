import { createRedisDrivers } from '@pixelflow/drivers';
import { listenFrom, runServiceMain } from '@pixelflow/service-kit';
import { conversionSettings, readConversionEnv } from './env.ts';
import { createConversionService } from './service.ts';

await runServiceMain(
  'conversion',
  readConversionEnv,
  ({ env, logger, owns }) =>
    createConversionService({
      drivers: owns(createRedisDrivers(env.REDIS_URL, { keyPrefix: env.REDIS_KEY_PREFIX })),
      logger,
      internalSecret: env.INTERNAL_SECRET,
      jobsUrls: env.JOBS_URL,
      galleryUrls: env.GALLERY_URL,
      converters: env.CONVERTERS,
      instanceId: env.INSTANCE_ID,
      ...conversionSettings.from(env),
      ...listenFrom(env),
    }),
  // Running jobs get SHUTDOWN_DRAIN_MS to finish, then go back to the queue; this is the backstop.
  { shutdownTimeoutMs: 55_000 },
);
