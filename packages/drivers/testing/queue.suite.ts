import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { OpenDrivers } from './collector.ts';

/** WorkQueue: one consumer per entry, blocking reads, renew, reclaim, ack. */
export function describeQueueContract(open: OpenDrivers): void {
  describe('queue', () => {
    it('delivers each entry to one consumer only, with its fields and deliveries 1', async () => {
      const drivers = open();
      const queue = drivers.queue('jobs', 'workers');
      expect(drivers.queue('jobs', 'workers')).toBe(queue);
      const ids = [];
      for (let i = 0; i < 4; i += 1) ids.push(await queue.add({ job: `j${i}`, attempt: '1' }));
      const a = await queue.read('a', { count: 2, blockMs: 0 });
      const b = await queue.read('b', { count: 10, blockMs: 0 });
      const c = await queue.read('c', { count: 10, blockMs: 0 });
      expect(a.map((entry) => entry.fields.job)).toEqual(['j0', 'j1']);
      expect(b.map((entry) => entry.fields.job)).toEqual(['j2', 'j3']);
      expect(c).toEqual([]);
      expect([...a, ...b].map((entry) => entry.id)).toEqual(ids);
      expect(a[0]).toEqual({ id: ids[0], fields: { job: 'j0', attempt: '1' }, deliveries: 1 });
    });

    it('keeps queues and groups apart', async () => {
      const drivers = open();
      await drivers.queue('left', 'workers').add({ side: 'left' });
      await drivers.queue('right', 'workers').add({ side: 'right' });
      const left = await drivers.queue('left', 'workers').read('a', { count: 10, blockMs: 0 });
      expect(left.map((entry) => entry.fields)).toEqual([{ side: 'left' }]);
      // Another group of the same stream gets every entry again.
      const audit = await drivers.queue('left', 'audit').read('x', { count: 10, blockMs: 0 });
      expect(audit.map((entry) => entry.fields)).toEqual([{ side: 'left' }]);
    });

    it('waits up to blockMs when empty', async () => {
      const queue = open().queue('idle', 'workers');
      const started = performance.now();
      expect(await queue.read('a', { count: 1, blockMs: 200 })).toEqual([]);
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(150);
      expect(waited).toBeLessThan(1500);
    });

    it('wakes a blocked read as soon as an entry is added', async () => {
      const drivers = open();
      const queue = drivers.queue('wake', 'workers');
      await queue.read('a', { count: 1, blockMs: 0 }); // the group exists before the read blocks
      const started = performance.now();
      const reading = queue.read('a', { count: 1, blockMs: 5000 });
      await sleep(100);
      const id = await queue.add({ job: 'late' });
      const entries = await reading;
      expect(entries).toEqual([{ id, fields: { job: 'late' }, deliveries: 1 }]);
      expect(performance.now() - started).toBeLessThan(1500);
    });

    it('reclaims an idle entry for another consumer, counting deliveries', async () => {
      const queue = open().queue('reclaim', 'workers');
      const id = await queue.add({ job: 'r' });
      await queue.read('dead', { count: 1, blockMs: 0 });
      expect(await queue.reclaim('b', { minIdleMs: 5000, count: 10 })).toEqual([]);
      await sleep(200);
      expect(await queue.reclaim('b', { minIdleMs: 150, count: 10 })).toEqual([
        { id, fields: { job: 'r' }, deliveries: 2 },
      ]);
      // The reclaim reset its idle time: not reclaimable again at once.
      expect(await queue.reclaim('c', { minIdleMs: 150, count: 10 })).toEqual([]);
      await sleep(200);
      expect(await queue.reclaim('c', { minIdleMs: 150, count: 10 })).toEqual([
        { id, fields: { job: 'r' }, deliveries: 3 },
      ]);
      expect(await queue.renew('b', [id])).toEqual([]);
      expect(await queue.renew('c', [id])).toEqual([id]);
    });

    it('lets a released entry be reclaimed at once, its given-back delivery not counted', async () => {
      const queue = open().queue('release', 'workers');
      const id = await queue.add({ job: 'g' });
      const kept = await queue.add({ job: 'k' });
      await queue.read('leaving', { count: 2, blockMs: 0 });
      // Only the holder can give an entry back.
      expect(await queue.release('someone-else', [id])).toEqual([]);
      expect(await queue.release('leaving', [id, '9999999999999-0'])).toEqual([id]);
      const reclaimed = await queue.reclaim('b', { minIdleMs: 60_000, count: 10 });
      expect(reclaimed).toEqual([{ id, fields: { job: 'g' }, deliveries: 1 }]);
      expect(await queue.renew('leaving', [id, kept])).toEqual([kept]);
      await queue.ack([kept]);
      // A second reclaim after a real lapse counts as usual.
      await sleep(200);
      expect(await queue.reclaim('c', { minIdleMs: 150, count: 10 })).toEqual([
        { id, fields: { job: 'g' }, deliveries: 2 },
      ]);
    });

    it('keeps a renewed entry from being reclaimed', async () => {
      const queue = open().queue('renew', 'workers');
      const id = await queue.add({ job: 'n' });
      const other = await queue.add({ job: 'o' });
      await queue.read('a', { count: 2, blockMs: 0 });
      for (let i = 0; i < 3; i += 1) {
        await sleep(100);
        expect(await queue.renew('a', [id, '9999999999999-0'])).toEqual([id]);
      }
      // 300 ms after the read: only the entry that was not renewed is idle long enough.
      const reclaimed = await queue.reclaim('b', { minIdleMs: 250, count: 10 });
      expect(reclaimed.map((entry) => entry.id)).toEqual([other]);
      expect(await queue.renew('a', [id, other])).toEqual([id]);
      expect(await queue.renew('b', [id])).toEqual([]);
      expect(await queue.renew('a', [])).toEqual([]);
    });

    it('does not hand out acknowledged entries again', async () => {
      const queue = open().queue('ack', 'workers');
      const done = await queue.add({ job: 'done' });
      const stuck = await queue.add({ job: 'stuck' });
      await queue.read('a', { count: 2, blockMs: 0 });
      await queue.ack([done]);
      await queue.ack([]);
      await sleep(200);
      const reclaimed = await queue.reclaim('b', { minIdleMs: 150, count: 10 });
      expect(reclaimed.map((entry) => entry.id)).toEqual([stuck]);
      await queue.ack([stuck]);
      await sleep(200);
      expect(await queue.reclaim('c', { minIdleMs: 150, count: 10 })).toEqual([]);
      expect(await queue.read('c', { count: 10, blockMs: 0 })).toEqual([]);
      expect(await queue.renew('b', [stuck])).toEqual([]);
    });

    it('reclaims at most count entries, oldest first', async () => {
      const queue = open().queue('count', 'workers');
      const ids = [];
      for (let i = 0; i < 5; i += 1) ids.push(await queue.add({ i: String(i) }));
      await queue.read('a', { count: 5, blockMs: 0 });
      await sleep(200);
      const first = await queue.reclaim('b', { minIdleMs: 150, count: 2 });
      const rest = await queue.reclaim('b', { minIdleMs: 150, count: 10 });
      expect(first.map((entry) => entry.id)).toEqual(ids.slice(0, 2));
      expect(rest.map((entry) => entry.id)).toEqual(ids.slice(2));
    });

    it('delivers entries added before the first read', async () => {
      const drivers = open();
      await drivers.queue('early', 'workers').add({ job: 'early' });
      const entries = await drivers.queue('early', 'workers').read('a', { count: 10, blockMs: 1000 });
      expect(entries.map((entry) => entry.fields)).toEqual([{ job: 'early' }]);
    });

    it('counts the entries added and not yet acknowledged, held or not', async () => {
      const drivers = open();
      const queue = drivers.queue('length', 'workers');
      expect(await queue.length()).toBe(0);
      const ids = [];
      for (let i = 0; i < 3; i += 1) ids.push(await queue.add({ job: `j${i}` }));
      expect(await queue.length()).toBe(3);
      await queue.read('a', { count: 2, blockMs: 0 });
      expect(await queue.length()).toBe(3);
      await queue.ack([ids[0]!]);
      expect(await queue.length()).toBe(2);
      // The stream's length, whichever group asks.
      expect(await drivers.queue('length', 'audit').length()).toBe(2);
      await queue.ack(ids.slice(1));
      expect(await queue.length()).toBe(0);
    });

    it('shows the oldest entries, waiting or held, without delivering them', async () => {
      const drivers = open();
      const queue = drivers.queue('peek', 'workers');
      expect(await queue.peek(10)).toEqual([]);
      const before = Date.now();
      const ids = [];
      for (let i = 0; i < 3; i += 1) ids.push(await queue.add({ job: `p${i}` }));
      await queue.read('a', { count: 1, blockMs: 0 });
      expect(await queue.peek(2)).toEqual([
        { id: ids[0], fields: { job: 'p0' } },
        { id: ids[1], fields: { job: 'p1' } },
      ]);
      // Peeking delivered nothing: the next read still gets the second entry.
      expect((await queue.read('b', { count: 5, blockMs: 0 })).map((entry) => entry.id)).toEqual(
        ids.slice(1),
      );
      // Ids begin with the time of the add.
      expect(Number(ids[0]!.split('-')[0])).toBeGreaterThanOrEqual(before - 1000);
      await queue.ack([ids[0]!]);
      expect((await queue.peek(10)).map((entry) => entry.id)).toEqual(ids.slice(1));
    });

    it('refuses an entry without fields', async () => {
      await expect(open().queue('empty', 'workers').add({})).rejects.toThrow(RangeError);
    });
  });
}
