import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMemoryDrivers, type KeyValueDrivers } from '@pixelflow/drivers';
import { JOB_TTL_MS, RESULT_RETENTION_MS } from '@pixelflow/product';
import { exposition } from '@pixelflow/telemetry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobModel } from '../job.ts';
import { type Change, JobStore } from './job-store.ts';

let drivers: KeyValueDrivers;
beforeEach(() => {
  drivers = createMemoryDrivers();
});
afterEach(async () => {
  await drivers.close();
});

const storeWith = (ttlMs = JOB_TTL_MS, now?: () => Date, retentionMs = RESULT_RETENTION_MS) =>
  new JobStore({ ...drivers, ttlMs, retentionMs, now });

async function queued(store: JobStore, owner: string | null = null): Promise<JobModel> {
  return store.create({ id: randomUUID(), converter: 'grayscale', owner });
}

/** The job of a change that applied; fails the test otherwise. */
function applied(change: Change): JobModel {
  expect(change.ok).toBe(true);
  return (change as { job: JobModel }).job;
}

function conflict(change: Change): JobModel {
  expect(change).toMatchObject({ ok: false, reason: 'conflict' });
  return (change as { job: JobModel }).job;
}

describe('JobStore', () => {
  it('creates a QUEUED job at sequence 1', async () => {
    const store = storeWith(JOB_TTL_MS, () => new Date('2026-11-05T10:00:00.000Z'));
    const id = randomUUID();
    expect(await store.create({ id, converter: 'grayscale', owner: 'user-1' })).toEqual({
      id,
      converter: 'grayscale',
      steps: ['grayscale'],
      status: 'QUEUED',
      progress: null,
      error: null,
      sequence: 1,
      createdAt: '2026-11-05T10:00:00.000Z',
      updatedAt: '2026-11-05T10:00:00.000Z',
      owner: 'user-1',
      attempts: 0,
      result: null,
      expiresAt: null,
      notice: null,
      queue: null,
    });
    expect((await queued(store)).owner).toBeNull();
  });

  it('returns the existing job when the same id is created again', async () => {
    const store = storeWith();
    const job = await queued(store);
    applied(await store.start(job.id, 1));
    const again = await store.create({ id: job.id, converter: 'blur', owner: 'someone-else' });
    expect(again).toMatchObject({ id: job.id, converter: 'grayscale', owner: null, status: 'RUNNING' });
    expect(again.sequence).toBe(2);
  });

  it('runs a job through start, progress and complete, one sequence number per change', async () => {
    const store = storeWith();
    const job = await queued(store);
    const started = applied(await store.start(job.id, 1));
    expect(started).toMatchObject({ status: 'RUNNING', progress: 0, attempts: 1, sequence: 2 });
    expect(applied(await store.progress(job.id, 0.25))).toMatchObject({ progress: 0.25, sequence: 3 });
    expect(applied(await store.progress(job.id, 0.5))).toMatchObject({ progress: 0.5, sequence: 4 });
    const done = applied(await store.complete(job.id, Buffer.from('png bytes'), 'image/png', 1));
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      progress: 1,
      sequence: 5,
      result: { contentType: 'image/png', bytes: 9 },
      error: null,
    });
    expect(await store.get(job.id)).toEqual(done);
  });

  it('resets progress and counts the attempt when a reclaimed job starts again', async () => {
    const store = storeWith();
    const job = await queued(store);
    applied(await store.start(job.id, 1));
    applied(await store.progress(job.id, 0.8));
    expect(applied(await store.start(job.id, 2))).toMatchObject({
      status: 'RUNNING',
      progress: 0,
      attempts: 2,
    });
  });

  it('takes a RUNNING job back to QUEUED without progress when its runner gives it back', async () => {
    const store = storeWith();
    const job = await queued(store);
    applied(await store.start(job.id, 1));
    applied(await store.progress(job.id, 0.4));
    const back = applied(await store.requeue(job.id));
    expect(back).toMatchObject({ status: 'QUEUED', progress: null, attempts: 1, sequence: 4 });
    // Another runner takes it: the same attempt, since giving back is no failure.
    expect(applied(await store.start(job.id, 1))).toMatchObject({ status: 'RUNNING', progress: 0 });
    applied(await store.complete(job.id, Buffer.from('x'), 'image/png', 1));
    expect(conflict(await store.requeue(job.id)).status).toBe('SUCCEEDED');
    expect(conflict(await store.requeue((await queued(store)).id)).status).toBe('QUEUED');
  });

  it('clamps progress into 0..1', async () => {
    const store = storeWith();
    const job = await queued(store);
    applied(await store.start(job.id, 1));
    expect(applied(await store.progress(job.id, 1.7)).progress).toBe(1);
    expect(applied(await store.progress(job.id, -3)).progress).toBe(0);
    expect(applied(await store.progress(job.id, Number.NaN)).progress).toBe(0);
  });

  it('takes progress only while RUNNING', async () => {
    const store = storeWith();
    const job = await queued(store);
    expect(conflict(await store.progress(job.id, 0.5))).toMatchObject({ status: 'QUEUED', sequence: 1 });
    applied(await store.fail(job.id, 'CONVERTER_FAILED', 'boom'));
    expect(conflict(await store.progress(job.id, 0.5))).toMatchObject({ status: 'FAILED', progress: null });
  });

  it('changes nothing once the job SUCCEEDED', async () => {
    const store = storeWith();
    const job = await queued(store);
    applied(await store.start(job.id, 1));
    const done = applied(await store.complete(job.id, Buffer.from('first'), 'image/png', 1));
    for (const change of [
      await store.start(job.id, 2),
      await store.progress(job.id, 0.3),
      await store.fail(job.id, 'CONVERTER_FAILED', 'late failure'),
    ]) {
      expect(conflict(change)).toEqual(done);
    }
    expect(await store.get(job.id)).toEqual(done);
  });

  it('records the error of a FAILED job and refuses a later result', async () => {
    const store = storeWith();
    const job = await queued(store);
    const failed = applied(await store.fail(job.id, 'ATTEMPTS_EXHAUSTED', 'tried 3 times'));
    expect(failed).toMatchObject({
      status: 'FAILED',
      error: { code: 'ATTEMPTS_EXHAUSTED', message: 'tried 3 times' },
      sequence: 2,
    });
    expect(conflict(await store.complete(job.id, Buffer.from('x'), 'image/png', 1))).toEqual(failed);
    expect(await drivers.blobs.get(`job:${job.id}:result:1`)).toBeNull();
    expect(await store.result(job.id)).toEqual({ job: failed, data: null });
  });

  it('reports a change to an unknown job as missing and keeps no result for it', async () => {
    const store = storeWith();
    const id = randomUUID();
    expect(await store.start(id, 1)).toEqual({ ok: false, reason: 'missing' });
    expect(await store.complete(id, Buffer.from('x'), 'image/png', 1)).toEqual({
      ok: false,
      reason: 'missing',
    });
    expect(await drivers.blobs.get(`job:${id}:result:1`)).toBeNull();
    expect(await store.get(id)).toBeNull();
    expect(await store.result(id)).toBeNull();
  });

  it('round-trips the result bytes and offers none before the job SUCCEEDED', async () => {
    const store = storeWith();
    const job = await queued(store);
    expect(await store.result(job.id)).toEqual({ job, data: null });
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    applied(await store.complete(job.id, bytes, 'image/webp', 1));
    const result = await store.result(job.id);
    expect(result?.job.result).toEqual({ contentType: 'image/webp', bytes: 256 });
    expect(result?.data?.equals(bytes)).toBe(true);
  });

  it('keeps the first result when a second run after a reclaim completes too', async () => {
    const store = storeWith();
    const job = await queued(store);
    const first = applied(await store.complete(job.id, Buffer.from('first run'), 'image/png', 1));
    expect(conflict(await store.complete(job.id, Buffer.from('second run!'), 'image/jpeg', 2))).toEqual(
      first,
    );
    expect((await store.result(job.id))?.data?.toString()).toBe('first run');
    expect(await drivers.blobs.get(`job:${job.id}:result:2`)).toBeNull();
  });

  it('keeps the first result when complete() is called twice for the same attempt', async () => {
    const store = storeWith();
    const job = await queued(store);
    applied(await store.complete(job.id, Buffer.from('first'), 'image/png', 1));
    conflict(await store.complete(job.id, Buffer.from('retry'), 'image/png', 1));
    expect((await store.result(job.id))?.data?.toString()).toBe('first');
  });

  it('lets a job lapse after ttlMs without a heartbeat', async () => {
    const store = storeWith(300);
    const job = await queued(store);
    await sleep(400);
    expect(await store.get(job.id)).toBeNull();
    expect(await store.heartbeat([job.id])).toEqual([null]);
  });

  it('keeps a job alive past ttlMs while heartbeats renew it', async () => {
    const store = storeWith(300);
    const job = await queued(store);
    const gone = randomUUID();
    for (let beat = 0; beat < 6; beat++) {
      await sleep(100);
      expect(await store.heartbeat([job.id, gone])).toEqual(['QUEUED', null]);
    }
    // 600 ms after creation, twice the TTL, the job is still there, unchanged.
    expect(await store.get(job.id)).toEqual(job);
    await sleep(400);
    expect(await store.get(job.id)).toBeNull();
  });

  it('renews only queued jobs when asked to, so that the job of a stopped runner still lapses', async () => {
    const store = storeWith(300);
    const waiting = await queued(store);
    const running = await queued(store);
    applied(await store.start(running.id, 1));
    for (let beat = 0; beat < 4; beat++) {
      await sleep(100);
      expect(await store.heartbeat([waiting.id, running.id], 'QUEUED')).toEqual(
        beat < 2 ? ['QUEUED', 'RUNNING'] : ['QUEUED', null],
      );
    }
    expect(await store.get(waiting.id)).toMatchObject({ status: 'QUEUED' });
    expect(await store.get(running.id)).toBeNull();
  });

  it("keeps a queued job's place in line, publishes only changes, and forgets it once the job runs", async () => {
    const store = storeWith();
    const job = await queued(store);
    const events: JobModel[] = [];
    const stop = await store.listen(job.id, (event) => events.push(event));
    const place = {
      position: 3,
      estimatedStartAt: '2026-12-02T10:00:40.000Z',
      estimatedFinishAt: '2026-12-02T10:01:00.000Z',
    };
    expect(await store.place(job.id, place)).toBe(true);
    expect((await store.get(job.id))?.queue).toEqual(place);
    // The same place, or estimates that moved by a second: no change, no event.
    expect(await store.place(job.id, place)).toBe(false);
    expect(await store.place(job.id, { ...place, estimatedStartAt: '2026-12-02T10:00:41.000Z' })).toBe(false);
    expect(await store.place(job.id, { ...place, position: 2 })).toBe(true);
    applied(await store.start(job.id, 1));
    expect((await store.get(job.id))?.queue).toBeNull();
    expect(await store.place(job.id, { ...place, position: 1 })).toBe(false);
    await sleep(20);
    await stop();
    expect(events.map((event) => event.queue?.position ?? event.status)).toEqual([3, 2, 'RUNNING']);
  });

  describe('retention', () => {
    it('keeps a finished job and its result for the retention, far past the heartbeat TTL', async () => {
      const store = storeWith(200, undefined, 900);
      const [done, failed] = [await queued(store), await queued(store)];
      applied(await store.start(done.id, 1));
      const before = Date.now();
      const succeeded = applied(await store.complete(done.id, Buffer.from('result'), 'image/png', 1));
      applied(await store.fail(failed.id, 'CONVERTER_FAILED', 'broke'));
      const expiresAt = Date.parse(succeeded.expiresAt ?? '');
      expect(expiresAt).toBeGreaterThanOrEqual(before + 900);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 900);
      await sleep(500); // more than twice the heartbeat TTL
      expect((await store.result(done.id))?.data?.toString()).toBe('result');
      const resultKey = (await drivers.records.get(`job:${done.id}`))?.fields.resultKey ?? '';
      expect(await store.get(failed.id)).toMatchObject({ status: 'FAILED', expiresAt: expect.any(String) });
      await sleep(600); // past the retention: both are gone, the result bytes too
      expect(await store.result(done.id)).toBeNull();
      expect(await store.get(failed.id)).toBeNull();
      expect(resultKey).not.toBe('');
      expect(await drivers.blobs.get(resultKey)).toBeNull();
    });

    it('cancels a queued or running job, keeps it for the retention, and lets nothing run or finish it', async () => {
      const store = storeWith(200, undefined, 900);
      const [waiting, running] = [await queued(store), await queued(store)];
      applied(await store.start(running.id, 1));
      for (const job of [waiting, running]) {
        expect(applied(await store.cancel(job.id))).toMatchObject({
          status: 'CANCELLED',
          error: { code: 'JOB_CANCELLED' },
          expiresAt: expect.any(String),
        });
      }
      expect(conflict(await store.start(waiting.id, 1)).status).toBe('CANCELLED');
      expect(conflict(await store.complete(running.id, Buffer.from('late'), 'image/png', 1)).status).toBe(
        'CANCELLED',
      );
      expect(conflict(await store.cancel(running.id)).status).toBe('CANCELLED');
      expect(await store.heartbeat([waiting.id, running.id])).toEqual(['CANCELLED', 'CANCELLED']);
      await sleep(450); // past twice the heartbeat TTL, within the retention
      expect(await store.get(running.id)).toMatchObject({ status: 'CANCELLED' });
    });

    it('has no expiry while a job waits or runs', async () => {
      const store = storeWith();
      const job = await queued(store);
      expect(job.expiresAt).toBeNull();
      expect(applied(await store.start(job.id, 1)).expiresAt).toBeNull();
    });

    it('does not cut a finished job short when a late heartbeat names it', async () => {
      const store = storeWith(200, undefined, 900);
      const job = await queued(store);
      applied(await store.start(job.id, 1));
      applied(await store.complete(job.id, Buffer.from('result'), 'image/png', 1));
      // The runner of a second attempt still heart-beats the job for a while.
      for (let beat = 0; beat < 3; beat++) {
        expect(await store.heartbeat([job.id])).toEqual(['SUCCEEDED']);
        await sleep(150);
      }
      await sleep(200); // 650 ms after it finished, more than three heartbeat TTLs
      expect(await store.get(job.id)).toMatchObject({ status: 'SUCCEEDED' });
    });
  });

  it('fails a job on a queue timeout only while it is still queued', async () => {
    const store = storeWith();
    const waiting = await queued(store);
    expect(applied(await store.fail(waiting.id, 'QUEUE_TIMEOUT', 'waited', 'QUEUED'))).toMatchObject({
      status: 'FAILED',
      error: { code: 'QUEUE_TIMEOUT' },
    });
    const started = await queued(store);
    applied(await store.start(started.id, 1));
    expect(conflict(await store.fail(started.id, 'QUEUE_TIMEOUT', 'waited', 'QUEUED')).status).toBe(
      'RUNNING',
    );
  });

  it('tells listeners every later state in order, refused changes not included', async () => {
    const store = storeWith();
    const job = await queued(store);
    const seen: Array<[number, string, number | null]> = [];
    const unlisten = await store.listen(job.id, (event) =>
      seen.push([event.sequence, event.status, event.progress]),
    );
    applied(await store.start(job.id, 1));
    applied(await store.progress(job.id, 0.5));
    applied(await store.complete(job.id, Buffer.from('x'), 'image/png', 1));
    conflict(await store.fail(job.id, 'CONVERTER_FAILED', 'too late'));
    await sleep(0);
    await unlisten();
    expect(seen).toEqual([
      [2, 'RUNNING', 0],
      [3, 'RUNNING', 0.5],
      [4, 'SUCCEEDED', 1],
    ]);
  });

  it('stops telling a listener once it unlistens', async () => {
    const store = storeWith();
    const job = await queued(store);
    const seen: number[] = [];
    const unlisten = await store.listen(job.id, (event) => seen.push(event.sequence));
    await unlisten();
    applied(await store.start(job.id, 1));
    await sleep(0);
    expect(seen).toEqual([]);
  });
});

