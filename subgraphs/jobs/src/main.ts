import { createRedisDrivers } from '@pixelflow/drivers';
import { listenFrom, runServiceMain } from '@pixelflow/service-kit';
import { jobsSettings, readJobsEnv } from './env.ts';
import { createJobsService } from './service.ts';

await runServiceMain('jobs', readJobsEnv, ({ env, logger, owns }) =>
  createJobsService({
    drivers: owns(createRedisDrivers(env.REDIS_URL, { keyPrefix: env.REDIS_KEY_PREFIX })),
    logger,
    internalSecret: env.INTERNAL_SECRET,
    publicUrl: env.PUBLIC_URL,
    ...jobsSettings.from(env),
    ...listenFrom(env),
  }),
);
