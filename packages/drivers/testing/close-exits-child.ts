// Run in a child process by the key-value contract: opens every kind of connection the drivers
// have (commands, subscriber, blocking read), closes them, and must then exit on its own.
// Arguments: `memory`, or `redis <url> <key prefix>`.
import { createMemoryDrivers } from '../src/memory/drivers.ts';
import { createRedisDrivers } from '../src/redis/drivers.ts';

const [kind, url, keyPrefix] = process.argv.slice(2);
const drivers =
  kind === 'redis' && url !== undefined
    ? createRedisDrivers(url, { keyPrefix: keyPrefix ?? '' })
    : createMemoryDrivers();
await drivers.records.create('record', { status: 'QUEUED' }, 60_000);
await drivers.pubsub.subscribe('channel', () => {});
const queue = drivers.queue('queue', 'group');
await queue.read('consumer', { count: 1, blockMs: 0 });
const reading = queue.read('consumer', { count: 1, blockMs: 60_000 });
await new Promise((resolve) => setTimeout(resolve, 100));
await drivers.records.delete('record');
await drivers.close();
await reading;
console.log('closed');
