import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { photo } from '@pixelflow/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { useCluster } from './helpers/cluster.ts';

// DeepDream and upscaling through the whole system: their converters run as their own processes,
// report progress, and the job's subscribers see it rise.
const env = useCluster('ai-converters', {
  jobsInstances: 1,
  conversionInstances: 1,
  aiConverters: true,
  // One job at a time, so that a second one waits QUEUED behind the first; two heavy jobs per
  // address at once (one by default), so that one client can have both.
  serviceEnv: { conversion: { RUNNER_CONCURRENCY: '1', MAX_ACTIVE_HEAVY_JOBS_ANONYMOUS: '2' } },
});

/** CPU seconds a process (all its threads) has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
}

/** The share of a core a process uses over `ms`. */
async function cpuLoad(pid: number, ms = 1000): Promise<number> {
  const before = cpuSeconds(pid);
  await sleep(ms);
  return (cpuSeconds(pid) - before) / (ms / 1000);
}

const cancelMutation = `mutation($id: ID!, $token: String) {
  cancelJob(id: $id, cancelToken: $token) { id status error { code } } }`;

async function smallPhoto(size: number): Promise<Buffer> {
  return sharp(photo('mate/nature/Garden.jpg')).resize(size, size, { fit: 'cover' }).jpeg().toBuffer();
}

describe('AI converters', () => {
  it('lists DeepDream and upscaling with their params, healthy once the models are loaded', async () => {
    const { data } = await env.client.graphql<{
      converters: Array<{ id: string; healthy: boolean; params: { properties?: Record<string, unknown> } }>;
    }>('{ converters { id healthy params } }');
    for (const id of ['deepdream', 'upscale']) {
      const converter = data!.converters.find((c) => c.id === id);
      expect(converter?.healthy).toBe(true);
      expect(Object.keys(converter?.params.properties ?? {}).length).toBeGreaterThan(0);
    }
  });

  it('dreams, with progress rising from 0 to 1', async () => {
    // Long enough (a second or two) for progress to be forwarded between start and end: the
    // runner passes it on at most every 250 ms.
    const input = await smallPhoto(256);
    const { data, errors } = await env.client.convert(input, 'deepdream', {
      filename: 'garden.jpg',
      params: { octaves: 2, steps: 8 },
    });
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const subscription = env.client.subscribe(data!.convertImage.id);
    const done = await subscription.until((e) => e.status === 'SUCCEEDED', 120_000);
    const progress = subscription.events.map((e) => e.progress ?? 0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
    expect(done.progress).toBe(1);
    const result = await env.client.result(done.id);
    const [before, after] = await Promise.all(
      [input, result.body].map((image) => sharp(image).resize(128, 128).raw().toBuffer()),
    );
    let difference = 0;
    for (let i = 0; i < before!.length; i++) difference += Math.abs(before![i]! - after![i]!);
    expect(difference / before!.length).toBeGreaterThan(4);
  });

  it('upscales ×2', async () => {
    const input = await smallPhoto(64);
    const { data, errors } = await env.client.convert(input, 'upscale', {
      filename: 'small.jpg',
      params: { scale: 2 },
    });
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const done = await env.client
      .subscribe(data!.convertImage.id)
      .until((e) => e.status === 'SUCCEEDED', 120_000);
    const result = await env.client.result(done.id);
    expect(await sharp(result.body).metadata()).toMatchObject({ width: 128, height: 128 });
  });

  it('cancels a queued and a running DeepDream job: the first never runs, the worker of the second stops', async () => {
    const pid = env.cluster.instances('deepdream')[0]!.child.pid!;
    const input = await smallPhoto(512);
    const params = { octaves: 6, steps: 50 }; // minutes of work: it only ends by the cancel
    const running = (await env.client.convert(input, 'deepdream', { params })).data!.convertImage;
    const queued = (await env.client.convert(input, 'deepdream', { params })).data!.convertImage;
    // Two heavy jobs are this client's share: a third is refused before any job exists.
    const third = await env.client.convert(input, 'upscale', { params: { scale: 2 } });
    expect(third.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      limit: 'active-heavy',
      maxActive: 2,
    });
    const first = env.client.subscribe(running.id);
    const second = env.client.subscribe(queued.id);
    await first.until((e) => (e.progress ?? 0) > 0, 120_000);
    expect(await cpuLoad(pid)).toBeGreaterThan(0.5); // the dream is computing

    // Only the client that started an anonymous job holds its token.
    for (const token of [
      null,
      'x'.repeat(43),
      running.cancelToken!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    ]) {
      const refused = await env.client.graphql(cancelMutation, { id: queued.id, token });
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const cancelQueued = await env.client.graphql<{ cancelJob: { status: string } }>(cancelMutation, {
      id: queued.id,
      token: queued.cancelToken,
    });
    expect(cancelQueued.data?.cancelJob).toMatchObject({
      status: 'CANCELLED',
      error: { code: 'JOB_CANCELLED' },
    });
    await second.done;
    expect(second.events.map((e) => e.status)).not.toContain('RUNNING');
    expect(second.events.at(-1)?.status).toBe('CANCELLED');
    // Its share came back with the cancel, without waiting for a runner to meet the entry.
    const replacement = await env.client.convert(await smallPhoto(64), 'deepdream', { params: { steps: 1 } });
    expect(replacement.errors).toBeUndefined();

    const cancelRunning = await env.client.graphql<{ cancelJob: { status: string } }>(cancelMutation, {
      id: running.id,
      token: running.cancelToken,
    });
    expect(cancelRunning.data?.cancelJob.status).toBe('CANCELLED');
    await first.done;
    expect(first.events.at(-1)?.status).toBe('CANCELLED');
    // The abort reaches the worker thread: within a few seconds the converter is idle again.
    await sleep(3000);
    expect(await cpuLoad(pid)).toBeLessThan(0.15);

    // Ended: a second cancel conflicts, the result route says Gone, polling says JobFailed.
    const again = await env.client.graphql(cancelMutation, { id: running.id, token: running.cancelToken });
    expect(again.errors?.[0]?.extensions?.code).toBe('JOB_CONFLICT');
    const result = await env.client.result(running.id);
    expect([result.status, (result.json as { error: { code: string } }).error.code]).toEqual([
      410,
      'JOB_CANCELLED',
    ]);
    expect(await env.client.poll(running.id)).toMatchObject({
      outcome: 'JobFailed',
      job: { status: 'CANCELLED' },
    });
    // The converter is free for the next job at once.
    const next = (
      await env.client.convert(await smallPhoto(64), 'deepdream', { params: { octaves: 1, steps: 1 } })
    ).data!.convertImage;
    expect((await env.client.subscribe(next.id).until((e) => e.status === 'SUCCEEDED', 60_000)).status).toBe(
      'SUCCEEDED',
    );
  });

  it('refuses params out of bounds before making a job', async () => {
    const response = await env.client.convert(await smallPhoto(64), 'deepdream', {
      filename: 'x.jpg',
      params: { octaves: 1000 },
    });
    expect(response.errors?.[0]?.extensions?.code).toBe('INVALID_PARAMS');
  });
});
