import type { StoredRecord } from '../types.ts';

interface RecordSlot {
  kind: 'record';
  fields: Record<string, string>;
  seq: number;
  expiresAt: number;
}

interface BlobSlot {
  kind: 'blob';
  data: Buffer;
  expiresAt: number;
}

/** A fixed-window counter (QuotaStore.take); the window ends when the slot expires. */
interface CounterSlot {
  kind: 'counter';
  count: number;
  expiresAt: number;
}

/** A set of leased slots (QuotaStore.acquire): member → the time its lease ends. */
interface LeaseSetSlot {
  kind: 'leases';
  leases: Map<string, number>;
  expiresAt: number;
}

export type Slot = RecordSlot | BlobSlot | CounterSlot | LeaseSetSlot;

/**
 * One namespace for records, blobs and quota counters, as in a Redis database: `touch` renews any
 * kind, and a key holds one kind at a time. Expired slots go lazily on access and in `sweep`,
 * which the drivers run periodically so that memory is freed even for keys nobody reads again.
 */
export class Keyspace {
  readonly #slots = new Map<string, Slot>();

  /** The live slot under `key`; throws, like Redis' WRONGTYPE, when it holds the other kind. */
  get<K extends Slot['kind']>(key: string, kind: K): Extract<Slot, { kind: K }> | undefined {
    const slot = this.#live(key);
    if (slot === undefined) return undefined;
    if (slot.kind !== kind) throw new TypeError(`WRONGTYPE key ${key} holds a ${slot.kind}, not a ${kind}`);
    return slot as Extract<Slot, { kind: K }>;
  }

  /** Slots held, expired ones not yet swept out included. */
  get size(): number {
    return this.#slots.size;
  }

  has(key: string): boolean {
    return this.#live(key) !== undefined;
  }

  set(key: string, slot: Slot): void {
    this.#slots.set(key, slot);
  }

  delete(key: string): void {
    this.#slots.delete(key);
  }

  /** Sets a new expiry on a live key; false when there is none. */
  expire(key: string, ttlMs: number): boolean {
    const slot = this.#live(key);
    if (slot === undefined) return false;
    slot.expiresAt = Date.now() + ttlMs;
    return true;
  }

  sweep(now = Date.now()): void {
    for (const [key, slot] of this.#slots) if (slot.expiresAt <= now) this.#slots.delete(key);
  }

  clear(): void {
    this.#slots.clear();
  }

  /** The live slots, for a snapshot. */
  dump(now = Date.now()): Array<[string, Slot]> {
    return [...this.#slots].filter(([, slot]) => slot.expiresAt > now);
  }

  /** Puts a snapshot's slots back; those that expired meanwhile stay out. */
  load(slots: Iterable<[string, Slot]>, now = Date.now()): void {
    for (const [key, slot] of slots) if (slot.expiresAt > now) this.#slots.set(key, slot);
  }

  #live(key: string): Slot | undefined {
    const slot = this.#slots.get(key);
    if (slot !== undefined && slot.expiresAt <= Date.now()) {
      this.#slots.delete(key);
      return undefined;
    }
    return slot;
  }
}

/** A copy, so that callers can neither see nor cause later changes to the stored record. */
export function snapshot(slot: RecordSlot): StoredRecord {
  return { fields: { ...slot.fields }, seq: slot.seq };
}
