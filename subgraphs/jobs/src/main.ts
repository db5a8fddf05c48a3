import { createRedisDrivers } from '@pixelflow/drivers';
import { createLogger } from '@pixelflow/logger';
import { httpLimitsFrom, runMain } from '@pixelflow/service-kit';
import { readJobsEnv } from './env.ts';
import { createJobsService } from './service.ts';

await runMain(async () => {
  const env = readJobsEnv();
  const logger = createLogger({ service: 'jobs', level: env.LOG_LEVEL });
  const drivers = createRedisDrivers(env.REDIS_URL, { keyPrefix: env.REDIS_KEY_PREFIX });
  const service = await createJobsService({
    drivers,
    logger,
    internalSecret: env.INTERNAL_SECRET,
    publicUrl: env.PUBLIC_URL,
    jobTtlMs: env.JOB_TTL_MS,
    recheckMs: env.JOB_RECHECK_MS,
    port: env.PORT,
    host: env.HOST,
    http: httpLimitsFrom(env),
  });
  service.onShutdown(() => drivers.close());
  await service.listen();
  return { logger, service };
});
