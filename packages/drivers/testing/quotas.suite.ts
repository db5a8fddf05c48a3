import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { OpenDrivers } from './collector.ts';

/** QuotaStore: fixed-window counts and leased slots, atomic under concurrent callers. */
export function describeQuotasContract(open: OpenDrivers): void {
  describe('quotas: windows', () => {
    it('counts uses up to the limit and refuses the rest without counting them', async () => {
      const { quotas } = open();
      const uses = [];
      for (let i = 0; i < 5; i += 1) uses.push(await quotas.take('rate:a', 3, 60_000));
      expect(uses.map(({ ok, count }) => ({ ok, count }))).toEqual([
        { ok: true, count: 1 },
        { ok: true, count: 2 },
        { ok: true, count: 3 },
        { ok: false, count: 3 },
        { ok: false, count: 3 },
      ]);
      for (const { resetMs } of uses) {
        expect(resetMs).toBeGreaterThan(0);
        expect(resetMs).toBeLessThanOrEqual(60_000);
      }
      // Another key has a window of its own.
      expect(await quotas.take('rate:b', 3, 60_000)).toMatchObject({ ok: true, count: 1 });
    });

    it('starts a new window once the old one ended', async () => {
      const { quotas } = open();
      expect((await quotas.take('rate:w', 1, 150)).ok).toBe(true);
      expect((await quotas.take('rate:w', 1, 150)).ok).toBe(false);
      await sleep(300);
      expect(await quotas.take('rate:w', 1, 150)).toMatchObject({ ok: true, count: 1 });
    });

    it('counts concurrent uses exactly', async () => {
      const { quotas } = open();
      const uses = await Promise.all(Array.from({ length: 20 }, () => quotas.take('rate:c', 7, 60_000)));
      expect(uses.filter((use) => use.ok)).toHaveLength(7);
      expect(uses.filter((use) => use.ok).map((use) => use.count)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    it('refuses a limit that is not a positive integer and a non-positive window', async () => {
      const { quotas } = open();
      await expect(quotas.take('rate:x', 0, 1000)).rejects.toThrow(RangeError);
      await expect(quotas.take('rate:x', 1.5, 1000)).rejects.toThrow(RangeError);
      await expect(quotas.take('rate:x', 1, 0)).rejects.toThrow(RangeError);
    });
  });

  describe('quotas: leases', () => {
    const lease = { limit: 2, ttlMs: 60_000 };

    it('holds up to limit slots, renews a held one and frees a released one', async () => {
      const { quotas } = open();
      expect(await quotas.acquire('active:a', 'job1', lease)).toEqual({ ok: true, held: 1 });
      expect(await quotas.acquire('active:a', 'job2', lease)).toEqual({ ok: true, held: 2 });
      expect(await quotas.acquire('active:a', 'job3', lease)).toEqual({ ok: false, held: 2 });
      // A slot already held is renewed, not counted twice.
      expect(await quotas.acquire('active:a', 'job1', lease)).toEqual({ ok: true, held: 2 });
      await quotas.release('active:a', 'job1');
      await quotas.release('active:a', 'job1');
      await quotas.release('active:unknown', 'job1');
      expect(await quotas.acquire('active:a', 'job3', lease)).toEqual({ ok: true, held: 2 });
      expect(await quotas.acquire('active:b', 'job1', lease)).toEqual({ ok: true, held: 1 });
    });

    it('lets a lease lapse unless it is renewed', async () => {
      const { quotas } = open();
      const short = { limit: 2, ttlMs: 200 };
      await quotas.acquire('active:l', 'kept', short);
      await quotas.acquire('active:l', 'lapsed', short);
      for (let i = 0; i < 3; i += 1) {
        await sleep(100);
        expect(await quotas.renew('active:l', ['kept', 'never-held'], 200)).toEqual([true, false]);
      }
      // 300 ms after acquiring: the renewed slot is still held, the other one is free again.
      expect(await quotas.renew('active:l', ['kept', 'lapsed'], 200)).toEqual([true, false]);
      expect(await quotas.acquire('active:l', 'new', short)).toEqual({ ok: true, held: 2 });
      expect(await quotas.acquire('active:l', 'more', short)).toEqual({ ok: false, held: 2 });
      expect(await quotas.renew('active:l', [], 200)).toEqual([]);
      await sleep(300);
      expect(await quotas.renew('active:l', ['kept', 'new'], 200)).toEqual([false, false]);
    });

    it('grants exactly limit slots to concurrent callers', async () => {
      const { quotas } = open();
      const uses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          quotas.acquire('active:c', `job${i}`, { limit: 3, ttlMs: 60_000 }),
        ),
      );
      expect(uses.filter((use) => use.ok)).toHaveLength(3);
    });
  });
}
