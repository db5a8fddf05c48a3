import { logLevel, parseEnv, port, positiveInt, z } from '@pixelflow/config';
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

export const envSchema = z.object({
  ...httpLimitsEnv(),
  PORT: port(5000),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel(),
  /** Comma-separated converter ids; all of them when unset. */
  CONVERTERS: converterList,
  MAX_PIXELS: positiveInt(DEFAULT_MAX_PIXELS),
  /** Largest result of resize and rotate, unless no larger than the input (WORK_TOO_LARGE). */
  MAX_OUTPUT_PIXELS: positiveInt(DEFAULT_MAX_OUTPUT_PIXELS),
  MAX_IN_FLIGHT: positiveInt(16),
  /** Longest one conversion may run, in seconds; past it the conversion stops (WORK_TOO_LARGE). */
  CONVERT_TIMEOUT_S: positiveInt(DEFAULT_CONVERT_TIMEOUT_S),
});

export type Env = z.infer<typeof envSchema>;

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  return parseEnv(envSchema, source);
}
