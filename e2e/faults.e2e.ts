import { photo } from '@pixelflow/testing';
import { describe, expect, it } from 'vitest';
import { register } from './helpers/accounts.ts';
import { useCluster } from './helpers/cluster.ts';
import { useFaultConverters } from './helpers/faults.ts';

// Faults that must not lose a job, with real processes killed for real. The tests run in order:
// later ones work with the instances earlier ones left alive.
const faults = useFaultConverters({ delayMs: 2000 });

const env = useCluster('faults', {
  jobsInstances: 2,
  // Three are killed one after another below; the last test needs two still alive.
  conversionInstances: 5,
  get extraConverters() {
    return { slow: faults.urls.slow, fail: faults.urls.fail, die: faults.urls.die, busy: faults.urls.busy };
  },
  // Short leases and heartbeats so that a dead runner's job is reclaimed within seconds; at
  // SIGTERM a running job has 4 s to finish before it is handed back.
  serviceEnv: { conversion: { LEASE_MS: '2000', HEARTBEAT_MS: '400', SHUTDOWN_DRAIN_MS: '4000' } },
});

const input = () => photo('mate/nature/Garden.jpg');

async function runningOn(jobId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const call = faults.calls.find((c) => c.jobId === jobId);
    if (call) return env.cluster.instances('conversion').find((p) => p.instanceId === call.runner)!;
    if (Date.now() > deadline) throw new Error(`job ${jobId} never reached the converter`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a failing converter', () => {
  for (const [mode, what] of [
    ['fail', 'answers 500'],
    ['die', 'drops the connection mid-request'],
  ] as const) {
    it(`that ${what} fails the job with a code; the subscriber sees it and nothing hangs`, async () => {
      const started = Date.now();
      const { data, errors } = await env.client.convert(input(), mode);
      expect(errors, JSON.stringify(errors)).toBeUndefined();
      const id = data!.convertImage.id;
      const subscription = env.client.subscribe(id);
      const failed = await subscription.until((e) => e.status === 'FAILED', 20_000);
      expect(failed.error?.code).toBe('CONVERTER_FAILED');
      expect(failed.error?.message).toBeTruthy();
      await subscription.done;

      expect(await env.client.poll(id)).toMatchObject({
        outcome: 'JobFailed',
        job: { error: { code: 'CONVERTER_FAILED' } },
      });
      const result = await env.client.result(id);
      expect(result.status).toBe(502);
      expect(result.json).toMatchObject({ error: { code: 'CONVERTER_FAILED' } });
      // The runner retried a bounded number of times (1 + 2 retries), then gave up.
      expect(faults.calls.filter((c) => c.jobId === id)).toHaveLength(3);
      expect(Date.now() - started).toBeLessThan(15_000);
    });
  }
});

describe('a busy converter', () => {
  it('that answers 503 with Retry-After: the job waits its turn and succeeds', async () => {
    const started = Date.now();
    const { data, errors } = await env.client.convert(input(), 'busy');
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const id = data!.convertImage.id;
    const done = await env.client.subscribe(id).until((e) => e.status === 'SUCCEEDED', 20_000);
    expect(done.resultUrl).toBeTruthy();
    // Two 503s, each waited out for its Retry-After of 1 s, then the conversion.
    expect(faults.calls.filter((c) => c.jobId === id)).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });
});

describe('a subscriber whose socket drops', () => {
  it('gets the current state on reconnecting, and never an older event', async () => {
    const { data, errors } = await env.client.convert(input(), 'slow');
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const id = data!.convertImage.id;
    const first = env.client.subscribe(id);
    const running = await first.until((e) => e.status === 'RUNNING');
    env.client.dropSocket();
    // While the socket is down the job finishes.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const second = env.client.subscribe(id);
    await second.done;
    expect(second.events[0]!.sequence).toBeGreaterThan(running.sequence);
    expect(second.events.map((e) => e.status)).toEqual(['SUCCEEDED']);
  });
});

