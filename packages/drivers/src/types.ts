/**
 * The side-effect interfaces every service builds on. Each has two drivers: Redis / PostgreSQL for
 * the cluster and an in-process one (memory / PGlite) for the embedded mode. One contract test
 * suite runs against both drivers of each interface.
 */

/** A record's fields plus its sequence number, bumped by every successful update. */
export interface StoredRecord {
  fields: Record<string, string>;
  seq: number;
}

export type UpdateResult =
  | { ok: true; record: StoredRecord }
  | { ok: false; reason: 'missing' }
  | { ok: false; reason: 'guard'; record: StoredRecord };

export interface UpdateOptions {
  /** TTL set on the record after the update, in milliseconds. */
  ttlMs: number;
  /** Apply only while the record's `field` holds one of `oneOf` (a compare-and-set guard). */
  when?: { field: string; oneOf: readonly string[] };
  /**
   * Publish the updated record (`JSON.stringify({ fields, seq })`) on this pub/sub channel in the
   * same atomic step, so that events leave in sequence order.
   */
  publish?: string;
}

/** Short-lived records (job state): hashes with a TTL and a per-record sequence number. */
export interface RecordStore {
  /** Creates the record with seq 1 unless the key exists; null when it existed. */
  create(key: string, fields: Record<string, string>, ttlMs: number): Promise<StoredRecord | null>;
  get(key: string): Promise<StoredRecord | null>;
  /** Atomically merges `fields`, increments seq, sets the TTL and optionally publishes. */
  update(key: string, fields: Record<string, string>, options: UpdateOptions): Promise<UpdateResult>;
  /** Renews the TTL of each key that exists (records or blobs); returns which existed, in order. */
  touch(keys: readonly string[], ttlMs: number): Promise<boolean[]>;
  delete(key: string): Promise<void>;
}

/** Short-lived binary values (job inputs and results) with a TTL. */
export interface BlobStore {
  put(key: string, data: Buffer, ttlMs: number): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  /** Renews the TTL of each blob that exists and has not expired; returns which did, in order. */
  touch(keys: readonly string[], ttlMs: number): Promise<boolean[]>;
  delete(key: string): Promise<void>;
}

export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  /**
   * Resolves once messages published from now on are delivered to `onMessage`. The returned
   * function unsubscribes. Many subscriptions share one connection per process.
   */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
}

export interface QueueEntry {
  id: string;
  fields: Record<string, string>;
  /** How many times this entry was handed to a consumer, this delivery included. */
  deliveries: number;
}

/**
 * A work queue with a consumer group (a Redis stream): each entry goes to one consumer and stays
 * pending until acknowledged; an entry whose consumer stopped renewing it can be reclaimed.
 */
export interface WorkQueue {
  add(fields: Record<string, string>): Promise<string>;
  /** New entries for this consumer, waiting up to blockMs when there are none. */
  read(consumer: string, options: { count: number; blockMs: number }): Promise<QueueEntry[]>;
  /** Resets the idle time of entries this consumer still holds; returns the ids it still holds. */
  renew(consumer: string, ids: readonly string[]): Promise<string[]>;
  /** Takes over pending entries idle for at least minIdleMs; their deliveries count goes up by one. */
  reclaim(consumer: string, options: { minIdleMs: number; count: number }): Promise<QueueEntry[]>;
  /** Acknowledges and removes entries. */
  ack(ids: readonly string[]): Promise<void>;
  /**
   * Entries added and not yet acknowledged: waiting for a consumer or held by one (XLEN, since ack
   * removes an entry from the stream). Counts the stream, whichever group asks.
   */
  length(): Promise<number>;
  /**
   * Gives entries this consumer holds back unfinished (it is shutting down): any consumer's next
   * reclaim takes them at once, whatever its minIdleMs, and the delivery that is given back does
   * not count (the reclaim brings deliveries back to what it was). Returns the ids released;
   * entries the consumer no longer holds are left alone.
   */
  release(consumer: string, ids: readonly string[]): Promise<string[]>;
  /**
   * The oldest entries not yet acknowledged (waiting or held), up to count, oldest first, without
   * delivering them (XRANGE). Entry ids begin with the time they were added, in milliseconds.
   */
  peek(count: number): Promise<Array<Omit<QueueEntry, 'deliveries'>>>;
}

/** The answer of QuotaStore.take. */
export interface WindowUse {
  /** Whether this use was counted: false when the window already held `limit` uses. */
  ok: boolean;
  /** Uses counted in the current window, this one included when it was counted. */
  count: number;
  /** Milliseconds until the window ends and counting starts again from zero. */
  resetMs: number;
}

/** The answer of QuotaStore.acquire. */
export interface SlotUse {
  /** Whether the caller holds the slot now. */
  ok: boolean;
  /** Live slots in the set, the caller's included when it holds one. */
  held: number;
}

/**
 * Counters for quotas that every instance of a service shares: fixed-window rates and sets of
 * leased slots. Keys live in the same namespace as records and blobs (and a prefix keeps them
 * apart from other deployments'). Time is the store's own clock, so instances' clocks may differ.
 */
export interface QuotaStore {
  /**
   * Counts one use of `key` unless its window already holds `limit` uses. A window starts with the
   * first use after the previous window ended and lasts windowMs (a fixed window: a client may use
   * up to twice the limit across a window's end, never more).
   */
  take(key: string, limit: number, windowMs: number): Promise<WindowUse>;
  /**
   * Holds the slot `member` of the set `key` for ttlMs, unless `limit` other live slots are held.
   * Acquiring a slot already held renews it. A slot that is neither renewed nor released in time
   * lapses, so a holder that died cannot keep a slot for good.
   */
  acquire(key: string, member: string, options: { limit: number; ttlMs: number }): Promise<SlotUse>;
  /** Renews each slot still held for another ttlMs; returns, in order, which were held. */
  renew(key: string, members: readonly string[], ttlMs: number): Promise<boolean[]>;
  /** Frees a slot; freeing one that is not held is not an error. */
  release(key: string, member: string): Promise<void>;
}

/** Everything a stateless service keeps in Redis (or in process memory in embedded mode). */
export interface KeyValueDrivers {
  records: RecordStore;
  blobs: BlobStore;
  pubsub: PubSub;
  quotas: QuotaStore;
  /** A queue (stream `name`, consumer group `group`); created on first use. */
  queue(name: string, group: string): WorkQueue;
  /** Throws when the backing store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** An object kept for good (gallery images and thumbnails). */
export interface StoredObject {
  data: Buffer;
  contentType: string;
}

/**
 * Permanent binary objects: PostgreSQL (bytea) in the cluster, files in embedded mode. Keys are
 * made by the caller (e.g. `images/<id>`); a put to an existing key replaces it.
 */
export interface ObjectStore {
  put(key: string, object: StoredObject): Promise<void>;
  get(key: string): Promise<StoredObject | null>;
  /** Removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  ping(): Promise<void>;
}

export interface SqlExecutor {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<Row[]>;
}

/** PostgreSQL through `pg` in the cluster, PGlite (PostgreSQL in WASM) in embedded mode. */
export interface Sql extends SqlExecutor {
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Migration {
  /** Unique and ordered, e.g. `0001_users`. */
  id: string;
  sql: string;
}
