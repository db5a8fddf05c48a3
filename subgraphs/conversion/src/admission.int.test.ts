import { randomUUID } from 'node:crypto';
import { createRedisDrivers, type KeyValueDrivers } from '@pixelflow/drivers';
import { describeAdmission } from '../testing/admission.suite.ts';

const url = process.env.REDIS_URL;
if (!url) throw new Error('REDIS_URL is not set: the int tier needs a Redis server');
const redisUrl: string = url;

// The cluster: instances in separate processes share Redis under one key prefix.
describeAdmission('Redis', () => {
  const prefix = `pixelflow-test:admission:${randomUUID()}:`;
  const opened: KeyValueDrivers[] = [];
  return {
    instance() {
      const drivers = createRedisDrivers(redisUrl, { keyPrefix: prefix });
      opened.push(drivers);
      return drivers;
    },
    async close() {
      // The quota keys expire within a minute by themselves; the stream does not (DEL removes
      // a key of any type).
      await opened[0]?.records.delete('conversions');
      await Promise.all(opened.map((drivers) => drivers.close()));
    },
  };
});
