import { z } from 'zod';

export { z };

/** Thrown with every problem of the environment at once, so that one start shows them all. */
export class EnvError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
    this.problems = problems;
  }
}

/**
 * Parses `source` (default: process.env) against `schema` once, at start. Empty strings count as
 * unset so that `FOO=` in a shell falls back to the default.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new EnvError(
    result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
  );
}

/** A TCP port; 0 asks the OS for a free one. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** A positive duration in milliseconds. */
export const millis = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const httpUrl = () => z.url({ protocol: /^https?$/ });

export const redisUrl = () => z.url({ protocol: /^rediss?$/ });

export const postgresUrl = () => z.url({ protocol: /^postgres(ql)?$/ });

/** A comma-separated list of URLs, e.g. several instances of one service. */
export const urlList = () =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(httpUrl()).min(1));

export const logLevel = () =>
  z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** Shared by every service: at least 32 characters, the same on every pod of one release. */
export const internalSecret = () => z.string().min(32, 'must be at least 32 characters');

/**
 * `defaults` with each option that `given` really sets: an option passed as undefined (an unset
 * environment variable mapped through) keeps its default instead of erasing it.
 */
export function withDefaults<T extends object>(defaults: T, given: Partial<T> = {}): T {
  const set = Object.entries(given).filter(([, value]) => value !== undefined);
  return { ...defaults, ...Object.fromEntries(set) } as T;
}
