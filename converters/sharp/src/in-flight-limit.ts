/** Counts conversions in progress so that a busy process can answer 503 instead of queueing. */
export interface InFlightLimit {
  readonly max: number;
  readonly active: number;
  /** Takes a slot; false when all are taken. */
  tryAcquire(): boolean;
  release(): void;
}

export function createInFlightLimit(max: number): InFlightLimit {
  let active = 0;
  return {
    max,
    get active() {
      return active;
    },
    tryAcquire() {
      if (active >= max) return false;
      active++;
      return true;
    },
    release() {
      active = Math.max(0, active - 1);
    },
  };
}