describe('JobStore metrics', () => {
  /** The counters' values for one converter, read from the registry. */
  async function counts(converter: string) {
    const { body } = await exposition();
    const value = (prefix: string) =>
      body
        .split('\n')
        .filter((line) => line.startsWith(prefix) && line.includes(`converter="${converter}"`))
        .map((line) => `${line.slice(line.indexOf('{'), line.lastIndexOf(' '))} ${line.split(' ').at(-1)}`);
    return {
      created: value('pixelflow_jobs_created_total'),
      finished: value('pixelflow_jobs_finished_total'),
      timed: value('pixelflow_job_duration_seconds_count'),
    };
  }

  it('counts a job created once however often it is created, and finished once however often it ends', async () => {
    const store = storeWith();
    const converter = `metered-${randomUUID().slice(0, 8)}`;
    const id = randomUUID();
    await store.create({ id, converter, owner: null });
    await store.create({ id, converter, owner: null });
    applied(await store.start(id, 1));
    applied(await store.complete(id, Buffer.from('x'), 'image/png', 1));
    // A second run's result after a reclaim, and a late failure: refused, not counted.
    conflict(await store.complete(id, Buffer.from('y'), 'image/png', 2));
    conflict(await store.fail(id, 'CONVERTER_FAILED', 'late'));
    const failing = (await store.create({ id: randomUUID(), converter, owner: null })).id;
    applied(await store.fail(failing, 'CONVERTER_FAILED', 'it broke'));
    const odd = (await store.create({ id: randomUUID(), converter, owner: null })).id;
    applied(await store.fail(odd, 'SOMETHING_A_CONVERTER_MADE_UP', 'hm'));
    expect(await counts(converter)).toEqual({
      created: [`{service="jobs",converter="${converter}"} 3`],
      finished: [
        `{service="jobs",converter="${converter}",outcome="SUCCEEDED",code=""} 1`,
        `{service="jobs",converter="${converter}",outcome="FAILED",code="CONVERTER_FAILED"} 1`,
        `{service="jobs",converter="${converter}",outcome="FAILED",code="OTHER"} 1`,
      ],
      timed: [
        `{service="jobs",converter="${converter}",outcome="SUCCEEDED"} 1`,
        `{service="jobs",converter="${converter}",outcome="FAILED"} 2`,
      ],
    });
  });
});
