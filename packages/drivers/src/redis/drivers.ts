import { Redis } from 'ioredis';
import type { KeyValueDrivers } from '../types.ts';
import { closeConnection, withTimeout } from './connection.ts';
import { RedisPubSub } from './pubsub.ts';
import { RedisQueue } from './queue.ts';
import { createRedisQuotas } from './quotas.ts';
import { createRedisBlobs, createRedisRecords } from './records.ts';

export interface RedisDriversOptions {
  /**
   * Prepended to every key, pub/sub channel and stream name, so that deployments (or test runs)
   * can share one Redis database. Consumer group names are not prefixed: they live inside their
   * stream.
   * @default ''
   */
  keyPrefix?: string;
  /**
   * Called with connection errors. ioredis reconnects by itself and commands reject on their
   * own, so these are for logging only.
   * @default errors are ignored
   */
  onError?: (error: Error) => void;
  /**
   * How long `ping` waits for Redis' answer, so that a readiness check fails fast while ioredis is
   * still trying to reconnect.
   * @default 2000
   */
  pingTimeoutMs?: number;
}

/**
 * Drivers for the cluster mode. Connections: one for commands, one subscriber connection shared by
 * all subscriptions (opened on the first subscribe), and one per queue for blocking reads (opened
 * on its first blocking read).
 */
export function createRedisDrivers(url: string, options: RedisDriversOptions = {}): KeyValueDrivers {
  const prefix = options.keyPrefix ?? '';
  const onError = options.onError ?? (() => {});
  const pingTimeoutMs = options.pingTimeoutMs ?? 2000;
  const open = (): Redis => {
    const connection = new Redis(url);
    // Without a listener ioredis prints every failed reconnect attempt to the console.
    connection.on('error', onError);
    return connection;
  };
  const commands = open();
  const pubsub = new RedisPubSub(commands, open, prefix);
  const queues = new Map<string, RedisQueue>();
  let closed = false;

  return {
    records: createRedisRecords(commands, prefix),
    blobs: createRedisBlobs(commands, prefix),
    pubsub,
    quotas: createRedisQuotas(commands, prefix),

    queue(name, group) {
      const queueKey = JSON.stringify([name, group]);
      let queue = queues.get(queueKey);
      if (queue === undefined) {
        queue = new RedisQueue(commands, open, prefix + name, group);
        queues.set(queueKey, queue);
      }
      return queue;
    },

    async ping() {
      if (closed) throw new Error('the Redis drivers are closed');
      await withTimeout(
        commands.ping(),
        pingTimeoutMs,
        `Redis did not answer PING within ${pingTimeoutMs} ms`,
      );
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      await pubsub.close();
      await closeConnection(commands);
    },
  };
}
