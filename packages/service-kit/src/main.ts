import { EnvError } from '@pixelflow/config';
import type { Logger } from '@pixelflow/logger';

export interface Closable {
  close(): Promise<void>;
}

export interface RunMainOptions {
  /** Longest a graceful shutdown may take before the process exits anyway. @default 30000 */
  shutdownTimeoutMs?: number;
}

/**
 * The one way a service process starts and stops: start, then on SIGTERM/SIGINT close gracefully
 * and exit. An invalid environment prints every problem and exits 1.
 */
export async function runMain(
  start: () => Promise<{ logger: Logger; service: Closable }>,
  { shutdownTimeoutMs = 30_000 }: RunMainOptions = {},
): Promise<void> {
  let started: { logger: Logger; service: Closable };
  try {
    started = await start();
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(`failed to start: ${(error as Error).stack ?? String(error)}\n`);
    }
    process.exit(1);
  }
  const { logger, service } = started;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ shutdownTimeoutMs }, 'graceful shutdown timed out');
      process.exit(1);
    }, shutdownTimeoutMs);
    timer.unref();
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Closes several services at once; done when all are. */
export function closeTogether(services: readonly Closable[]): Closable {
  return {
    async close() {
      await Promise.all(services.map((service) => service.close()));
    },
  };
}

/** Closes several services in order, each fully before the next (dependents first). */
export function closeInOrder(services: readonly Closable[]): Closable {
  return {
    async close() {
      for (const service of services) await service.close();
    },
  };
}
