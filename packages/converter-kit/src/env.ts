import { logLevel, parseEnv, port, positiveInt, z } from '@pixelflow/config';
import { defineSettings } from '@pixelflow/config/settings';
import { httpLimitsEnv } from '@pixelflow/service-kit';

export interface ModelConverterSettings {
  /** Conversions at once, each in its own worker thread with its own copy of the model (WORKERS). */
  workers: number;
  /** Conversions that may wait for a worker; more are answered 503 with Retry-After (MAX_QUEUE). */
  maxQueue: number;
}

/** A model converter's runtime settings: their defaults are here and nowhere else. */
export const modelConverterSettings = defineSettings(
  {
    /** Conversions at once, each in its own worker thread with its own copy of the model. */
    WORKERS: positiveInt(1),
    /** Conversions that may wait for a worker; more are answered 503 with Retry-After. */
    MAX_QUEUE: z.coerce.number().int().min(0).default(1),
  },
  (env): ModelConverterSettings => ({ workers: env.WORKERS, maxQueue: env.MAX_QUEUE }),
);

/** The environment of a model converter's process (DeepDream, upscale). */
export const envSchema = z.object({
  // A conversion in flight may take a minute; it finishes before the process exits.
  ...httpLimitsEnv({ closeGraceMs: 60_000 }),
  PORT: port(5000),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel(),
  ...modelConverterSettings.env,
});

export type ModelConverterEnv = z.infer<typeof envSchema>;

export const readModelConverterEnv = (source?: Record<string, string | undefined>): ModelConverterEnv =>
  parseEnv(envSchema, source);
