import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@pixelflow/launcher/cluster';
import { PixelflowClient, photo } from '@pixelflow/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { useCluster } from './helpers/cluster.ts';
import { startEmbedded } from './helpers/embedded.ts';
import { useFaultConverters } from './helpers/faults.ts';

// A job that waits or runs is gone after the TTL without a heartbeat (100 s in production, 3 s
// here); a finished one and its result stay for the retention (1 hour in production, 8 s here).
const faults = useFaultConverters({ delayMs: 1000 });

const ttl = 3000;
const retention = 8000;
const env = useCluster('job-ttl', {
  jobsInstances: 1,
  conversionInstances: 2,
  get extraConverters() {
    return { slow: faults.urls.slow };
  },
  env: { JOB_TTL_MS: String(ttl), RESULT_RETENTION_MS: String(retention) },
  serviceEnv: {
    // One job at a time per instance: the last of several waits in the queue longer than the TTL.
    conversion: { HEARTBEAT_MS: '500', LEASE_MS: '2000', RUNNER_CONCURRENCY: '1' },
    jobs: { JOB_RECHECK_MS: '500' },
  },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('job expiry', () => {
  it('heartbeats keep a job alive past the TTL while it waits and runs', async () => {
    // The slow converter takes 1 s and each of the two runners takes one job at a time, so the
    // ninth job waits 4 s in the queue, past the 3 s TTL: it survives only through heartbeats.
    const ids = await Promise.all(
      Array.from(
        { length: 9 },
        async () => (await env.client.convert(photo('mate/nature/Garden.jpg'), 'slow')).data!.convertImage.id,
      ),
    );
    // Subscribed at once: they finish at different times.
    const subscriptions = ids.map((id) => env.client.subscribe(id));
    for (const subscription of subscriptions) {
      const done = await subscription.until((e) => e.status === 'SUCCEEDED', 20_000);
      expect(done.progress).toBe(1);
    }
    // The last job really did wait longer than the TTL.
    const started = faults.calls.filter((c) => ids.includes(c.jobId ?? '')).map((c) => c.at);
    expect(Math.max(...started) - Math.min(...started)).toBeGreaterThan(ttl);
  });

  it('a finished job and its result stay for the retention, far past the TTL, then are gone', async () => {
    const { data } = await env.client.convert(photo('mate/nature/Garden.jpg'), 'grayscale');
    const id = data!.convertImage.id;
    await env.client.subscribe(id).until((e) => e.status === 'SUCCEEDED');
    const finishedAt = Date.now();
    const first = await env.client.result(id);
    expect(first.status).toBe(200);
    const expiresAt = async () => {
      const { data: polled } = await env.client.graphql<{ job: { job?: { expiresAt: string | null } } }>(
        'query($id: ID!) { job(id: $id) { ... on JobDone { job { expiresAt } } } }',
        { id },
      );
      return polled?.job.job?.expiresAt;
    };
    const until = Date.parse((await expiresAt()) ?? '');
    expect(until - finishedAt).toBeGreaterThan(retention - 1000);
    expect(until - finishedAt).toBeLessThanOrEqual(retention);
    // Twice the heartbeat TTL later (what deleted results before): still there, the same bytes.
    await sleep(2 * ttl);
    expect(await env.client.poll(id)).toMatchObject({ outcome: 'JobDone' });
    const later = await env.client.result(id);
    expect([later.status, later.body.equals(first.body)]).toEqual([200, true]);
    // Past the retention, the job and its result are gone.
    await sleep(Math.max(0, until - Date.now()) + 500);
    expect(await env.client.poll(id)).toEqual({ outcome: 'JobNotFound', job: null });
    expect((await env.client.result(id)).status).toBe(404);
  });

  it('tells a waiting job its place in line, falling as the jobs ahead finish, with estimates', async () => {
    // One run first, so that this installation has measured the slow converter (about 1 s).
    const warm = (await env.client.convert(photo('mate/nature/Garden.jpg'), 'slow')).data!.convertImage.id;
    await env.client.subscribe(warm).until((e) => e.status === 'SUCCEEDED', 20_000);
    // Two runners, one job each: of six jobs, the last waits behind four. It has three steps.
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const andThen = i === 5 ? [{ converter: 'slow' }, { converter: 'slow' }] : undefined;
      const { data } = await env.client.convert(photo('mate/nature/Garden.jpg'), 'slow', { andThen });
      ids.push(data!.convertImage.id);
    }
    type Place = { position: number; estimatedStartAt: string | null; estimatedFinishAt: string | null };
    const events: Array<{ status: string; queue: Place | null }> = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not done: ${JSON.stringify(events)}`)), 30_000);
      env.client.rawSubscribe<{ jobUpdated: (typeof events)[number] }>(
        `subscription($id: ID!) { jobUpdated(id: $id) {
          status queue { position estimatedStartAt estimatedFinishAt } } }`,
        { id: ids.at(-1) },
        (result) => {
          const event = result.data?.jobUpdated;
          if (!event) return reject(new Error(JSON.stringify(result)));
          events.push(event);
          if (event.status === 'SUCCEEDED') {
            clearTimeout(timer);
            resolve();
          }
        },
      );
    });
    const places = events.flatMap((event) => (event.queue ? [event.queue] : []));
    const positions = places.map((place) => place.position);
    // It fell as the jobs ahead finished (the keeper looks every 500 ms, the jobs take 1 s on two
    // runners: it sees most places, not necessarily every one), then the job ran.
    expect(new Set(positions).size).toBeGreaterThanOrEqual(2);
    expect(positions[0]).toBeGreaterThanOrEqual(3);
    expect(positions.at(-1)).toBeLessThanOrEqual(2);
    expect(positions).toEqual([...positions].sort((a, b) => b - a));
    expect(events.at(-1)).toMatchObject({ status: 'SUCCEEDED', queue: null });
    // Estimates from the measured duration: the start before the finish, about three runs apart
    // (one per step).
    for (const place of places) {
      const [start, finish] = [
        Date.parse(place.estimatedStartAt ?? ''),
        Date.parse(place.estimatedFinishAt ?? ''),
      ];
      expect(finish - start).toBeGreaterThan(2000);
      expect(finish - start).toBeLessThan(10_000);
    }
  });

  it('queued jobs outlive the instance that took them: another one keeps them alive and runs them', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      ids.push((await env.client.convert(photo('mate/nature/Garden.jpg'), 'slow')).data!.convertImage.id);
    }
    const subscriptions = ids.map((id) => env.client.subscribe(id));
    // The gateway spread the uploads over both instances; one of them stops (it finishes the job it
    // runs) and leaves its share queued, with nobody left of the instance that accepted them.
    const [victim] = env.cluster.instances('conversion');
    victim!.child.kill('SIGTERM');
    expect(await victim!.exited).toBe(0);
    // One runner is left for eight one-second jobs: the last wait far past the 3 s TTL.
    for (const subscription of subscriptions) {
      const done = await subscription.until((e) => e.status === 'SUCCEEDED', 30_000);
      expect(done.progress).toBe(1);
    }
    await victim!.restart();
  });

  it('a job without a heartbeat for the TTL is gone: JobNotFound, 404, and its subscriber is told', async () => {
    const { data } = await env.client.convert(photo('mate/nature/Garden.jpg'), 'slow');
    const id = data!.convertImage.id;
    const subscription = env.client.subscribe(id);
    await subscription.until((e) => e.status === 'RUNNING');
    // Nobody is left to heartbeat the job.
    for (const instance of env.cluster.instances('conversion')) instance.child.kill('SIGKILL');
    await subscription.done;
    expect(subscription.errors[0]?.extensions?.code).toBe('JOB_NOT_FOUND');
    expect(subscription.events.at(-1)?.status).toBe('RUNNING');
    expect(await env.client.poll(id)).toEqual({ outcome: 'JobNotFound', job: null });
    const result = await env.client.result(id);
    expect(result.status).toBe(404);
    expect(result.json).toMatchObject({ error: { code: 'JOB_NOT_FOUND' } });
  });
});

describe('job expiry in pnpm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pixelflow-ttl-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps waiting jobs and their inputs (files there) alive past the TTL', async () => {
    const embedded = await startEmbedded({
      port: await freePort(),
      dataDir,
      env: {
        AI_CONVERTERS: 'false',
        EXTRA_CONVERTERS: `slow=${faults.urls.slow}`,
        JOB_TTL_MS: String(ttl),
        HEARTBEAT_MS: '500',
        RUNNER_CONCURRENCY: '1',
        MAX_ACTIVE_JOBS_ANONYMOUS: '10',
      },
    });
    const client = new PixelflowClient(embedded.url);
    try {
      // One runner, 1 s a job: the fifth waits about 4 s, past the 3 s TTL its input was put with.
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { data, errors } = await client.convert(photo('mate/nature/Garden.jpg'), 'slow');
        expect(errors, JSON.stringify(errors)).toBeUndefined();
        ids.push(data!.convertImage.id);
      }
      for (const id of ids) {
        const done = await client
          .subscribe(id)
          .until((e) => e.status !== 'QUEUED' && e.status !== 'RUNNING', 30_000);
        expect([id, done.status, done.error?.message]).toEqual([id, 'SUCCEEDED', undefined]);
      }
    } finally {
      await client.close();
      embedded.child.kill('SIGTERM');
      await embedded.exited;
    }
  });
});
