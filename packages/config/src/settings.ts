import { parseEnv, z } from './index.ts';

/** What a shape of variables parses to. */
export type EnvOf<Shape extends z.ZodRawShape> = z.infer<z.ZodObject<Shape>>;

/** A service's runtime settings: their variables (each with its default) and what they come to. */
export interface Settings<Shape extends z.ZodRawShape, Values> {
  /** The variables, for the service's env.ts and for a launcher that runs the service itself. */
  env: Shape;
  /** The settings from a parsed environment that holds `env`'s variables. */
  from: (env: EnvOf<Shape>) => Values;
  /** The settings when no variable is set, for tests and launchers that start the service. */
  defaults: Values;
}

/**
 * Declares a service's runtime settings once: each default lives in `env` (the variable's schema)
 * and nowhere else; the service takes the values as required options, and `defaults` is what an
 * empty environment gives.
 */
export function defineSettings<Shape extends z.ZodRawShape, Values>(
  env: Shape,
  from: (env: EnvOf<Shape>) => Values,
): Settings<Shape, Values> {
  return { env, from, defaults: from(parseEnv(z.object(env), {})) };
}
