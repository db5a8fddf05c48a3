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
import { type ConversionLimits, defaultLimits } from './admission.ts';
import { parseConverterList } from './converters/registry.ts';
import { DEFAULT_MAX_JPEG_SCANS } from './image-check.ts';

/** How much work the service takes on (README: Limits); the embedded launcher reads these too. */
const limitsSchema = z.object({
  /** The window the conversion rates count in. */
  CONVERT_RATE_WINDOW_MS: millis(defaultLimits.rateWindowMs),
  /** Conversions per window from one anonymous address (an IPv6 client by its /64). */
  CONVERT_RATE_ANONYMOUS: positiveInt(defaultLimits.anonymousRate),
  /** Conversions per window from one signed-in user. */
  CONVERT_RATE_USER: positiveInt(defaultLimits.userRate),
  /** Jobs one anonymous address may have queued or running at once. */
  MAX_ACTIVE_JOBS_ANONYMOUS: positiveInt(defaultLimits.anonymousActive),
  /** Jobs one signed-in user may have queued or running at once. */
  MAX_ACTIVE_JOBS_USER: positiveInt(defaultLimits.userActive),
  /** Conversions queued or running over all instances; more are refused with QUEUE_FULL. */
  MAX_QUEUE_LENGTH: positiveInt(defaultLimits.maxQueueLength),
  /** Longest wait in the queue; a job still queued after it fails with QUEUE_TIMEOUT. */
  MAX_QUEUE_WAIT_MS: millis(defaultLimits.maxQueueWaitMs),
});

type LimitsEnv = z.infer<typeof limitsSchema>;

export function limitsFromEnv(env: LimitsEnv): ConversionLimits {
  return {
    rateWindowMs: env.CONVERT_RATE_WINDOW_MS,
    anonymousRate: env.CONVERT_RATE_ANONYMOUS,
    userRate: env.CONVERT_RATE_USER,
    anonymousActive: env.MAX_ACTIVE_JOBS_ANONYMOUS,
    userActive: env.MAX_ACTIVE_JOBS_USER,
    maxQueueLength: env.MAX_QUEUE_LENGTH,
    maxQueueWaitMs: env.MAX_QUEUE_WAIT_MS,
  };
}

/** Converters as `id=url` pairs, comma-separated (CONVERTERS, and the launchers' EXTRA_CONVERTERS). */
export const converterListVariable = () =>
  z.string().transform((value, ctx) => {
    try {
      return parseConverterList(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

/** The limits' variables, for a process that runs the service with an environment of its own. */
export const conversionLimitsEnv = limitsSchema.shape;

export const envSchema = z.object({
  ...httpLimitsEnv(),
  ...limitsSchema.shape,
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
  CONVERTERS: converterListVariable().refine((list) => list.length > 0, 'lists no converter'),
  /** Unique per process in the queue's consumer group. */
  INSTANCE_ID: z
    .string()
    .regex(/^[\w.-]{1,100}$/)
    .optional(),
  JOB_TTL_MS: millis(100_000),
  MAX_UPLOAD_BYTES: positiveInt(5 * 1024 * 1024),
  MAX_PIXELS: positiveInt(50_000_000),
  /** The pixels of every frame of an animation together (each frame is held to MAX_PIXELS too). */
  MAX_ANIMATION_PIXELS: positiveInt(200_000_000),
  /** Most scans (SOS markers) of an uploaded JPEG; each costs the decoder a pass over every block. */
  MAX_JPEG_SCANS: positiveInt(DEFAULT_MAX_JPEG_SCANS),
  RUNNER_CONCURRENCY: positiveInt(8),
  LEASE_MS: millis(20_000),
  HEARTBEAT_MS: millis(5_000),
  MAX_DELIVERIES: positiveInt(3),
  CONVERTER_TIMEOUT_MS: millis(600_000),
  /** At SIGTERM, how long running jobs get to finish before they are handed back to the queue. */
  SHUTDOWN_DRAIN_MS: millis(20_000),
  HEALTH_INTERVAL_MS: millis(5_000),
});

export type ConversionEnv = z.infer<typeof envSchema>;

export const readConversionEnv = (source?: Record<string, string | undefined>): ConversionEnv =>
  parseEnv(envSchema, source);
