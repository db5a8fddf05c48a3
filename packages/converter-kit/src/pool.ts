import { Worker } from 'node:worker_threads';
import type { Logger } from '@pixelflow/logger';
import { detached } from '@pixelflow/telemetry';
import { BusyError } from './answers.ts';
import type { RawImage } from './types.ts';
import type { FromWorker, ToWorker } from './worker.ts';

export interface WorkerPoolOptions {
  /** The worker module: it calls `runConverterWorker`. */
  workerUrl: URL;
  /** Conversions at once, one per worker; each worker holds its own copy of the model. */
  workers: number;
  /** Conversions waiting for a worker before new ones are refused as busy. */
  maxQueue: number;
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
  /** Set when the pool itself ends the worker: its exit is then no crash. */
  ending?: boolean;
}

/** The first retry of a model that failed to load; each further one waits twice as long. */
const SETUP_RETRY_MS = 1000;
const SETUP_RETRY_MAX_MS = 60_000;

const abortError = () => Object.assign(new Error('aborted'), { name: 'AbortError' });

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
  /** Why the model last failed to load, and how often in a row (for the retry's back-off). */
  #setupError: Error | undefined;
  #setupFailures = 0;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: WorkerPoolOptions) {
    this.#o = {
      ...options,
      abortGraceMs: options.abortGraceMs ?? 2000,
    };
    if (this.#o.idleMs === undefined) this.#start();
  }

  get #lazyAndStopped(): boolean {
    return this.#o.idleMs !== undefined && this.#slots.length === 0;
  }

  /** Whether every worker has loaded its model and warmed up (or, lazily, would on demand). */
  get ready(): boolean {
    if (this.#closing) return false;
    if (this.#lazyAndStopped) return this.#retryTimer === undefined;
    return this.#slots.length > 0 && this.#slots.every((slot) => slot.ready);
  }

  get backend(): string | undefined {
    return this.#slots.find((slot) => slot.backend)?.backend;
  }

  /** Conversions it takes at once: one per worker, and its queue. */
  get capacity(): number {
    return this.#o.workers + this.#o.maxQueue;
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
    if (this.#lazyAndStopped) {
      // Loading failed a moment ago: not again before its back-off has passed.
      if (this.#retryTimer !== undefined && this.#setupError) throw this.#setupError;
      this.#start();
    }
    const slot = await this.#acquire(signal).catch((error: unknown) => {
      // Nothing of this caller runs: lazily loaded models may go once idle.
      this.#stopWhenIdle();
      throw error;
    });
    if (signal?.aborted) {
      // The caller left while it waited for a worker.
      slot.busy = undefined;
      this.#release();
      this.#stopWhenIdle();
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
    clearTimeout(this.#retryTimer);
    for (const slot of this.#slots) slot.ending = true;
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
    this.#wakeAll();
  }

  #start(): void {
    // Started by whichever request comes first, the workers and their events outlive it.
    detached(() => {
      for (let i = 0; i < this.#o.workers; i++) this.#slots.push(this.#spawn());
    });
  }

  /** Lazily started workers go once nothing runs or waits for the idle time. */
  #stopWhenIdle(): void {
    const { idleMs } = this.#o;
    if (idleMs === undefined || this.#queue.length > 0 || this.#slots.some((slot) => slot.busy)) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = detached(() =>
      setTimeout(() => {
        if (this.#queue.length > 0 || this.#slots.some((slot) => slot.busy)) return;
        this.#o.logger.info('no conversion for a while; unloading the model');
        for (const slot of this.#slots.splice(0)) this.#end(slot);
      }, idleMs),
    );
    this.#idleTimer.unref();
  }

  #spawn(): Slot {
    quietTensorflow();
    const worker = new Worker(this.#o.workerUrl, { stdout: false, stderr: false });
    const slot: Slot = { worker, ready: false };
    worker.on('message', (message: FromWorker) => {
      // A worker the pool already let go (another one's setup failed) has nothing more to say.
      if (!this.#slots.includes(slot)) return;
      if (message.type === 'ready') {
        slot.ready = true;
        slot.backend = message.backend;
        this.#setupError = undefined;
        this.#setupFailures = 0;
        this.#o.logger.info({ backend: message.backend }, 'model loaded and warmed up');
        this.#release();
      } else if (message.type === 'setup-failed') {
        this.#setupFailed(slot, new Error(`the model failed to load: ${message.message}`));
      } else {
        slot.busy?.settle(message);
      }
    });
    const crashed = (error: Error) => {
      if (slot.ending || !this.#slots.includes(slot)) return;
      this.#o.logger.error({ err: error }, 'converter worker crashed');
      slot.busy?.settle({
        type: 'failed',
        id: slot.busy.id,
        error: { name: 'Error', message: error.message },
      });
      // One that dies before its model is loaded would die again at once: retried with back-off.
      if (!slot.ready) this.#setupFailed(slot, error);
      else this.#replace(slot);
    };
    worker.on('error', crashed);
    // A worker that ends without an error (process.exit in a dependency) has crashed too.
    worker.on('exit', (code) => crashed(new Error(`the converter worker exited with code ${code}`)));
    return slot;
  }

  #end(slot: Slot): void {
    slot.ending = true;
    void slot.worker.terminate();
  }

  #replace(slot: Slot): void {
    const index = this.#slots.indexOf(slot);
    if (index < 0) return;
    this.#end(slot);
    if (!this.#closing) this.#slots[index] = this.#spawn();
  }

  /**
   * The model did not load: every worker goes, conversions waiting for one fail with the reason
   * (none hangs), and the load is tried again after a back-off; lazily started pools try again
   * on the next conversion instead, once the back-off has passed.
   */
  #setupFailed(slot: Slot, error: Error): void {
    this.#o.logger.error({ reason: error.message }, 'model setup failed');
    this.#setupError = error;
    const delay = Math.min(SETUP_RETRY_MAX_MS, SETUP_RETRY_MS * 2 ** this.#setupFailures++);
    for (const other of this.#slots.splice(0)) this.#end(other);
    this.#end(slot);
    this.#wakeAll();
    if (this.#closing) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#closing && this.#o.idleMs === undefined) this.#start();
    }, delay);
    this.#retryTimer.unref();
  }

  async #acquire(signal?: AbortSignal): Promise<Slot> {
    for (;;) {
      const idle = this.#slots.find((slot) => slot.ready && !slot.busy);
      if (idle) {
        idle.busy = { id: 0, settle: () => {} }; // reserved until run() posts the job
        return idle;
      }
      if (this.#closing) throw new BusyError('the converter is shutting down');
      if (this.#slots.length === 0) throw this.#setupError ?? new BusyError('no worker is running');
      if (signal?.aborted) throw abortError();
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener('abort', leave);
          resolve();
        };
        // A caller that leaves gives up its place in the queue.
        const leave = () => {
          const index = this.#queue.indexOf(wake);
          if (index >= 0) this.#queue.splice(index, 1);
          resolve();
        };
        signal?.addEventListener('abort', leave, { once: true });
        this.#queue.push(wake);
      });
    }
  }

  #wakeAll(): void {
    for (const wake of this.#queue.splice(0)) wake();
  }

  #release(): void {
    this.#queue.shift()?.();
  }
}

/**
 * Native TensorFlow writes its own info lines to stderr (CPU features, oneDNN), outside the JSON
 * logs; only its warnings and errors should get there. It reads TF_CPP_MIN_LOG_LEVEL from the
 * process's environment, which a worker thread's process.env (a copy) cannot change: it is set
 * here, on the thread that starts the workers, unless the operator chose a level.
 */
function quietTensorflow(): void {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
}
