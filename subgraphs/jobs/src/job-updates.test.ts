import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMemoryDrivers, type KeyValueDrivers } from '@pixelflow/drivers';
import { AppError } from '@pixelflow/errors';
import { JOB_TTL_MS } from '@pixelflow/product';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobsSettings } from './env.ts';
import type { JobModel } from './job.ts';
import { type JobUpdate, openJobUpdates } from './job-updates.ts';
import { JobStore } from './store/job-store.ts';

let drivers: KeyValueDrivers;
let store: JobStore;
const opened: Array<AsyncIterableIterator<JobUpdate>> = [];

const storeWith = (ttlMs: number) => new JobStore({ ...drivers, ttlMs, retentionMs: ttlMs });

beforeEach(() => {
  drivers = createMemoryDrivers();
  store = storeWith(JOB_TTL_MS);
});
afterEach(async () => {
  for (const updates of opened.splice(0)) await updates.return?.();
  await drivers.close();
});

const { recheckMs } = jobsSettings.defaults;

async function open(id: string, recheckAfterMs = recheckMs): Promise<AsyncIterableIterator<JobUpdate>> {
  const updates = await openJobUpdates(store, id, { recheckMs: recheckAfterMs });
  opened.push(updates);
  return updates;
}

const queued = () => store.create({ id: randomUUID(), converter: 'grayscale', owner: null });

async function nextJob(updates: AsyncIterableIterator<JobUpdate>): Promise<JobModel> {
  const step = await updates.next();
  expect(step.done).toBe(false);
  expect(step.value).not.toBeInstanceOf(AppError);
  return step.value as JobModel;
}

/** The step, or 'pending' when none arrives within `ms`. */
const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, sleep(ms).then(() => 'pending' as const)]);

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('openJobUpdates', () => {
  it('yields the current state first', async () => {
    const job = await queued();
    await store.start(job.id, 1);
    const updates = await open(job.id);
    expect(await nextJob(updates)).toMatchObject({ id: job.id, status: 'RUNNING', sequence: 2 });
  });

  it('yields each later change in order and ends after SUCCEEDED', async () => {
    const job = await queued();
    const updates = await open(job.id);
    expect((await nextJob(updates)).sequence).toBe(1);
    await store.start(job.id, 1);
    await store.progress(job.id, 0.5);
    await store.complete(job.id, Buffer.from('x'), 'image/png', 1);
    const events = [await nextJob(updates), await nextJob(updates), await nextJob(updates)];
    expect(events.map((e) => [e.sequence, e.status, e.progress])).toEqual([
      [2, 'RUNNING', 0],
      [3, 'RUNNING', 0.5],
      [4, 'SUCCEEDED', 1],
    ]);
    expect(await updates.next()).toEqual({ done: true, value: undefined });
    expect(await updates.next()).toEqual({ done: true, value: undefined });
  });

  it('ends after FAILED, and at once for a job that had already finished', async () => {
    const job = await queued();
    const updates = await open(job.id);
    await nextJob(updates);
    await store.fail(job.id, 'CONVERTER_FAILED', 'boom');
    expect(await nextJob(updates)).toMatchObject({ status: 'FAILED', error: { code: 'CONVERTER_FAILED' } });
    expect((await updates.next()).done).toBe(true);

    const finished = await open(job.id);
    expect((await nextJob(finished)).status).toBe('FAILED');
    expect((await within(finished.next(), 200)) as IteratorResult<JobUpdate>).toEqual({
      done: true,
      value: undefined,
    });
  });

  it('never yields a change twice when it lands between subscribing and reading', async () => {
    const job = await queued();
    // The update runs while openJobUpdates is between its subscribe and its read.
    const [updates] = await Promise.all([
      openJobUpdates(store, job.id, { recheckMs }),
      store.start(job.id, 1),
    ]);
    opened.push(updates);
    expect(await nextJob(updates)).toMatchObject({ status: 'RUNNING', sequence: 2 });
    await store.progress(job.id, 0.4);
    expect(await nextJob(updates)).toMatchObject({ progress: 0.4, sequence: 3 });
  });

  it('skips events that are not newer than the last one yielded', async () => {
    const job = await queued();
    const updates = await open(job.id);
    await nextJob(updates);
    await store.start(job.id, 1);
    // A stale duplicate of an older state on the job's channel (e.g. a reconnecting publisher).
    const stale = await drivers.records.get(`job:${job.id}`);
    await store.progress(job.id, 0.9);
    await drivers.pubsub.publish(`job:${job.id}`, JSON.stringify(stale));
    await store.complete(job.id, Buffer.from('x'), 'image/png', 1);
    const sequences = [];
    for await (const event of updates) sequences.push((event as JobModel).sequence);
    expect(sequences).toEqual([2, 3, 4]);
  });

  it('rereads the job after recheckMs of silence and yields a change whose event was lost', async () => {
    const job = await queued();
    const updates = await open(job.id, 50);
    await nextJob(updates);
    // Pub/sub is at-most-once: this change is stored but its event never arrives.
    await drivers.records.update(
      `job:${job.id}`,
      { status: 'RUNNING', progress: '0.3' },
      { ttlMs: JOB_TTL_MS },
    );
    expect(await nextJob(updates)).toMatchObject({ status: 'RUNNING', progress: 0.3, sequence: 2 });
  });

  it('throws JOB_NOT_FOUND for an unknown job and for an id that is no UUID', async () => {
    const unknown = await rejection(openJobUpdates(store, randomUUID(), { recheckMs }));
    expect(unknown.code).toBe('JOB_NOT_FOUND');
    for (const id of ['', 'job-1', "1' OR '1'='1", `${randomUUID()}x`]) {
      expect((await rejection(openJobUpdates(store, id, { recheckMs }))).code).toBe('JOB_NOT_FOUND');
    }
  });

  it('yields JOB_NOT_FOUND as an AppError when the job expires mid-stream, then ends', async () => {
    store = storeWith(200);
    const job = await queued();
    const updates = await open(job.id, 50);
    await nextJob(updates);
    const step = await updates.next();
    expect(step.done).toBe(false);
    expect(step.value).toBeInstanceOf(AppError);
    expect((step.value as AppError).code).toBe('JOB_NOT_FOUND');
    expect((step.value as AppError).message).toContain(job.id);
    expect(await updates.next()).toEqual({ done: true, value: undefined });
  });

  it('resolves a pending next() promptly with done when return() is called', async () => {
    const job = await queued();
    // A long recheck: without return() the pending next() would wait 10 s.
    const updates = await open(job.id, 10_000);
    await nextJob(updates);
    const pending = updates.next();
    await sleep(20);
    const started = performance.now();
    expect(await updates.return?.()).toEqual({ done: true, value: undefined });
    expect(await within(pending, 500)).toEqual({ done: true, value: undefined });
    expect(performance.now() - started).toBeLessThan(500);
    // Later changes reach nobody and the stream stays ended.
    await store.start(job.id, 1);
    expect(await within(updates.next(), 200)).toEqual({ done: true, value: undefined });
  });

  it('ends when a for-await loop breaks out of it', async () => {
    const job = await queued();
    const updates = await open(job.id, 10_000);
    for await (const event of updates) {
      expect((event as JobModel).status).toBe('QUEUED');
      break;
    }
    await store.start(job.id, 1);
    expect(await within(updates.next(), 200)).toEqual({ done: true, value: undefined });
  });
});
