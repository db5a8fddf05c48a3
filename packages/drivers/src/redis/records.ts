import type { Redis } from 'ioredis';
import { checkFields, checkTtl, SEQ_FIELD } from '../checks.ts';
import type { BlobStore, RecordStore, StoredRecord } from '../types.ts';
import { fieldsFromFlat } from './flat.ts';
import { createRecord, touchKeys, updateRecord } from './scripts.ts';

export function createRedisRecords(redis: Redis, prefix: string): RecordStore {
  return {
    async create(key, fields, ttlMs) {
      checkFields(fields);
      const created = await createRecord.run(
        redis,
        [prefix + key],
        [checkTtl(ttlMs), SEQ_FIELD, ...Object.entries(fields).flat()],
      );
      return created === 1 ? { fields: { ...fields }, seq: 1 } : null;
    },

    async get(key) {
      const { [SEQ_FIELD]: seq, ...fields } = await redis.hgetall(prefix + key);
      // HGETALL answers an empty hash for a missing key, and a record always holds its seq.
      return seq === undefined ? null : { fields, seq: Number(seq) };
    },

    async update(key, fields, options) {
      checkFields(fields);
      const guard = options.when;
      const reply = await updateRecord.run(
        redis,
        [prefix + key],
        [
          checkTtl(options.ttlMs),
          SEQ_FIELD,
          options.publish === undefined ? '' : prefix + options.publish,
          guard?.field ?? '',
          guard?.oneOf.length ?? 0,
          ...(guard?.oneOf ?? []),
          ...Object.entries(fields).flat(),
        ],
      );
      const [status, hash] = reply as [number, string[] | undefined];
      if (status === 0) return { ok: false, reason: 'missing' };
      const record = recordFromFlatHash(hash ?? []);
      return status === 1 ? { ok: false, reason: 'guard', record } : { ok: true, record };
    },

    touch: (keys, ttlMs) => touch(redis, prefix, keys, ttlMs),

    async delete(key) {
      await redis.del(prefix + key);
    },
  };
}

/** Renews the TTL of each key that exists, records and blobs alike; answers which did. */
async function touch(
  redis: Redis,
  prefix: string,
  keys: readonly string[],
  ttlMs: number,
): Promise<boolean[]> {
  const ttl = checkTtl(ttlMs);
  if (keys.length === 0) return [];
  const existed = (await touchKeys.run(
    redis,
    keys.map((key) => prefix + key),
    [ttl],
  )) as number[];
  return existed.map((flag) => flag === 1);
}

function recordFromFlatHash(hash: readonly string[]): StoredRecord {
  const { [SEQ_FIELD]: seq, ...fields } = fieldsFromFlat(hash);
  return { fields, seq: Number(seq ?? 0) };
}

export function createRedisBlobs(redis: Redis, prefix: string): BlobStore {
  return {
    async put(key, data, ttlMs) {
      await redis.set(prefix + key, data, 'PX', checkTtl(ttlMs));
    },

    async get(key) {
      return await redis.getBuffer(prefix + key);
    },

    touch: (keys, ttlMs) => touch(redis, prefix, keys, ttlMs),

    async delete(key) {
      await redis.del(prefix + key);
    },
  };
}
