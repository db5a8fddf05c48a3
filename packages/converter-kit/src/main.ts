import { listenFrom, runServiceMain } from '@pixelflow/service-kit';
import { modelConverterSettings, readModelConverterEnv } from './env.ts';
import { createModelConverterService } from './service.ts';
import type { ModelDescription } from './types.ts';

/** The `main` of a model converter: environment → service → graceful shutdown on SIGTERM. */
export function runModelConverterMain(description: ModelDescription, workerUrl: URL): Promise<void> {
  return runServiceMain(
    `converter-${description.id}`,
    readModelConverterEnv,
    async ({ env, logger }) =>
      createModelConverterService({
        description,
        workerUrl,
        logger,
        ...modelConverterSettings.from(env),
        ...listenFrom(env),
      }),
    // A conversion in flight may take a minute; it finishes before the process exits.
    { shutdownTimeoutMs: 120_000 },
  );
}
