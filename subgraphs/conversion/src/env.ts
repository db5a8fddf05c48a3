import {
  internalSecret,
  logLevel,
  millis,
  parseEnv,
  port,
  positiveInt,
  redisUrl,
  urlList,
  z,
} from '@pixelflow/config';
import { httpLimitsEnv } from '@pixelflow/service-kit';
import { parseConverterList } from './converters/registry.ts';

const schema = z.object({
  ...httpLimitsEnv(),
  PORT: port(4002),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel(),
  REDIS_URL: redisUrl(),
  /** Prefix of every Redis key, so that several deployments can share one Redis. */
  REDIS_KEY_PREFIX: z.string().default(''),
  INTERNAL_SECRET: internalSecret(),
  /** The jobs service: one URL, or several instances comma-separated. */
  JOBS_URL: urlList(),
  /** The gallery service, where signed-in users' conversions are saved. */
  GALLERY_URL: urlList().optional(),
  /** Time between two tries of a gallery save that failed. */
  GALLERY_RETRY_MS: millis(30_000),
  /** Converters as `id=baseUrl` pairs, comma-separated. */
  CONVERTERS: z.string().transform((value, ctx) => {
    try {
      const list = parseConverterList(value);
      if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'lists no converter' });
      return list;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  /** Unique per process in the queue's consumer group. */
  INSTANCE_ID: z
    .string()
    .regex(/^[\w.-]{1,100}$/)
    .optional(),
  JOB_TTL_MS: millis(100_000),
  MAX_UPLOAD_BYTES: positiveInt(5 * 1024 * 1024),
  MAX_PIXELS: positiveInt(50_000_000),
  RUNNER_CONCURRENCY: positiveInt(8),
  LEASE_MS: millis(20_000),
  HEARTBEAT_MS: millis(5_000),
  MAX_DELIVERIES: positiveInt(3),
  CONVERTER_TIMEOUT_MS: millis(600_000),
  HEALTH_INTERVAL_MS: millis(5_000),
});

export type ConversionEnv = z.infer<typeof schema>;

export const readConversionEnv = (source?: Record<string, string | undefined>): ConversionEnv =>
  parseEnv(schema, source);
