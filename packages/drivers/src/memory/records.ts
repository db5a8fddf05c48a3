import { checkFields, checkTtl } from '../checks.ts';
import type { BlobStore, RecordStore, StoredRecord, UpdateOptions, UpdateResult } from '../types.ts';
import { type Keyspace, snapshot } from './keyspace.ts';
import type { MemoryPubSub } from './pubsub.ts';

export function createMemoryRecords(keyspace: Keyspace, pubsub: MemoryPubSub): RecordStore {
  return {
    async create(key, fields, ttlMs) {
      checkFields(fields);
      const ttl = checkTtl(ttlMs);
      if (keyspace.has(key)) return null;
      const slot = { kind: 'record' as const, fields: { ...fields }, seq: 1, expiresAt: Date.now() + ttl };
      keyspace.set(key, slot);
      return snapshot(slot);
    },

    async get(key) {
      const slot = keyspace.get(key, 'record');
      return slot === undefined ? null : snapshot(slot);
    },

    async update(key, fields, options: UpdateOptions): Promise<UpdateResult> {
      checkFields(fields);
      const ttl = checkTtl(options.ttlMs);
      // Everything below runs without an await, which makes it atomic on the event loop.
      const slot = keyspace.get(key, 'record');
      if (slot === undefined) return { ok: false, reason: 'missing' };
      const { when } = options;
      if (when !== undefined) {
        const current = slot.fields[when.field];
        if (current === undefined || !when.oneOf.includes(current)) {
          return { ok: false, reason: 'guard', record: snapshot(slot) };
        }
      }
      Object.assign(slot.fields, fields);
      slot.seq += 1;
      slot.expiresAt = Date.now() + ttl;
      const record: StoredRecord = snapshot(slot);
      if (options.publish !== undefined) pubsub.publishNow(options.publish, JSON.stringify(record));
      return { ok: true, record };
    },

    async touch(keys, ttlMs) {
      const ttl = checkTtl(ttlMs);
      return keys.map((key) => keyspace.expire(key, ttl));
    },

    async delete(key) {
      keyspace.delete(key);
    },
  };
}

export function createMemoryBlobs(keyspace: Keyspace): BlobStore {
  return {
    async put(key, data, ttlMs) {
      const ttl = checkTtl(ttlMs);
      // Copies on the way in and out: a Redis round trip never shares memory with the caller.
      keyspace.set(key, { kind: 'blob', data: Buffer.from(data), expiresAt: Date.now() + ttl });
    },

    async get(key) {
      const slot = keyspace.get(key, 'blob');
      return slot === undefined ? null : Buffer.from(slot.data);
    },

    async touch(keys, ttlMs) {
      const ttl = checkTtl(ttlMs);
      return keys.map((key) => keyspace.get(key, 'blob') !== undefined && keyspace.expire(key, ttl));
    },

    async delete(key) {
      keyspace.delete(key);
    },
  };
}
