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
import { defineSettings } from '@pixelflow/config/settings';
import { JOB_TTL_MS, MAX_PIXELS, MAX_UPLOAD_BYTES } from '@pixelflow/product';
import { httpLimitsEnv } from '@pixelflow/service-kit';
import type { ConversionLimits } from './admission.ts';
import { parseConverterList } from './converters/registry.ts';
import { DEFAULT_MAX_JPEG_SCANS } from './image-check.ts';

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

export interface ConversionSettings {
  /** Time between two tries of a gallery save that failed (GALLERY_RETRY_MS). */
  galleryRetryMs: number;
  /** A job, and its slot in its client's quota, lives this long past its last heartbeat (JOB_TTL_MS). */
  jobTtlMs: number;
  /** Largest upload, in bytes (MAX_UPLOAD_BYTES). */
  maxUploadBytes: number;
  /** Largest image, in pixels (MAX_PIXELS). */
  maxPixels: number;
  /** The pixels of all frames of an animation together (MAX_ANIMATION_PIXELS). */
  maxAnimationPixels: number;
  /** Most scans of an uploaded JPEG (MAX_JPEG_SCANS). */
  maxJpegScans: number;
  /** Rates, per-client and queue limits (README: Limits). */
  limits: ConversionLimits;
  /** Jobs run at once by this instance (RUNNER_CONCURRENCY). */
  concurrency: number;
  /** An entry not renewed for this long is taken over by another instance (LEASE_MS). */
  leaseMs: number;
  /** How often a running job renews its lease and its TTL (HEARTBEAT_MS). */
  heartbeatMs: number;
  /** Deliveries of one entry before the job fails (MAX_DELIVERIES). */
  maxDeliveries: number;
  /** Longest a converter may take for one image (CONVERTER_TIMEOUT_MS). */
  converterTimeoutMs: number;
  /** At shutdown, how long running jobs get before they are handed back to the queue (SHUTDOWN_DRAIN_MS). */
  drainMs: number;
  /** How often every converter's health is checked (HEALTH_INTERVAL_MS). */
  healthIntervalMs: number;
}

/**
 * The service's runtime settings: their defaults are here and nowhere else. The embedded launcher
 * runs the service with these variables too.
 */
export const conversionSettings = defineSettings(
  {
    // How much work the service takes on (README: Limits).
    /** The window the conversion rates count in. */
    CONVERT_RATE_WINDOW_MS: millis(60_000),
    /** Conversions per window from one anonymous address (an IPv6 client by its /64). */
    CONVERT_RATE_ANONYMOUS: positiveInt(20),
    /** Conversions per window from one signed-in user. */
    CONVERT_RATE_USER: positiveInt(60),
    /** Jobs one anonymous address may have queued or running at once. */
    MAX_ACTIVE_JOBS_ANONYMOUS: positiveInt(3),
    /** Jobs one signed-in user may have queued or running at once. */
    MAX_ACTIVE_JOBS_USER: positiveInt(6),
    /** Of those, jobs of heavy converters (DeepDream, upscaling: `cost: heavy`) from one address. */
    MAX_ACTIVE_HEAVY_JOBS_ANONYMOUS: positiveInt(1),
    /** Of those, jobs of heavy converters from one signed-in user. */
    MAX_ACTIVE_HEAVY_JOBS_USER: positiveInt(2),
    /** Conversions queued or running over all instances; more are refused with QUEUE_FULL. */
    MAX_QUEUE_LENGTH: positiveInt(1000),
    /** Longest wait in the queue; a job still queued after it fails with QUEUE_TIMEOUT. */
    MAX_QUEUE_WAIT_MS: millis(600_000),
    /** Time between two tries of a gallery save that failed. */
    GALLERY_RETRY_MS: millis(30_000),
    JOB_TTL_MS: millis(JOB_TTL_MS),
    MAX_UPLOAD_BYTES: positiveInt(MAX_UPLOAD_BYTES),
    MAX_PIXELS: positiveInt(MAX_PIXELS),
    /** The pixels of every frame of an animation together (each frame is held to MAX_PIXELS too). */
    MAX_ANIMATION_PIXELS: positiveInt(4 * MAX_PIXELS),
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
  },
  (env): ConversionSettings => ({
    galleryRetryMs: env.GALLERY_RETRY_MS,
    jobTtlMs: env.JOB_TTL_MS,
    maxUploadBytes: env.MAX_UPLOAD_BYTES,
    maxPixels: env.MAX_PIXELS,
    maxAnimationPixels: env.MAX_ANIMATION_PIXELS,
    maxJpegScans: env.MAX_JPEG_SCANS,
    limits: {
      rateWindowMs: env.CONVERT_RATE_WINDOW_MS,
      anonymousRate: env.CONVERT_RATE_ANONYMOUS,
      userRate: env.CONVERT_RATE_USER,
      anonymousActive: env.MAX_ACTIVE_JOBS_ANONYMOUS,
      userActive: env.MAX_ACTIVE_JOBS_USER,
      anonymousActiveHeavy: env.MAX_ACTIVE_HEAVY_JOBS_ANONYMOUS,
      userActiveHeavy: env.MAX_ACTIVE_HEAVY_JOBS_USER,
      maxQueueLength: env.MAX_QUEUE_LENGTH,
      maxQueueWaitMs: env.MAX_QUEUE_WAIT_MS,
    },
    concurrency: env.RUNNER_CONCURRENCY,
    leaseMs: env.LEASE_MS,
    heartbeatMs: env.HEARTBEAT_MS,
    maxDeliveries: env.MAX_DELIVERIES,
    converterTimeoutMs: env.CONVERTER_TIMEOUT_MS,
    drainMs: env.SHUTDOWN_DRAIN_MS,
    healthIntervalMs: env.HEALTH_INTERVAL_MS,
  }),
);

export const envSchema = z.object({
  ...httpLimitsEnv(),
  ...conversionSettings.env,
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
  /** Converters as `id=baseUrl` pairs, comma-separated. */
  CONVERTERS: converterListVariable().refine((list) => list.length > 0, 'lists no converter'),
  /** Unique per process in the queue's consumer group. */
  INSTANCE_ID: z
    .string()
    .regex(/^[\w.-]{1,100}$/)
    .optional(),
});

export type ConversionEnv = z.infer<typeof envSchema>;

export const readConversionEnv = (source?: Record<string, string | undefined>): ConversionEnv =>
  parseEnv(envSchema, source);
