import { setTimeout as sleep } from 'node:timers/promises';

/** Why a conversion stopped: the converter is shutting down; another instance may take it. */
export class ShuttingDownError extends Error {
  override name = 'ShuttingDownError';
}

/**
 * The conversions a converter runs, for a shutdown that drains them: once `drain` begins no new
 * one starts, those running get the grace time to finish, and the rest are stopped (their callers
 * answered SHUTTING_DOWN, which the conversion service waits out like a busy converter and sends
 * to another instance: the work is handed back, not failed).
 */
export class ConversionsInFlight {
  readonly #running = new Set<Promise<unknown>>();
  readonly #stop = new AbortController();
  #draining = false;

  /** True once the drain began: refuse new conversions with SHUTTING_DOWN. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Aborted when the grace time is over, with a ShuttingDownError as its reason. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Counts `work` as running until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#running.add(work);
    const forget = () => this.#running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Stops new work, waits up to graceMs for the running work, then stops the rest and waits for it. */
  async drain(graceMs: number): Promise<void> {
    this.#draining = true;
    const settled = () => Promise.allSettled([...this.#running]);
    const timer = new AbortController();
    await Promise.race([settled(), sleep(graceMs, undefined, { signal: timer.signal }).catch(() => {})]);
    timer.abort();
    if (this.#running.size > 0) this.#stop.abort(new ShuttingDownError('the converter is shutting down'));
    await settled();
  }
}