describe('the queue in the metrics', () => {
  it('shows a running job under its converter at the instance that keeps the queue', async () => {
    const { data, errors } = await env.client.convert(input(), 'slow', { params: { delayMs: 4000 } });
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const id = data!.convertImage.id;
    await runningOn(id);
    // One instance holds the keeper's lease and reports the queue; the others report nothing.
    const reports = async () =>
      Promise.all(
        env.cluster
          .instances('conversion')
          .filter((p) => p.child.exitCode === null)
          .map(async (p) => (await fetch(`${p.url}/metrics`)).text()),
      );
    const running = /^pixelflow_queue_jobs\{service="conversion",converter="slow",state="running"\} 1$/m;
    let seen: string[] = [];
    for (let i = 0; i < 40; i++) {
      seen = (await reports()).filter((text) => running.test(text));
      if (seen.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen.length).toBe(1);
    expect(seen[0]).toMatch(
      /^pixelflow_queue_oldest_wait_seconds\{service="conversion",converter="slow"\} 0$/m,
    );
    await env.client.subscribe(id).until((e) => e.status === 'SUCCEEDED', 30_000);
  });
});

describe('instances that die', () => {
  it('SIGKILL of the conversion instance running a job: another one finishes it, the subscriber sees it', async () => {
    const { data, errors } = await env.client.convert(input(), 'slow');
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const id = data!.convertImage.id;
    const subscription = env.client.subscribe(id);
    const victim = await runningOn(id);
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');

    const done = await subscription.until((e) => e.status === 'SUCCEEDED', 30_000);
    expect(done.resultUrl).toContain(id);
    const calls = faults.calls.filter((c) => c.jobId === id);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.at(-1)!.runner).not.toBe(victim.instanceId);
    expect((await env.client.result(id)).status).toBe(200);
    // Events stayed in order through the takeover (RUNNING again, then SUCCEEDED).
    const sequences = subscription.events.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    // The instance that took it over counted the reclaim in its metrics.
    const taker = env.cluster.instances('conversion').find((p) => p.instanceId === calls.at(-1)!.runner)!;
    const scraped = await (await fetch(`${taker.url}/metrics`)).text();
    expect(scraped).toMatch(/^pixelflow_job_reclaims_total\{service="conversion"\} [1-9]/m);
  });

  it("a signed-in user's job that ran twice is saved to the gallery once", async () => {
    const account = await register(env.cluster.gatewayUrl);
    const { data } = await account.client.convert(input(), 'slow');
    const id = data!.convertImage.id;
    const subscription = account.client.subscribe(id);
    const victim = await runningOn(id);
    victim.child.kill('SIGKILL');
    await victim.exited;
    await subscription.until((e) => e.status === 'SUCCEEDED', 30_000);
    expect(faults.calls.filter((c) => c.jobId === id).length).toBeGreaterThanOrEqual(2);
    const { data: gallery } = await account.client.graphql<{
      me: { images: { edges: Array<{ node: { kind: string } }> } };
    }>('{ me { images(first: 10) { edges { node { kind } } } } }');
    expect(gallery!.me.images.edges.map((e) => e.node.kind)).toEqual(['CONVERTED', 'ORIGINAL']);
  });

  it('SIGKILL of a jobs instance mid-job: the job and its subscriber carry on through the other', async () => {
    const { data, errors } = await env.client.convert(input(), 'slow');
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const id = data!.convertImage.id;
    const subscription = env.client.subscribe(id);
    await subscription.until((e) => e.status === 'RUNNING');
    const victim = env.cluster.instances('jobs')[0]!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    const done = await subscription.until((e) => e.status === 'SUCCEEDED', 30_000);
    expect(done.id).toBe(id);
    expect((await env.client.poll(id)).outcome).toBe('JobDone');
  });

  it('SIGTERM of a conversion instance lets its job in flight finish, then it exits 0', async () => {
    const { data, errors } = await env.client.convert(input(), 'slow');
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const id = data!.convertImage.id;
    const subscription = env.client.subscribe(id);
    const victim = await runningOn(id);
    victim.child.kill('SIGTERM');
    const done = await subscription.until((e) => e.status === 'SUCCEEDED', 30_000);
    expect(await victim.exited).toBe(0);
    expect(done.status).toBe('SUCCEEDED');
    // Finished by the instance that was stopping, not taken over by another.
    expect(faults.calls.filter((c) => c.jobId === id).map((c) => c.runner)).toEqual([victim.instanceId]);
  });

  it('SIGTERM during a conversion longer than the drain: handed back, finished elsewhere, exit 0 at once', async () => {
    const { data, errors } = await env.client.convert(input(), 'slow', { params: { delayMs: 8000 } });
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const id = data!.convertImage.id;
    const subscription = env.client.subscribe(id);
    const victim = await runningOn(id);
    await subscription.until((e) => e.status === 'RUNNING');
    const stoppedAt = Date.now();
    victim.child.kill('SIGTERM');
    expect(await victim.exited).toBe(0);
    // The drain (4 s) and the hand-back, well inside a 30 s grace period.
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    const done = await subscription.until((e) => e.status === 'SUCCEEDED', 30_000);
    expect(done.resultUrl).toContain(id);
    // Consecutive events of one status are one state (a waiting job's place in line changes).
    const statuses = subscription.events.map((e) => e.status).filter((s, i, all) => s !== all[i - 1]);
    // RUNNING, handed back (QUEUED, without progress), RUNNING elsewhere, SUCCEEDED.
    expect(statuses.slice(statuses.indexOf('RUNNING'))).toEqual([
      'RUNNING',
      'QUEUED',
      'RUNNING',
      'SUCCEEDED',
    ]);
    expect(subscription.events.find((e, i) => i > 0 && e.status === 'QUEUED')?.progress).toBeNull();
    const calls = faults.calls.filter((c) => c.jobId === id);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.runner).not.toBe(victim.instanceId);
    expect((await env.client.result(id)).status).toBe(200);
  });
});
