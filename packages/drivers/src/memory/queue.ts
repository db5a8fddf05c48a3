import { checkCount, checkEntryFields } from '../checks.ts';
import type { QueueEntry, WorkQueue } from '../types.ts';

interface StreamEntry {
  /** Position in the stream; ids are compared through it. */
  ordinal: number;
  fields: Record<string, string>;
}

interface PendingEntry {
  consumer: string;
  deliveredAt: number;
  deliveries: number;
}

interface Group {
  /** Ordinal of the last entry handed out by a read, like a Redis group's last-delivered-id. */
  lastDelivered: number;
  /** Entries handed out and not yet acknowledged, in id order (Map keeps insertion order). */
  pending: Map<string, PendingEntry>;
}

/** What a snapshot keeps of a stream: everything but the blocked readers. */
export interface StreamState {
  entries: Map<string, StreamEntry>;
  groups: Map<string, Group>;
  ordinal: number;
  lastMs: number;
  seq: number;
}

/** An in-process stream with consumer groups, shaped after a Redis stream. */
export class MemoryStream {
  readonly #entries = new Map<string, StreamEntry>();
  readonly #groups = new Map<string, Group>();
  readonly #wakers = new Set<() => void>();
  #ordinal = 0;
  #lastMs = 0;
  #seq = 0;

  add(fields: Record<string, string>): string {
    // Redis-style ids (`ms-seq`), strictly increasing even when the clock stands still or goes back.
    const now = Date.now();
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#seq = 0;
    } else {
      this.#seq += 1;
    }
    const id = `${this.#lastMs}-${this.#seq}`;
    this.#ordinal += 1;
    this.#entries.set(id, { ordinal: this.#ordinal, fields: { ...fields } });
    this.wakeAll();
    return id;
  }

  /** The group, created on first use at the start of the stream so that no earlier entry is missed. */
  group(name: string): Group {
    let group = this.#groups.get(name);
    if (group === undefined) {
      group = { lastDelivered: 0, pending: new Map() };
      this.#groups.set(name, group);
    }
    return group;
  }

  entry(id: string): StreamEntry | undefined {
    return this.#entries.get(id);
  }

  /** Hands entries the group has not delivered yet to `consumer` (XREADGROUP with `>`). */
  deliverNew(group: Group, consumer: string, count: number): QueueEntry[] {
    const delivered: QueueEntry[] = [];
    const now = Date.now();
    for (const [id, entry] of this.#entries) {
      if (delivered.length >= count) break;
      if (entry.ordinal <= group.lastDelivered) continue;
      group.lastDelivered = entry.ordinal;
      group.pending.set(id, { consumer, deliveredAt: now, deliveries: 1 });
      delivered.push({ id, fields: { ...entry.fields }, deliveries: 1 });
    }
    return delivered;
  }

  delete(id: string): void {
    this.#entries.delete(id);
  }

  /** The first `count` entries in id order, like XRANGE - + COUNT. */
  first(count: number): Array<{ id: string; fields: Record<string, string> }> {
    const found = [];
    for (const [id, entry] of this.#entries) {
      if (found.length >= count) break;
      found.push({ id, fields: { ...entry.fields } });
    }
    return found;
  }

  /** Entries not yet deleted (acknowledged), like XLEN. */
  get length(): number {
    return this.#entries.size;
  }

  /** Resolves on the next add, after `ms`, or on wakeAll, whichever comes first. */
  nextAdd(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }

  dump(): StreamState {
    return {
      entries: this.#entries,
      groups: this.#groups,
      ordinal: this.#ordinal,
      lastMs: this.#lastMs,
      seq: this.#seq,
    };
  }

  static load(state: StreamState): MemoryStream {
    const stream = new MemoryStream();
    for (const [id, entry] of state.entries) stream.#entries.set(id, entry);
    for (const [name, group] of state.groups) stream.#groups.set(name, group);
    stream.#ordinal = state.ordinal;
    stream.#lastMs = state.lastMs;
    stream.#seq = state.seq;
    return stream;
  }

  wakeAll(): void {
    for (const wake of [...this.#wakers]) wake();
  }
}

export class MemoryQueue implements WorkQueue {
  readonly #stream: MemoryStream;
  readonly #group: Group;
  readonly #isClosed: () => boolean;

  constructor(stream: MemoryStream, group: string, isClosed: () => boolean) {
    this.#stream = stream;
    this.#group = stream.group(group);
    this.#isClosed = isClosed;
  }

  async add(fields: Record<string, string>): Promise<string> {
    checkEntryFields(fields);
    return this.#stream.add(fields);
  }

  async read(consumer: string, options: { count: number; blockMs: number }): Promise<QueueEntry[]> {
    const count = checkCount(options.count);
    const deadline = Date.now() + Math.max(0, options.blockMs);
    for (;;) {
      if (this.#isClosed()) return [];
      const entries = this.#stream.deliverNew(this.#group, consumer, count);
      if (entries.length > 0) return entries;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return [];
      // Another reader may take what woke us, so look again rather than trusting the wake-up.
      await this.#stream.nextAdd(remaining);
    }
  }

  async renew(consumer: string, ids: readonly string[]): Promise<string[]> {
    const now = Date.now();
    const held: string[] = [];
    for (const id of ids) {
      const pending = this.#group.pending.get(id);
      if (pending === undefined || pending.consumer !== consumer) continue;
      if (this.#stream.entry(id) === undefined) {
        this.#group.pending.delete(id);
        continue;
      }
      pending.deliveredAt = now;
      held.push(id);
    }
    return held;
  }

  async reclaim(consumer: string, options: { minIdleMs: number; count: number }): Promise<QueueEntry[]> {
    const count = checkCount(options.count);
    const now = Date.now();
    const claimed: QueueEntry[] = [];
    for (const [id, pending] of this.#group.pending) {
      if (claimed.length >= count) break;
      if (now - pending.deliveredAt < options.minIdleMs) continue;
      const entry = this.#stream.entry(id);
      if (entry === undefined) {
        // Deleted from the stream while still pending: nothing left to run, so drop it.
        this.#group.pending.delete(id);
        continue;
      }
      pending.consumer = consumer;
      pending.deliveredAt = now;
      pending.deliveries += 1;
      claimed.push({ id, fields: { ...entry.fields }, deliveries: pending.deliveries });
    }
    return claimed;
  }

  async release(consumer: string, ids: readonly string[]): Promise<string[]> {
    const released: string[] = [];
    for (const id of ids) {
      const pending = this.#group.pending.get(id);
      if (pending === undefined || pending.consumer !== consumer || !this.#stream.entry(id)) continue;
      // Idle since the epoch: past any reclaimer's minIdleMs.
      pending.deliveredAt = 0;
      pending.deliveries = Math.max(0, pending.deliveries - 1);
      released.push(id);
    }
    return released;
  }

  async ack(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      this.#group.pending.delete(id);
      this.#stream.delete(id);
    }
  }

  async length(): Promise<number> {
    return this.#stream.length;
  }

  async peek(count: number): Promise<Array<Omit<QueueEntry, 'deliveries'>>> {
    return this.#stream.first(checkCount(count));
  }
}
