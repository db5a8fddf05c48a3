import { Worker } from 'node:worker_threads';
import type { Logger } from '@pixelflow/logger';
import type { RawImage } from './types.ts';
import type { FromWorker, ToWorker } from './worker.ts';

export interface WorkerPoolOptions {
  /** The worker module: it calls `runConverterWorker`. */
  workerUrl: URL;
  /** Conversions at once, one per worker; each worker holds its own copy of the model. @default 1 */
  workers?: number;
  /** Conversions waiting for a worker before new ones are refused as busy. @default 1 */
  maxQueue?: number;
  /** After an abort, how long a worker may take to stop before it is terminated. @default 2000 */
  abortGraceMs?: number;
  /**
   * Load the models on the first conversion instead of at once, and let the workers go after
   * this long without work (for the embedded mode, where idle models would only hold memory).
   * @default undefined (load at start, keep for good)
   */
  idleMs?: number;
  logger: Logger;
}

export interface RunOptions {
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  backend?: string;
  busy?: { id: number; settle: (message: FromWorker) => void };
}

const abortError = () => Object.assign(new Error('aborted'), { name: 'AbortError' });

/** The converter is at capacity; the caller should retry later (503 + Retry-After). */
export class BusyError extends Error {
  override name = 'BusyError';
}

/**
 * Model converters' workers: the models load once per worker, conversions run off the main
 * thread (so health checks answer during them), a bounded number at a time, and an aborted
 * conversion stops within the grace time even when its worker is stuck in a long step (the
 * worker is then replaced).
 */
export class WorkerPool {
  readonly #o: Required<Omit<WorkerPoolOptions, 'logger' | 'idleMs'>> &
    Pick<WorkerPoolOptions, 'logger' | 'idleMs'>;
  #idleTimer: NodeJS.Timeout | undefined;
  readonly #slots: Slot[] = [];
  readonly #queue: Array<() => void> = [];
  #nextId = 1;
  #closing = false;

  constructor(options: WorkerPoolOptions) {
    this.#o = {
      ...options,
      workers: options.workers ?? 1,
      maxQueue: options.maxQueue ?? 1,
      abortGraceMs: options.abortGraceMs ?? 2000,
    };
    if (this.#o.idleMs === undefined) this.#start();
  }

  get #lazyAndStopped(): boolean {
    return this.#o.idleMs !== undefined && this.#slots.length === 0;
  }

  /** Whether every worker has loaded its model and warmed up (or, lazily, would on demand). */
  get ready(): boolean {
    return !this.#closing && (this.#lazyAndStopped || this.#slots.every((slot) => slot.ready));
  }

  get backend(): string | undefined {
    return this.#slots.find((slot) => slot.backend)?.backend;
  }

  /** Whether a new conversion would be taken (run now or queued) rather than refused. */
  get hasCapacity(): boolean {
    if (this.#lazyAndStopped) return !this.#closing;
    const idle = this.#slots.filter((slot) => slot.ready && !slot.busy).length;
    return idle > this.#queue.length || this.#queue.length < this.#o.maxQueue;
  }

  /** Resolves when every worker is ready; rejects when one failed to set up. */
  whenReady(timeoutMs = 300_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const check = () => {
        if (this.ready) return resolve();
        if (Date.now() > deadline) return reject(new Error('the model did not load in time'));
        setTimeout(check, 100).unref();
      };
      check();
    });
  }

  async run(
    image: RawImage,
    params: Record<string, unknown>,
    { onProgress, signal }: RunOptions = {},
  ): Promise<RawImage> {
    if (!this.hasCapacity) throw new BusyError('every worker is busy');
    clearTimeout(this.#idleTimer);
    if (this.#lazyAndStopped) this.#start();
    const slot = await this.#acquire();
    if (signal?.aborted) {
      // The caller left while it waited for a worker.
      slot.busy = undefined;
      this.#release();
      throw abortError();
    }
    const id = this.#nextId++;
    return new Promise<RawImage>((resolve, reject) => {
      let graceTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        slot.worker.postMessage({ type: 'abort', id } satisfies ToWorker);
        // A step of a model can take seconds; a worker that does not stop in time is replaced.
        graceTimer = setTimeout(() => {
          this.#o.logger.warn({ id }, 'worker did not stop after an abort; replacing it');
          this.#replace(slot);
          settle({ type: 'failed', id, error: { name: 'AbortError', message: 'aborted' } });
        }, this.#o.abortGraceMs);
      };
      const settle = (message: FromWorker) => {
        if (message.type === 'progress') return onProgress?.(message.fraction);
        clearTimeout(graceTimer);
        signal?.removeEventListener('abort', onAbort);
        if (slot.busy?.id === id) slot.busy = undefined;
        this.#release();
        this.#stopWhenIdle();
        if (message.type === 'done') return resolve(message.image);
        if (message.type === 'failed') {
          const error = Object.assign(new Error(message.error.message), message.error);
          return reject(error);
        }
      };
      slot.busy = { id, settle };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      slot.worker.postMessage({ type: 'convert', id, image, params } satisfies ToWorker, [
        image.data.buffer as ArrayBuffer,
      ]);
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#idleTimer);
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
  }

  #start(): void {
    for (let i = 0; i < this.#o.workers; i++) this.#slots.push(this.#spawn());
  }

  /** Lazily started workers go once nothing runs or waits for the idle time. */
  #stopWhenIdle(): void {
    const { idleMs } = this.#o;
    if (idleMs === undefined || this.#queue.length > 0 || this.#slots.some((slot) => slot.busy)) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#queue.length > 0 || this.#slots.some((slot) => slot.busy)) return;
      this.#o.logger.info('no conversion for a while; unloading the model');
      for (const slot of this.#slots.splice(0)) void slot.worker.terminate();
    }, idleMs);
    this.#idleTimer.unref();
  }

  #spawn(): Slot {
    const worker = new Worker(this.#o.workerUrl, { stdout: false, stderr: false });
    const slot: Slot = { worker, ready: false };
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') {
        slot.ready = true;
        slot.backend = message.backend;
        this.#o.logger.info({ backend: message.backend }, 'model loaded and warmed up');
        this.#release();
      } else if (message.type === 'setup-failed') {
        this.#o.logger.error({ reason: message.message }, 'model setup failed');
      } else {
        slot.busy?.settle(message);
      }
    });
    worker.on('error', (error) => {
      this.#o.logger.error({ err: error }, 'converter worker crashed');
      slot.busy?.settle({
        type: 'failed',
        id: slot.busy.id,
        error: { name: 'Error', message: error.message },
      });
      if (!this.#closing) this.#replace(slot);
    });
    return slot;
  }

  #replace(slot: Slot): void {
    const index = this.#slots.indexOf(slot);
    if (index < 0) return;
    void slot.worker.terminate();
    if (!this.#closing) this.#slots[index] = this.#spawn();
  }

  async #acquire(): Promise<Slot> {
    for (;;) {
      const idle = this.#slots.find((slot) => slot.ready && !slot.busy);
      if (idle) {
        idle.busy = { id: 0, settle: () => {} }; // reserved until run() posts the job
        return idle;
      }
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    }
  }

  #release(): void {
    this.#queue.shift()?.();
  }
}
