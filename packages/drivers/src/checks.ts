/**
 * Argument checks shared by both key-value drivers, so that a caller's mistake fails the same way
 * in embedded mode as in the cluster instead of surfacing as a Redis syntax error there only.
 */

/** The hash field that holds a record's sequence number in Redis; no caller field may use it. */
export const SEQ_FIELD = '__seq';

/** A TTL as Redis' PEXPIRE takes it: a positive whole number of milliseconds. */
export function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  }
  return Math.ceil(ttlMs);
}

export function checkFields(fields: Record<string, string>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (name === SEQ_FIELD) throw new RangeError(`the record field name ${SEQ_FIELD} is reserved`);
    if (typeof value !== 'string') throw new TypeError(`record field ${name} must be a string`);
  }
}

export function checkCount(count: number): number {
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`count must be a positive integer, got ${count}`);
  return count;
}

/** A quota's limit: a positive whole number of uses or slots (a quota of none is the caller's to refuse). */
export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  return limit;
}

export function checkEntryFields(fields: Record<string, string>): void {
  // A stream entry needs a field: Redis refuses an empty XADD.
  if (Object.keys(fields).length === 0) throw new RangeError('a queue entry needs at least one field');
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'string') throw new TypeError(`queue entry field ${name} must be a string`);
  }
}
