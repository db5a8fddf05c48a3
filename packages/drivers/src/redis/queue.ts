import type { Redis } from 'ioredis';
import { checkCount, checkEntryFields } from '../checks.ts';
import type { QueueEntry, WorkQueue } from '../types.ts';
import { fieldsFromFlat } from './flat.ts';
import { reclaimEntries, releaseEntries, renewEntries } from './scripts.ts';

/**
 * The idle time a released entry gets: a year, longer than any lease, and shorter than the time
 * since the epoch (Redis treats an idle time that would predate it as none at all).
 */
const RELEASED_IDLE_MS = 365 * 24 * 3600 * 1000;

/**
 * A work queue on a Redis stream and consumer group. Blocking reads run on a connection of their
 * own (a blocked XREADGROUP holds its connection until it returns), opened on the first blocking
 * read; reads on one queue object run one after another on it.
 */
export class RedisQueue implements WorkQueue {
  readonly #commands: Redis;
  readonly #openBlocking: () => Redis;
  readonly #stream: string;
  readonly #group: string;
  #blocking: Redis | undefined;
  #groupReady: Promise<void> | undefined;
  #reads: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(commands: Redis, openBlocking: () => Redis, stream: string, group: string) {
    this.#commands = commands;
    this.#openBlocking = openBlocking;
    this.#stream = stream;
    this.#group = group;
  }

  async add(fields: Record<string, string>): Promise<string> {
    checkEntryFields(fields);
    const id = await this.#commands.xadd(this.#stream, '*', ...Object.entries(fields).flat());
    if (id === null) throw new Error(`XADD to ${this.#stream} returned no id`);
    return id;
  }

  async read(consumer: string, options: { count: number; blockMs: number }): Promise<QueueEntry[]> {
    const count = checkCount(options.count);
    const blockMs = Math.ceil(Math.max(0, options.blockMs));
    // BLOCK 0 would mean "forever" to Redis; no wait at all needs no blocking connection either.
    if (blockMs === 0) return this.#readGroup(this.#commands, consumer, count, 0);
    const run = async (): Promise<QueueEntry[]> =>
      this.#closed ? [] : this.#readGroup(this.#blockingConnection(), consumer, count, blockMs);
    const result = this.#reads.then(run, run);
    this.#reads = result.catch(() => {});
    return result;
  }

  async renew(consumer: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const held = await this.#inGroup(() =>
      renewEntries.run(this.#commands, [this.#stream], [this.#group, consumer, ...ids]),
    );
    return held as string[];
  }

  async reclaim(consumer: string, options: { minIdleMs: number; count: number }): Promise<QueueEntry[]> {
    const count = checkCount(options.count);
    const minIdleMs = Math.max(0, Math.floor(options.minIdleMs));
    const claimed = (await this.#inGroup(() =>
      reclaimEntries.run(this.#commands, [this.#stream], [this.#group, consumer, minIdleMs, count]),
    )) as [string, string[], number][];
    return claimed.map(([id, flat, deliveries]) => ({ id, fields: fieldsFromFlat(flat), deliveries }));
  }

  async release(consumer: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const released = await this.#inGroup(() =>
      releaseEntries.run(this.#commands, [this.#stream], [this.#group, consumer, RELEASED_IDLE_MS, ...ids]),
    );
    return released as string[];
  }

  async ack(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const results = await this.#commands
      .multi()
      .xack(this.#stream, this.#group, ...ids)
      .xdel(this.#stream, ...ids)
      .exec();
    for (const [error] of results ?? []) if (error) throw error;
  }

  async length(): Promise<number> {
    // A stream that does not exist yet has no entries: XLEN answers 0 for it.
    return await this.#commands.xlen(this.#stream);
  }

  async peek(count: number): Promise<Array<Omit<QueueEntry, 'deliveries'>>> {
    const entries = await this.#commands.xrange(this.#stream, '-', '+', 'COUNT', checkCount(count));
    return entries.map(([id, flat]) => ({ id, fields: fieldsFromFlat(flat ?? []) }));
  }

  /** Drops the blocking connection at once, so that a read blocked in Redis cannot delay closing. */
  async close(): Promise<void> {
    this.#closed = true;
    const blocking = this.#blocking;
    this.#blocking = undefined;
    if (blocking !== undefined) blocking.disconnect();
  }

  async #readGroup(
    connection: Redis,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<QueueEntry[]> {
    if (this.#closed) return [];
    // The typed method, not `call`: ioredis speaks RESP3, and only the named command turns the
    // RESP3 map reply back into the usual [[stream, entries]] shape.
    const readOnce = () =>
      blockMs > 0
        ? connection.xreadgroup(
            'GROUP',
            this.#group,
            consumer,
            'COUNT',
            count,
            'BLOCK',
            blockMs,
            'STREAMS',
            this.#stream,
            '>',
          )
        : connection.xreadgroup('GROUP', this.#group, consumer, 'COUNT', count, 'STREAMS', this.#stream, '>');
    let reply: Awaited<ReturnType<typeof readOnce>>;
    try {
      reply = await this.#inGroup(readOnce);
    } catch (error) {
      // close() dropped the connection under a blocked read: that read simply found nothing.
      if (this.#closed) return [];
      throw error;
    }
    const entries = reply?.[0]?.[1] ?? [];
    // Entries read with `>` are new to the group, so this is their first delivery.
    return entries.map(([id, flat]) => ({ id, fields: fieldsFromFlat(flat ?? []), deliveries: 1 }));
  }

  /**
   * Runs `operation` once the group exists. Should the stream (and with it the group) have been
   * deleted since, both are created again and `operation` runs once more.
   */
  async #inGroup<T>(operation: () => Promise<T>): Promise<T> {
    await this.#ensureGroup();
    try {
      return await operation();
    } catch (error) {
      // From a script, Redis wraps the error text, so look for the code anywhere in it.
      if (!(error instanceof Error) || !error.message.includes('NOGROUP')) throw error;
      this.#groupReady = undefined;
      await this.#ensureGroup();
      return await operation();
    }
  }

  #ensureGroup(): Promise<void> {
    this.#groupReady ??= this.#commands
      .call('XGROUP', ['CREATE', this.#stream, this.#group, '0', 'MKSTREAM'])
      .then(
        () => {},
        (error: unknown) => {
          if (error instanceof Error && error.message.startsWith('BUSYGROUP')) return;
          this.#groupReady = undefined;
          throw error;
        },
      );
    return this.#groupReady;
  }

  #blockingConnection(): Redis {
    this.#blocking ??= this.#openBlocking();
    return this.#blocking;
  }
}
