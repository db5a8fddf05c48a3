import { photo } from '@pixelflow/testing';
import { describe, expect, it } from 'vitest';
import { useCluster } from './helpers/cluster.ts';
import { useFaultConverters } from './helpers/faults.ts';

// Jobs are ephemeral: a job is gone after the TTL without a heartbeat (100 s in production,
// 3 s here), and so is a finished job and its result.
const faults = useFaultConverters({ delayMs: 1000 });

const ttl = 3000;
const env = useCluster('job-ttl', {
  jobsInstances: 1,
  conversionInstances: 2,
  get extraConverters() {
    return { slow: faults.urls.slow };
  },
  env: { JOB_TTL_MS: String(ttl) },
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
    // Subscribed at once: a finished job lives only the TTL, and they finish at different times.
    const subscriptions = ids.map((id) => env.client.subscribe(id));
    for (const subscription of subscriptions) {
      const done = await subscription.until((e) => e.status === 'SUCCEEDED', 20_000);
      expect(done.progress).toBe(1);
    }
    // The last job really did wait longer than the TTL.
    const started = faults.calls.filter((c) => ids.includes(c.jobId ?? '')).map((c) => c.at);
    expect(Math.max(...started) - Math.min(...started)).toBeGreaterThan(ttl);
  });

  it('a finished job and its result are gone after the TTL', async () => {
    const { data } = await env.client.convert(photo('mate/nature/Garden.jpg'), 'grayscale');
    const id = data!.convertImage.id;
    await env.client.subscribe(id).until((e) => e.status === 'SUCCEEDED');
    expect((await env.client.result(id)).status).toBe(200);
    await sleep(ttl + 500);
    expect(await env.client.poll(id)).toEqual({ outcome: 'JobNotFound', job: null });
    expect((await env.client.result(id)).status).toBe(404);
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
