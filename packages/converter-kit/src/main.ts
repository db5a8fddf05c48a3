import { logLevel, parseEnv, port, positiveInt, z } from '@pixelflow/config';
import { createLogger } from '@pixelflow/logger';
import { httpLimitsEnv, httpLimitsFrom, runMain } from '@pixelflow/service-kit';
import { createModelConverterService } from './service.ts';
import type { ModelDescription } from './types.ts';

const envSchema = z.object({
  ...httpLimitsEnv({ closeGraceMs: 60_000 }),
  PORT: port(5000),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel(),
  /** Conversions at once, each in its own worker thread with its own copy of the model. */
  WORKERS: positiveInt(1),
  /** Conversions that may wait for a worker; more are answered 503 with Retry-After. */
  MAX_QUEUE: z.coerce.number().int().min(0).default(1),
});

/** The `main` of a model converter: environment → service → graceful shutdown on SIGTERM. */
export async function runModelConverterMain(description: ModelDescription, workerUrl: URL): Promise<void> {
  await runMain(
    async () => {
      const env = parseEnv(envSchema);
      const logger = createLogger({ service: `converter-${description.id}`, level: env.LOG_LEVEL });
      const service = createModelConverterService({
        description,
        workerUrl,
        logger,
        workers: env.WORKERS,
        maxQueue: env.MAX_QUEUE,
        port: env.PORT,
        host: env.HOST,
        http: httpLimitsFrom(env),
      });
      await service.listen();
      return { logger, service };
    },
    // A conversion in flight may take a minute; it finishes before the process exits.
    { shutdownTimeoutMs: 120_000 },
  );
}
