import type { Logger } from '@pixelflow/logger';
import {
  createHttpService,
  defaultHttpLimits,
  type HttpLimits,
  type HttpService,
} from '@pixelflow/service-kit';
import { mountModelConverter } from './http.ts';
import { ConversionsInFlight } from './in-flight.ts';
import { WorkerPool } from './pool.ts';
import type { ModelDescription } from './types.ts';

export interface ModelConverterServiceOptions {
  description: ModelDescription;
  /** The converter's worker module (it calls `runConverterWorker`). */
  workerUrl: URL;
  logger: Logger;
  /** Conversions at once, each in its own worker with its own model. @default 1 */
  workers?: number;
  /** Conversions that may wait for a worker before more are refused with 503. @default 1 */
  maxQueue?: number;
  /** Load the model on demand and unload it after this long idle (see WorkerPool). */
  idleMs?: number;
  /** @default 0 */
  port?: number;
  host?: string;
  /** Timeouts and connection caps of its HTTP server. @default defaultHttpLimits */
  http?: Partial<HttpLimits>;
}

/**
 * One model converter as a service: at `/<id>/…` and at the root. `/readyz` says ready once
 * every worker has loaded and warmed up its model; `/healthz` answers during conversions, which
 * run in worker threads.
 */
export function createModelConverterService(
  options: ModelConverterServiceOptions,
): HttpService & { pool: WorkerPool } {
  const { description, logger } = options;
  const pool = new WorkerPool({
    workerUrl: options.workerUrl,
    workers: options.workers,
    maxQueue: options.maxQueue,
    idleMs: options.idleMs,
    logger,
  });
  const service = createHttpService({
    name: `converter-${description.id}`,
    logger,
    port: options.port,
    host: options.host,
    bodyLimit: 5 * 1024 * 1024 + 65_536,
    limits: options.http,
    readiness: () => {
      if (!pool.ready) throw new Error('the model is still loading');
    },
  });
  const inFlight = new ConversionsInFlight();
  for (const prefix of [`/${description.id}`, ''])
    mountModelConverter(service.app, { description, pool, prefix, inFlight });
  // Conversions running at shutdown get most of the grace period to finish; the rest are stopped
  // and answered SHUTTING_DOWN, which the conversion service retries on another instance.
  const graceMs = Math.max(0, (options.http?.closeGraceMs ?? defaultHttpLimits.closeGraceMs) - 1000);
  service.onDrain(() => inFlight.drain(graceMs));
  service.onShutdown(() => pool.close());
  return Object.assign(service, { pool });
}
