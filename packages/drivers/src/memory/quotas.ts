import { checkLimit, checkTtl } from '../checks.ts';
import type { QuotaStore } from '../types.ts';
import type { Keyspace } from './keyspace.ts';

/**
 * Quota counters in the embedded mode's keyspace. Each operation runs without an await, which
 * makes it atomic on the event loop, as the Redis driver's scripts are in Redis.
 */
export function createMemoryQuotas(keyspace: Keyspace): QuotaStore {
  /** The lease set under `key` without its lapsed leases; undefined when none is left. */
  const liveLeases = (key: string, now: number) => {
    const slot = keyspace.get(key, 'leases');
    if (slot === undefined) return undefined;
    for (const [member, until] of slot.leases) if (until <= now) slot.leases.delete(member);
    if (slot.leases.size > 0) return slot;
    keyspace.delete(key);
    return undefined;
  };
  /** The set lives as long as its longest lease, like the Redis key's PEXPIREAT. */
  const extend = (slot: { leases: Map<string, number>; expiresAt: number }) => {
    slot.expiresAt = Math.max(...slot.leases.values());
  };

  return {
    async take(key, limit, windowMs) {
      const max = checkLimit(limit);
      const window = checkTtl(windowMs);
      const now = Date.now();
      const slot = keyspace.get(key, 'counter');
      if (slot === undefined) {
        keyspace.set(key, { kind: 'counter', count: 1, expiresAt: now + window });
        return { ok: true, count: 1, resetMs: window };
      }
      const resetMs = slot.expiresAt - now;
      if (slot.count >= max) return { ok: false, count: slot.count, resetMs };
      slot.count += 1;
      return { ok: true, count: slot.count, resetMs };
    },

    async acquire(key, member, { limit, ttlMs }) {
      const max = checkLimit(limit);
      const ttl = checkTtl(ttlMs);
      const now = Date.now();
      const slot = liveLeases(key, now);
      if (slot === undefined) {
        keyspace.set(key, { kind: 'leases', leases: new Map([[member, now + ttl]]), expiresAt: now + ttl });
        return { ok: true, held: 1 };
      }
      if (!slot.leases.has(member) && slot.leases.size >= max) return { ok: false, held: slot.leases.size };
      slot.leases.set(member, now + ttl);
      extend(slot);
      return { ok: true, held: slot.leases.size };
    },

    async renew(key, members, ttlMs) {
      const ttl = checkTtl(ttlMs);
      const now = Date.now();
      const slot = liveLeases(key, now);
      const held = members.map((member) => slot?.leases.has(member) ?? false);
      if (slot !== undefined) {
        for (const member of members) if (slot.leases.has(member)) slot.leases.set(member, now + ttl);
        extend(slot);
      }
      return held;
    },

    async release(key, member) {
      const slot = liveLeases(key, Date.now());
      if (slot === undefined) return;
      slot.leases.delete(member);
      if (slot.leases.size === 0) keyspace.delete(key);
      else extend(slot);
    },
  };
}
