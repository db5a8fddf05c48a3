import { httpUrl, internalSecret, logLevel, millis, parseEnv, port, redisUrl, z } from '@pixelflow/config';
import { defineSettings } from '@pixelflow/config/settings';
import { JOB_TTL_MS, RESULT_RETENTION_MS } from '@pixelflow/product';
import { httpLimitsEnv } from '@pixelflow/service-kit';

export interface JobsSettings {
  /** A queued or running job lives this long after its last heartbeat or change (JOB_TTL_MS). */
  jobTtlMs: number;
  /** A finished job and its result stay this long after it ended (RESULT_RETENTION_MS). */
  retentionMs: number;
  /** A subscription re-reads its job after this long without events (JOB_RECHECK_MS). */
  recheckMs: number;
}

/** The service's runtime settings: their defaults are here and nowhere else. */
export const jobsSettings = defineSettings(
  {
    /** A queued or running job lives this long after its last heartbeat or change. */
    JOB_TTL_MS: millis(JOB_TTL_MS),
    /** A finished job and its result stay this long after it ended. */
    RESULT_RETENTION_MS: millis(RESULT_RETENTION_MS),
    /** A subscription re-reads its job after this long without events. */
    JOB_RECHECK_MS: millis(5_000),
  },
  (env): JobsSettings => ({
    jobTtlMs: env.JOB_TTL_MS,
    retentionMs: env.RESULT_RETENTION_MS,
    recheckMs: env.JOB_RECHECK_MS,
  }),
);

export const envSchema = z.object({
  ...httpLimitsEnv(),
  PORT: port(4001),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel(),
  REDIS_URL: redisUrl(),
  /** Prefix of every Redis key, so that several deployments can share one Redis. */
  REDIS_KEY_PREFIX: z.string().default(''),
  INTERNAL_SECRET: internalSecret(),
  /** Base of the public URLs the gateway serves, for `resultUrl`. */
  PUBLIC_URL: httpUrl().default('http://localhost:4000'),
  ...jobsSettings.env,
});

export type JobsEnv = z.infer<typeof envSchema>;

export const readJobsEnv = (source?: Record<string, string | undefined>): JobsEnv =>
  parseEnv(envSchema, source);
