import { randomUUID } from 'node:crypto';
import type { KeyValueDrivers } from '@pixelflow/drivers';
import { AppError } from '@pixelflow/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { Admission, type Client, type ConversionLimits, clientOf } from '../src/admission.ts';
import { conversionSettings } from '../src/env.ts';

const limits: ConversionLimits = {
  ...conversionSettings.defaults.limits,
  anonymousRate: 3,
  userRate: 5,
  anonymousActive: 2,
  userActive: 3,
  anonymousActiveHeavy: 1,
  userActiveHeavy: 2,
  maxQueueLength: 4,
};

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** A fresh shared store (one process's in-process drivers, or one Redis prefix) for a test. */
export interface TestStore {
  /** The drivers of one more service instance over this store. */
  instance(): KeyValueDrivers;
  close(): Promise<void>;
}

/**
 * Admission over shared drivers: each test takes two service instances over one store, so that it
 * shows the limits holding across instances.
 */
export function describeAdmission(name: string, openStore: () => TestStore) {
  describe(`admission (${name})`, () => {
    let store: TestStore | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    /** Two instances' admissions, each on drivers of its own over one store. */
    const instances = (overrides: Partial<ConversionLimits> = {}) => {
      store = openStore();
      const make = () => {
        const drivers = store!.instance();
        const queue = drivers.queue('conversions', 'runners');
        return {
          queue,
          admission: new Admission({
            quotas: drivers.quotas,
            queue,
            limits: { ...limits, ...overrides },
            slotTtlMs: 60_000,
          }),
        };
      };
      return [make(), make()] as const;
    };
    const fresh = () => ({
      anonymous: clientOf({ userId: null, ip: '198.51.100.23' }),
      user: clientOf({ userId: randomUUID(), ip: '198.51.100.23' }),
    });
    const admitMany = async (admissions: Admission[], client: Client, count: number) => {
      const results: Array<'ok' | string> = [];
      for (let i = 0; i < count; i++) {
        const admission = admissions[i % admissions.length]!;
        const jobId = randomUUID();
        results.push(
          await admission.admit(client, jobId).then(
            async () => {
              // Done at once: only the rate counts here.
              await admission.release(client.key, jobId);
              return 'ok';
            },
            (error: AppError) => `${error.code}:${String(error.details?.limit)}`,
          ),
        );
      }
      return results;
    };

    it('counts an address’s conversions per window over every instance, and says when to retry', async () => {
      const [a, b] = instances();
      const { anonymous } = fresh();
      expect(await admitMany([a.admission, b.admission], anonymous, 5)).toEqual([
        'ok',
        'ok',
        'ok',
        'RATE_LIMITED:rate',
        'RATE_LIMITED:rate',
      ]);
      const error = await refusal(a.admission.admit(anonymous, randomUUID()));
      expect(error.details).toMatchObject({ limit: 'rate', maxConversions: 3, windowSeconds: 60 });
      const retryAfter = error.details?.retryAfter as number;
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    });

    it('gives a signed-in user a quota of their own, higher than an address’s', async () => {
      const [a, b] = instances();
      const { anonymous, user } = fresh();
      await admitMany([a.admission], anonymous, 3);
      expect(await admitMany([a.admission, b.admission], user, 6)).toEqual([
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'RATE_LIMITED:rate',
      ]);
    });

    it('caps the jobs one client has queued or running at once, and frees a slot when a job ends', async () => {
      const [a, b] = instances({ anonymousRate: 100 });
      const { anonymous } = fresh();
      await a.admission.admit(anonymous, 'job-1');
      await b.admission.admit(anonymous, 'job-2');
      const error = await refusal(a.admission.admit(anonymous, 'job-3'));
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.details).toMatchObject({ limit: 'active', maxActive: 2 });
      expect(error.details?.retryAfter).toBeGreaterThanOrEqual(1);
      // Any instance may end a job: a runner on the other one freed job-1's slot.
      await b.admission.release(anonymous.key, 'job-1');
      await a.admission.admit(anonymous, 'job-3');
      expect((await refusal(b.admission.admit(anonymous, 'job-4'))).code).toBe('RATE_LIMITED');
    });

    it('gives each client a smaller share of heavy converters, over every instance, light jobs unaffected', async () => {
      const [a, b] = instances({ anonymousRate: 100, userRate: 100 });
      const { anonymous, user } = fresh();
      await a.admission.admit(anonymous, 'dream-1', { heavy: true });
      const error = await refusal(b.admission.admit(anonymous, 'dream-2', { heavy: true }));
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.details).toMatchObject({ limit: 'active-heavy', maxActive: 1 });
      expect(error.message).toMatch(/heavy converter/);
      // The refusal kept no slot: a light job still fits beside the heavy one (2 in all).
      await b.admission.admit(anonymous, 'grayscale-1');
      expect((await refusal(a.admission.admit(anonymous, 'grayscale-2'))).details).toMatchObject({
        limit: 'active',
      });
      // Another client is not held back by this one; a signed-in user gets two.
      await a.admission.admit(user, 'user-dream-1', { heavy: true });
      await b.admission.admit(user, 'user-dream-2', { heavy: true });
      expect((await refusal(a.admission.admit(user, 'user-dream-3', { heavy: true }))).details).toMatchObject(
        {
          limit: 'active-heavy',
          maxActive: 2,
        },
      );
      // The heavy job ends, on any instance: its heavy slot is free again.
      await b.admission.release(anonymous.key, 'dream-1');
      await a.admission.release(anonymous.key, 'grayscale-1');
      await a.admission.admit(anonymous, 'dream-3', { heavy: true });
    });

    it("gives a client's heavy jobs one turn at a time, over every instance, until the job ends", async () => {
      const [a, b] = instances({ userRate: 100 });
      const { user, anonymous } = fresh();
      for (const [admission, jobId] of [
        [a.admission, 'dream-1'],
        [b.admission, 'dream-2'],
      ] as const) {
        await admission.admit(user, jobId, { heavy: true });
      }
      expect(await a.admission.takeHeavyTurn(user.key, 'dream-1')).toBe(true);
      expect(await a.admission.takeHeavyTurn(user.key, 'dream-1')).toBe(true); // taken again: still its
      expect(await b.admission.takeHeavyTurn(user.key, 'dream-2')).toBe(false);
      // Another client's turn is its own.
      await a.admission.admit(anonymous, 'other', { heavy: true });
      expect(await b.admission.takeHeavyTurn(anonymous.key, 'other')).toBe(true);
      await b.admission.release(user.key, 'dream-1');
      expect(await b.admission.takeHeavyTurn(user.key, 'dream-2')).toBe(true);
    });

    it('frees the slot of a conversion the rate refused', async () => {
      const [a] = instances({ anonymousRate: 1, anonymousActive: 1 });
      const { anonymous } = fresh();
      await a.admission.admit(anonymous, 'job-1');
      await a.admission.release(anonymous.key, 'job-1');
      expect((await refusal(a.admission.admit(anonymous, 'job-2'))).details).toMatchObject({ limit: 'rate' });
      // Had job-2 kept its slot, the cap of one would refuse this as 'active'.
      expect((await refusal(a.admission.admit(anonymous, 'job-3'))).details).toMatchObject({ limit: 'rate' });
    });

    it('refuses with QUEUE_FULL once the queue holds maxQueueLength entries, over every instance, without using the quota', async () => {
      const [a, b] = instances();
      const { user } = fresh();
      for (let i = 0; i < 4; i++) await (i % 2 ? a : b).queue.add({ jobId: `queued-${i}` });
      const error = await refusal(a.admission.admit(user, randomUUID()));
      expect(error.code).toBe('QUEUE_FULL');
      expect(error.details).toMatchObject({ maxQueueLength: 4 });
      expect(error.details?.retryAfter).toBeGreaterThanOrEqual(1);
      // A runner finishes one: room again, and the refusal cost the user nothing.
      const [entry] = await b.queue.read('runner', { count: 1, blockMs: 0 });
      await b.queue.ack([entry!.id]);
      expect(await admitMany([a.admission], user, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    });
  });
}
