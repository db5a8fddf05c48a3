import type { Redis } from 'ioredis';
import { checkLimit, checkTtl } from '../checks.ts';
import type { QuotaStore } from '../types.ts';
import { acquireLease, renewLeases, takeFromWindow } from './scripts.ts';

export function createRedisQuotas(redis: Redis, prefix: string): QuotaStore {
  return {
    async take(key, limit, windowMs) {
      const [counted, count, resetMs] = (await takeFromWindow.run(
        redis,
        [prefix + key],
        [checkLimit(limit), checkTtl(windowMs)],
      )) as [number, number, number];
      return { ok: counted === 1, count, resetMs };
    },

    async acquire(key, member, { limit, ttlMs }) {
      const [ok, held] = (await acquireLease.run(
        redis,
        [prefix + key],
        [member, checkLimit(limit), checkTtl(ttlMs)],
      )) as [number, number];
      return { ok: ok === 1, held };
    },

    async renew(key, members, ttlMs) {
      const ttl = checkTtl(ttlMs);
      if (members.length === 0) return [];
      const held = (await renewLeases.run(redis, [prefix + key], [ttl, ...members])) as number[];
      return held.map((flag) => flag === 1);
    },

    async release(key, member) {
      await redis.zrem(prefix + key, member);
    },
  };
}
