import type { Logger } from '@pixelflow/logger';
import type { HttpLimits } from '@pixelflow/service-kit';
import { BusyError } from './answers.ts';
import { type ConverterService, createConverterService } from './converter-service.ts';
import type { ModelConverterSettings } from './env.ts';
import { decodeImage, encodeImage } from './images.ts';
import type { HttpConverter } from './mount.ts';
import { WorkerPool } from './pool.ts';
import type { ModelDescription } from './types.ts';

/** The settings (ModelConverterSettings) have their defaults in env.ts only: `modelConverterSettings.defaults`. */
export interface ModelConverterServiceOptions extends ModelConverterSettings {
  description: ModelDescription;
  /** The converter's worker module (it calls `runConverterWorker`). */
  workerUrl: URL;
  logger: Logger;
  /** Load the model on demand and unload it after this long idle (see WorkerPool). */
  idleMs?: number;
  /** @default 0 */
  port?: number;
  host?: string;
  /** Timeouts and connection caps of its HTTP server. @default defaultHttpLimits */
  http?: Partial<HttpLimits>;
}

/**
 * A model converter over HTTP: the upload decoded to pixels on this thread, converted by the
 * pool's workers, encoded like the input was. It reports progress, starting at 0 once a worker
 * (or a place in the queue) is taken.
 */
export function modelHttpConverter(description: ModelDescription, pool: WorkerPool): HttpConverter {
  // `sizing` is code for this thread, not part of what /describe says.
  const { sizing: _sizing, ...published } = description;
  return {
    // A neural network per image: heavy, unless its description says otherwise.
    description: { cost: 'heavy', ...published, progress: true },
    runtime: () => runtimeOf(pool),
    async convert(input, params, { signal, progress }) {
      // The working size, and the notice when it is a reduced copy, are decided here from the
      // upload and the params: the worker only sees the pixels it is given.
      const decoded = await decodeImage(input, description, params);
      // Checked again: other requests may have taken the free places while this one decoded, and
      // once the progress answer is under way a busy pool could only say so as an error part.
      if (!pool.hasCapacity) throw new BusyError('every worker is busy');
      progress(0);
      const result = await pool.run(decoded.raw, params, { signal, onProgress: progress });
      const encoded = await encodeImage(result, decoded.format);
      return decoded.notice ? { ...encoded, notice: decoded.notice } : encoded;
    },
  };
}

/**
 * What a model converter runs on, for `/describe` and `/healthz`: the TensorFlow.js backend its
 * workers chose (e.g. `tfjs-node`, `wasm (simd, 2 threads)`), null while no model is loaded (it
 * loads on first use and unloads when idle).
 */
const runtimeOf = (pool: WorkerPool) => ({ backend: pool.backend ?? null });

/**
 * One model converter as a service: at `/<id>/…` and at the root. `/readyz` says ready once
 * every worker has loaded and warmed up its model; `/healthz` answers during conversions, which
 * run in worker threads.
 */
export function createModelConverterService(
  options: ModelConverterServiceOptions,
): ConverterService & { pool: WorkerPool } {
  const { description, logger } = options;
  const pool = new WorkerPool({
    workerUrl: options.workerUrl,
    workers: options.workers,
    maxQueue: options.maxQueue,
    idleMs: options.idleMs,
    logger,
  });
  const service = createConverterService({
    name: `converter-${description.id}`,
    logger,
    port: options.port,
    host: options.host,
    http: options.http,
    readiness: () => {
      if (!pool.ready) throw new Error('the model is still loading');
    },
    health: () => runtimeOf(pool),
  });
  const converter = modelHttpConverter(description, pool);
  // The pool is the limit: a conversion that finds neither a free worker nor a place in its queue
  // is refused as busy. A conversion takes its place in pool.run, so there is nothing to give back.
  const limit = { max: pool.capacity, tryAcquire: () => pool.hasCapacity, release: () => {} };
  // Retry-After: a conversion takes tens of seconds; asking again every second would only load it.
  for (const prefix of [`/${description.id}`, '']) {
    service.mount(converter, { prefix, limit, retryAfterSeconds: 5 });
  }
  service.onShutdown(() => pool.close());
  return Object.assign(service, { pool });
}
