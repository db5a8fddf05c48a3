import { logLevel, parseEnv, port, positiveInt, z } from '@pixelflow/config';
import { defineSettings } from '@pixelflow/config/settings';
import { httpLimitsEnv } from '@pixelflow/service-kit';
import { DEFAULT_CONVERT_TIMEOUT_S, DEFAULT_MAX_OUTPUT_PIXELS, DEFAULT_MAX_PIXELS } from './converter.ts';
import { converterIds } from './converters/index.ts';

const converterList = z
  .string()
  .optional()
  .transform((value, context) => {
    if (value === undefined) return [...converterIds];
    const ids = [
      ...new Set(
        value
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean),
      ),
    ];
    const unknown = ids.filter((id) => !converterIds.includes(id));
    if (unknown.length > 0 || ids.length === 0) {
      context.addIssue({
        code: 'custom',
        message: `${unknown.length > 0 ? `unknown converter ${unknown.join(', ')}` : 'no converter named'}; known: ${converterIds.join(', ')}`,
      });
      return z.NEVER;
    }
    return ids;
  });

export interface SharpSettings {
  /** Largest input image, in pixels (MAX_PIXELS). */
  maxPixels: number;
  /** Largest result of resize and rotate, unless no larger than the input (MAX_OUTPUT_PIXELS). */
  maxOutputPixels: number;
  /**
   * Conversions at once, over all converters of the process, before `POST /convert` answers 503
   * (MAX_IN_FLIGHT). Each holds a decoded image in memory and, while it runs, one thread of
   * libuv's pool (four unless UV_THREADPOOL_SIZE says otherwise), which the process's crypto, fs
   * and dns share.
   */
  maxInFlight: number;
  /** Longest one conversion may run, in seconds, then WORK_TOO_LARGE (CONVERT_TIMEOUT_S). */
  timeoutSeconds: number;
}

/**
 * The service's runtime settings: their defaults are here (the converters' own limits, which a
 * converter called without any applies too, come from converter.ts) and nowhere else.
 */
export const sharpSettings = defineSettings(
  {
    MAX_PIXELS: positiveInt(DEFAULT_MAX_PIXELS),
    /** Largest result of resize and rotate, unless no larger than the input (WORK_TOO_LARGE). */
    MAX_OUTPUT_PIXELS: positiveInt(DEFAULT_MAX_OUTPUT_PIXELS),
    MAX_IN_FLIGHT: positiveInt(16),
    /** Longest one conversion may run, in seconds; past it the conversion stops (WORK_TOO_LARGE). */
    CONVERT_TIMEOUT_S: positiveInt(DEFAULT_CONVERT_TIMEOUT_S),
  },
  (env): SharpSettings => ({
    maxPixels: env.MAX_PIXELS,
    maxOutputPixels: env.MAX_OUTPUT_PIXELS,
    maxInFlight: env.MAX_IN_FLIGHT,
    timeoutSeconds: env.CONVERT_TIMEOUT_S,
  }),
);

export const envSchema = z.object({
  ...httpLimitsEnv(),
  PORT: port(5000),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel(),
  /** Comma-separated converter ids; all of them when unset. */
  CONVERTERS: converterList,
  ...sharpSettings.env,
});

export type Env = z.infer<typeof envSchema>;

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  return parseEnv(envSchema, source);
}
