import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { describeBlobsContract } from './blobs.suite.ts';
import { collector, events, type OpenDrivers } from './collector.ts';

/** RecordStore and BlobStore: TTLs, seq, guards, atomic publish. */
export function describeRecordsContract(open: OpenDrivers): void {
  describe('records', () => {
    it('creates with seq 1, reads back and refuses to create twice', async () => {
      const { records } = open();
      const fields = { status: 'QUEUED', note: 'ünïcödé ✓', empty: '' };
      expect(await records.create('job:1', fields, 5000)).toEqual({ fields, seq: 1 });
      expect(await records.get('job:1')).toEqual({ fields, seq: 1 });
      expect(await records.create('job:1', { status: 'RUNNING' }, 5000)).toBeNull();
      expect(await records.get('job:1')).toEqual({ fields, seq: 1 });
      expect(await records.get('job:unknown')).toBeNull();
    });

    it('expires a record after its TTL', async () => {
      const { records } = open();
      await records.create('job:ttl', { status: 'QUEUED' }, 150);
      expect(await records.get('job:ttl')).not.toBeNull();
      await sleep(300);
      expect(await records.get('job:ttl')).toBeNull();
      expect(await records.update('job:ttl', { status: 'RUNNING' }, { ttlMs: 5000 })).toEqual({
        ok: false,
        reason: 'missing',
      });
      // An expired key is free again.
      expect(await records.create('job:ttl', { status: 'QUEUED' }, 5000)).toEqual({
        fields: { status: 'QUEUED' },
        seq: 1,
      });
    });

    it('merges fields, increments seq and resets the TTL on update', async () => {
      const { records } = open();
      await records.create('job:u', { status: 'QUEUED', converter: 'flip' }, 150);
      const first = await records.update('job:u', { status: 'RUNNING', progress: '0.5' }, { ttlMs: 5000 });
      expect(first).toEqual({
        ok: true,
        record: { fields: { status: 'RUNNING', converter: 'flip', progress: '0.5' }, seq: 2 },
      });
      const second = await records.update('job:u', { progress: '0.75' }, { ttlMs: 5000 });
      expect(second.ok && second.record.seq).toBe(3);
      await sleep(300);
      expect(await records.get('job:u')).toEqual({
        fields: { status: 'RUNNING', converter: 'flip', progress: '0.75' },
        seq: 3,
      });
      // The TTL an update sets also shortens.
      await records.update('job:u', {}, { ttlMs: 150 });
      await sleep(300);
      expect(await records.get('job:u')).toBeNull();
    });

    it('reports a missing record on update', async () => {
      const { records } = open();
      expect(await records.update('job:none', { status: 'RUNNING' }, { ttlMs: 5000 })).toEqual({
        ok: false,
        reason: 'missing',
      });
      expect(await records.get('job:none')).toBeNull();
    });

    it('applies an update only while the guard holds', async () => {
      const { records } = open();
      await records.create('job:g', { status: 'QUEUED' }, 5000);
      const when = { field: 'status', oneOf: ['QUEUED', 'RUNNING'] };
      const started = await records.update('job:g', { status: 'RUNNING' }, { ttlMs: 5000, when });
      expect(started).toEqual({ ok: true, record: { fields: { status: 'RUNNING' }, seq: 2 } });
      const done = await records.update('job:g', { status: 'SUCCEEDED' }, { ttlMs: 5000, when });
      expect(done.ok).toBe(true);
      const late = await records.update(
        'job:g',
        { status: 'RUNNING', progress: '0.9' },
        { ttlMs: 5000, when },
      );
      expect(late).toEqual({
        ok: false,
        reason: 'guard',
        record: { fields: { status: 'SUCCEEDED' }, seq: 3 },
      });
      const absentField = await records.update(
        'job:g',
        { status: 'FAILED' },
        { ttlMs: 5000, when: { field: 'owner', oneOf: ['a'] } },
      );
      expect(absentField).toMatchObject({ ok: false, reason: 'guard' });
      expect(await records.get('job:g')).toEqual({ fields: { status: 'SUCCEEDED' }, seq: 3 });
    });

    it('publishes each update with its seq, in order, and nothing for a refused one', async () => {
      const { records, pubsub } = open();
      const received = collector();
      const unsubscribe = await pubsub.subscribe('job-events', received.onMessage);
      await records.create('job:p', { status: 'QUEUED' }, 5000);
      const when = { field: 'status', oneOf: ['QUEUED', 'RUNNING'] };
      await records.update('job:p', { status: 'RUNNING' }, { ttlMs: 5000, publish: 'job-events', when });
      await records.update('job:p', { progress: '0.5' }, { ttlMs: 5000, publish: 'job-events', when });
      await records.update('job:p', { status: 'SUCCEEDED' }, { ttlMs: 5000, publish: 'job-events', when });
      const refused = await records.update(
        'job:p',
        { status: 'FAILED' },
        { ttlMs: 5000, publish: 'job-events', when },
      );
      expect(refused.ok).toBe(false);
      await received.until(3);
      await sleep(100);
      expect(events(received.messages)).toEqual([
        { fields: { status: 'RUNNING' }, seq: 2 },
        { fields: { status: 'RUNNING', progress: '0.5' }, seq: 3 },
        { fields: { status: 'SUCCEEDED', progress: '0.5' }, seq: 4 },
      ]);
      await unsubscribe();
    });

    it('publishes concurrent updates atomically: each event is the state its seq names', async () => {
      const { records, pubsub } = open();
      const received = collector();
      const unsubscribe = await pubsub.subscribe('race', received.onMessage);
      await records.create('job:race', { n: '0' }, 5000);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          records.update('job:race', { n: String(i + 1) }, { ttlMs: 5000, publish: 'race' }),
        ),
      );
      const seqs = events(await received.until(20)).map((event) => event.seq);
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
      // The event of seq s carries exactly the fields the update that got seq s returned.
      const bySeq = new Map(results.map((result) => [result.ok ? result.record.seq : 0, result]));
      for (const event of events(received.messages)) {
        expect(bySeq.get(event.seq)).toEqual({ ok: true, record: event });
      }
      await unsubscribe();
    });

    it('touches records and blobs, reporting which existed', async () => {
      const { records, blobs } = open();
      await records.create('job:t', { status: 'QUEUED' }, 150);
      await blobs.put('job:t:input', Buffer.from('bytes'), 150);
      expect(await records.touch(['job:t', 'job:absent', 'job:t:input'], 5000)).toEqual([true, false, true]);
      expect(await records.touch([], 5000)).toEqual([]);
      await sleep(300);
      expect(await records.get('job:t')).not.toBeNull();
      expect(await blobs.get('job:t:input')).not.toBeNull();
      expect(await records.touch(['job:t'], 150)).toEqual([true]);
      await sleep(300);
      expect(await records.touch(['job:t'], 5000)).toEqual([false]);
    });

    it('deletes a record', async () => {
      const { records } = open();
      await records.create('job:d', { status: 'QUEUED' }, 5000);
      await records.delete('job:d');
      await records.delete('job:d');
      expect(await records.get('job:d')).toBeNull();
    });

    it('refuses the reserved seq field name and a non-positive TTL', async () => {
      const { records } = open();
      await expect(records.create('job:r', { __seq: '7' }, 5000)).rejects.toThrow(/reserved/);
      await expect(records.create('job:r', { status: 'QUEUED' }, 0)).rejects.toThrow(RangeError);
      expect(await records.get('job:r')).toBeNull();
    });
  });

  describeBlobsContract(() => open().blobs);
}
