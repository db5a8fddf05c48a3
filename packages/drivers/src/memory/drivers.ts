import type { KeyValueDrivers, WorkQueue } from '../types.ts';
import { Keyspace } from './keyspace.ts';
import { MemoryPubSub } from './pubsub.ts';
import { MemoryQueue, MemoryStream } from './queue.ts';
import { createMemoryBlobs, createMemoryRecords } from './records.ts';

export interface MemoryDriversOptions {
  /**
   * How often expired records and blobs are swept out. Expiry itself is exact (checked on every
   * access); the sweep only frees the memory of keys that nobody reads again.
   * @default 1000
   */
  sweepIntervalMs?: number;
}

/** Drivers for the embedded mode: the same semantics as the Redis drivers, inside this process. */
export function createMemoryDrivers(options: MemoryDriversOptions = {}): KeyValueDrivers {
  const keyspace = new Keyspace();
  const pubsub = new MemoryPubSub();
  const streams = new Map<string, MemoryStream>();
  const queues = new Map<string, WorkQueue>();
  let closed = false;

  const sweeper = setInterval(() => keyspace.sweep(), options.sweepIntervalMs ?? 1000);
  sweeper.unref();

  return {
    records: createMemoryRecords(keyspace, pubsub),
    blobs: createMemoryBlobs(keyspace),
    pubsub,

    queue(name, group) {
      const queueKey = JSON.stringify([name, group]);
      let queue = queues.get(queueKey);
      if (queue === undefined) {
        let stream = streams.get(name);
        if (stream === undefined) {
          stream = new MemoryStream();
          streams.set(name, stream);
        }
        queue = new MemoryQueue(stream, group, () => closed);
        queues.set(queueKey, queue);
      }
      return queue;
    },

    async ping() {
      if (closed) throw new Error('the in-process drivers are closed');
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      // Blocked readers wake up and return no entries, so no timer outlives close().
      for (const stream of streams.values()) stream.wakeAll();
      pubsub.clear();
      keyspace.clear();
    },
  };
}
