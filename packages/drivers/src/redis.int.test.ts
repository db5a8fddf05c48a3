import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeKeyValueContract } from '../testing/key-value.suite.ts';
import { createRedisDrivers } from './redis/drivers.ts';
import type { KeyValueDrivers } from './types.ts';

const url = process.env.REDIS_URL;
if (!url) {
  throw new Error(
    'REDIS_URL is not set: the int tier needs a Redis server, e.g. REDIS_URL=redis://127.0.0.1:6379',
  );
}
const redisUrl: string = url;

// Every drivers instance gets a prefix of its own; afterAll deletes whatever the tests left.
const runPrefix = `pixelflow-test:${randomUUID()}:`;
let instance = 0;
const nextPrefix = (): string => `${runPrefix}${++instance}:`;

let admin: Redis;
beforeAll(() => {
  admin = new Redis(redisUrl);
});
afterAll(async () => {
  const keys = await admin.keys(`${runPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

describeKeyValueContract('redis', () => createRedisDrivers(redisUrl, { keyPrefix: nextPrefix() }), [
  'redis',
  redisUrl,
  nextPrefix(),
]);

describe('redis drivers', () => {
  const opened: KeyValueDrivers[] = [];
  const open = (keyPrefix = nextPrefix()): { drivers: KeyValueDrivers; keyPrefix: string } => {
    const drivers = createRedisDrivers(redisUrl, { keyPrefix });
    opened.push(drivers);
    return { drivers, keyPrefix };
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((drivers) => drivers.close()));
  });

  const subscribers = async (channel: string): Promise<number> => {
    const reply = (await admin.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
    return reply[1];
  };

  it('prefixes every key, channel and stream name', async () => {
    const { drivers, keyPrefix } = open();
    await drivers.records.create('rec', { a: '1' }, 5000);
    await drivers.blobs.put('blob', Buffer.from('b'), 5000);
    await drivers.queue('stream', 'group').add({ a: '1' });
    const unsubscribe = await drivers.pubsub.subscribe('chan', () => {});
    expect((await admin.keys(`${keyPrefix}*`)).sort()).toEqual([
      `${keyPrefix}blob`,
      `${keyPrefix}rec`,
      `${keyPrefix}stream`,
    ]);
    expect(await admin.type(`${keyPrefix}rec`)).toBe('hash');
    expect(await admin.type(`${keyPrefix}stream`)).toBe('stream');
    expect(await subscribers(`${keyPrefix}chan`)).toBe(1);
    await unsubscribe();
  });

  it('shares one SUBSCRIBE per channel and drops it with the last listener', async () => {
    const { drivers, keyPrefix } = open();
    const channel = `${keyPrefix}shared`;
    const first = await drivers.pubsub.subscribe('shared', () => {});
    const second = await drivers.pubsub.subscribe('shared', () => {});
    const third = await drivers.pubsub.subscribe('another', () => {});
    expect(await subscribers(channel)).toBe(1);
    // Both channels ride on the one subscriber connection.
    const clients = (await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
    const onBoth = clients.split('\n').filter((line) => / sub=2 /.test(line));
    expect(onBoth).toHaveLength(1);
    await first();
    expect(await subscribers(channel)).toBe(1);
    await second();
    expect(await subscribers(channel)).toBe(0);
    await third();
  });

  it('subscribes again after the subscriber connection drops', async () => {
    const { drivers, keyPrefix } = open();
    const received: string[] = [];
    const unsubscribe = await drivers.pubsub.subscribe('resub', (message) => received.push(message));
    const channel = `${keyPrefix}resub`;
    const clients = (await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
    const ours = clients
      .split('\n')
      .find((line) => line.includes(' sub=1 ') && line.includes(' cmd=subscribe'));
    const id = ours?.match(/\bid=(\d+)/)?.[1];
    expect(id).toBeDefined();
    await admin.call('CLIENT', 'KILL', 'ID', id!);
    const deadline = Date.now() + 5000;
    await sleep(50);
    while ((await subscribers(channel)) === 0 && Date.now() < deadline) await sleep(50);
    expect(await subscribers(channel)).toBe(1);
    await drivers.pubsub.publish('resub', 'after reconnect');
    await sleep(200);
    expect(received).toEqual(['after reconnect']);
    await unsubscribe();
  });

  it('keeps the command connection free while a read blocks', async () => {
    const { drivers } = open();
    const queue = drivers.queue('busy', 'workers');
    await queue.read('a', { count: 1, blockMs: 0 });
    const reading = queue.read('a', { count: 1, blockMs: 2000 });
    await sleep(50);
    const started = performance.now();
    await drivers.records.create('quick', { a: '1' }, 5000);
    await drivers.ping();
    expect(performance.now() - started).toBeLessThan(500);
    await queue.add({ job: 'x' });
    expect(await reading).toHaveLength(1);
  });

  it('drops entries deleted from the stream instead of reclaiming them', async () => {
    const { drivers, keyPrefix } = open();
    const queue = drivers.queue('deleted', 'workers');
    const id = await queue.add({ job: 'gone' });
    const kept = await queue.add({ job: 'kept' });
    await queue.read('a', { count: 2, blockMs: 0 });
    await admin.xdel(`${keyPrefix}deleted`, id);
    await sleep(200);
    const reclaimed = await queue.reclaim('b', { minIdleMs: 150, count: 10 });
    expect(reclaimed.map((entry) => entry.id)).toEqual([kept]);
    const pending = (await admin.xpending(`${keyPrefix}deleted`, 'workers')) as [number, ...unknown[]];
    expect(pending[0]).toBe(1);
    expect(await queue.renew('a', [id])).toEqual([]);
  });

  it('creates the group again when the stream was deleted', async () => {
    const { drivers, keyPrefix } = open();
    const queue = drivers.queue('recreated', 'workers');
    await queue.add({ job: 'one' });
    expect(await queue.read('a', { count: 1, blockMs: 0 })).toHaveLength(1);
    await admin.del(`${keyPrefix}recreated`);
    expect(await queue.renew('a', ['1-0'])).toEqual([]);
    await admin.del(`${keyPrefix}recreated`);
    expect(await queue.reclaim('a', { minIdleMs: 0, count: 1 })).toEqual([]);
    await admin.del(`${keyPrefix}recreated`);
    await queue.add({ job: 'two' });
    const entries = await queue.read('a', { count: 1, blockMs: 500 });
    expect(entries.map((entry) => entry.fields)).toEqual([{ job: 'two' }]);
  });

  it('shares quotas and queue lengths between drivers over one prefix, as instances of a service do', async () => {
    const { drivers: first, keyPrefix } = open();
    const { drivers: second } = open(keyPrefix);
    const uses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? first : second).quotas.take('rate:shared', 4, 60_000)),
    );
    expect(uses.filter((use) => use.ok)).toHaveLength(4);
    expect(await first.quotas.acquire('active:shared', 'a', { limit: 1, ttlMs: 60_000 })).toEqual({
      ok: true,
      held: 1,
    });
    expect(await second.quotas.acquire('active:shared', 'b', { limit: 1, ttlMs: 60_000 })).toEqual({
      ok: false,
      held: 1,
    });
    await second.queue('shared', 'workers').add({ job: 'x' });
    expect(await first.queue('shared', 'workers').length()).toBe(1);
    // The counters expire with their window and their longest lease.
    expect(await admin.pttl(`${keyPrefix}rate:shared`)).toBeGreaterThan(0);
    expect(await admin.pttl(`${keyPrefix}active:shared`)).toBeGreaterThan(0);
  });

  it('fails ping fast when Redis cannot be reached', async () => {
    const drivers = createRedisDrivers('redis://127.0.0.1:1', { pingTimeoutMs: 300 });
    const started = performance.now();
    await expect(drivers.ping()).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(2000);
    const closing = performance.now();
    await drivers.close();
    expect(performance.now() - closing).toBeLessThan(1000);
  });
});
