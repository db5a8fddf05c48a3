import type { KeyValueDrivers, WorkQueue } from '../types.ts';
import { Keyspace } from './keyspace.ts';
import { encodeSnapshot, readSnapshot, writeSnapshot, writeSnapshotAsync } from './persistence.ts';
import { MemoryPubSub } from './pubsub.ts';
import { MemoryQueue, MemoryStream } from './queue.ts';
import { createMemoryQuotas } from './quotas.ts';
import { createMemoryBlobs, createMemoryRecords } from './records.ts';

export interface MemoryDriversOptions {
  /**
   * How often expired records and blobs are swept out. Expiry itself is exact (checked on every
   * access); the sweep only frees the memory of keys that nobody reads again.
   * @default 1000
   */
  sweepIntervalMs?: number;
  /**
   * A file that keeps the state across a restart: written at close() and read back (then removed)
   * at creation, so that queued and handed-back jobs, their inputs and finished results outlive a
   * graceful restart of the embedded mode. Without it the state lives and dies with the process.
   */
  snapshotFile?: string;
  /**
   * With a snapshot file: also write it this often while anything changed, so that a crash (a
   * SIGKILL, a power loss) loses at most this much, not every job queued or running. Jobs that were
   * running come back as the queue's pending entries and are reclaimed, as after a crash in the
   * cluster. Off (0): written at close() only.
   * @default 0
   */
  snapshotIntervalMs?: number;
}

/** Drivers for the embedded mode: the same semantics as the Redis drivers, inside this process. */
export function createMemoryDrivers(options: MemoryDriversOptions = {}): KeyValueDrivers {
  const keyspace = new Keyspace();
  const pubsub = new MemoryPubSub();
  const streams = new Map<string, MemoryStream>();
  const snapshotFile = options.snapshotFile;
  const snapshotIntervalMs = snapshotFile ? (options.snapshotIntervalMs ?? 0) : 0;
  if (snapshotFile) {
    const saved = readSnapshot(snapshotFile, { keep: snapshotIntervalMs > 0 });
    if (saved) {
      keyspace.load(saved.slots);
      for (const [name, state] of saved.streams) streams.set(name, MemoryStream.load(state));
    }
  }
  const queues = new Map<string, WorkQueue>();
  let closed = false;

  const sweeper = setInterval(() => keyspace.sweep(), options.sweepIntervalMs ?? 1000);
  sweeper.unref();

  const snapshot = () =>
    encodeSnapshot({
      slots: keyspace.dump(),
      streams: [...streams].map(([name, stream]) => [name, stream.dump()]),
    });
  // What the file holds now: a write happens only when the state's bytes differ from it.
  let written: Buffer | undefined;
  let writing: Promise<void> = Promise.resolve();
  const saveNow = () => {
    const bytes = snapshot();
    if (written?.equals(bytes)) return;
    written = bytes;
    writing = writeSnapshotAsync(snapshotFile!, bytes).catch((error: Error) => {
      written = undefined; // try again next time
      process.emitWarning(`the state snapshot ${snapshotFile} could not be written: ${error.message}`);
    });
  };
  const saver =
    snapshotIntervalMs > 0
      ? setInterval(() => {
          // One write at a time: a tick during a slow write waits for the next.
          void writing.then(saveNow);
        }, snapshotIntervalMs)
      : undefined;
  saver?.unref();

  return {
    records: createMemoryRecords(keyspace, pubsub),
    blobs: createMemoryBlobs(keyspace),
    pubsub,
    quotas: createMemoryQuotas(keyspace),

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
      clearInterval(saver);
      // Blocked readers wake up and return no entries, so no timer outlives close().
      for (const stream of streams.values()) stream.wakeAll();
      if (snapshotFile) {
        await writing; // a periodic write must not land over the last one
        writeSnapshot(snapshotFile, snapshot());
      }
      pubsub.clear();
      keyspace.clear();
    },
  };
}
