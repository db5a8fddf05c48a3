/**
 * How many conversions may run at once: a converter past it answers 503 busy at once rather than
 * queueing, so that the conversion service can wait it out or go elsewhere.
 */
export interface InFlightLimit {
  /** Places in all (Infinity for no limit). */
  readonly max: number;
  /** Takes a place; false when none is free. */
  tryAcquire(): boolean;
  /** Gives back a place taken with tryAcquire. */
  release(): void;
}

/** A count of conversions in progress, at most `max` (Infinity for no limit). */
export function createInFlightLimit(max: number): InFlightLimit {
  let active = 0;
  return {
    max,
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
