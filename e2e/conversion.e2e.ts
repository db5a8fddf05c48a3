import { photo } from '@pixelflow/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { register } from './helpers/accounts.ts';
import { useCluster } from './helpers/cluster.ts';
import { useFaultConverters } from './helpers/faults.ts';

// The anonymous conversion path through real processes: gateway, two jobs and two conversion
// instances, the sharp converters, real Redis.
const faults = useFaultConverters({ delayMs: 1500 });

const env = useCluster('conversion', {
  get extraConverters() {
    return { slow: faults.urls.slow, progress: faults.urls.progress, heavy: faults.urls.heavy };
  },
});

const order = ['QUEUED', 'RUNNING', 'SUCCEEDED'];

describe('anonymous conversion', () => {
  it('lists the converters with their schemas and health', async () => {
    const { data } = await env.client.graphql<{
      converters: Array<{ id: string; title: string; params: { type?: string }; healthy: boolean }>;
    }>('{ converters { id title description params healthy } }');
    const ids = data!.converters.map((c) => c.id);
    for (const id of [
      'grayscale',
      'flip',
      'flip-vertical',
      'contrast',
      'rotate',
      'resize',
      'blur',
      'sepia',
      'slow',
    ]) {
      expect(ids).toContain(id);
    }
    const grayscale = data!.converters.find((c) => c.id === 'grayscale')!;
    expect(grayscale.healthy).toBe(true);
    expect(grayscale.params.type).toBe('object');
  });

  it("publishes each converter's limits: its sizes, its cost and how many of its jobs a client may have", async () => {
    const { data } = await env.client.graphql<{
      converters: Array<{ id: string; cost: string; jobsAtOnce: { anonymous: number; signedIn: number } }>;
    }>('{ converters { id maxPixels maxOutputPixels oversize cost jobsAtOnce { anonymous signedIn } } }');
    const byId = new Map(data!.converters.map((c) => [c.id, c]));
    // A heavy converter's share is the service's default (README: Limits: 1 / 2 at once); a light
    // one's is the general limit, which these tests' clusters raise to 1000.
    expect(byId.get('heavy')).toMatchObject({ cost: 'HEAVY', jobsAtOnce: { anonymous: 1, signedIn: 2 } });
    expect(byId.get('grayscale')).toMatchObject({
      cost: 'LIGHT',
      jobsAtOnce: { anonymous: 1000, signedIn: 1000 },
    });
    expect(byId.get('resize')).toMatchObject({ maxOutputPixels: expect.any(Number), oversize: 'REFUSE' });
  });

  it('converts a real photo to grayscale, live over the subscription and by polling', async () => {
    const input = photo('mate/abstract/Elephants.jpg');
    const submitted = await env.client.convert(input, 'grayscale');
    expect(submitted.errors).toBeUndefined();
    const job = submitted.data!.convertImage;
    expect(job.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(['QUEUED', 'RUNNING', 'SUCCEEDED']).toContain(job.status);

    const subscription = env.client.subscribe(job.id);
    const done = await subscription.until((e) => e.status === 'SUCCEEDED');
    await subscription.done; // the stream completes after the terminal state
    const sequences = subscription.events.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
    const statuses = subscription.events.map((e) => order.indexOf(e.status));
    expect(statuses).toEqual([...statuses].sort((a, b) => a - b));
    expect(done.progress).toBe(1);
    expect(done.resultUrl).toBe(`${env.cluster.gatewayUrl}/jobs/${job.id}/result`);

    expect(await env.client.poll(job.id)).toMatchObject({ outcome: 'JobDone', job: { status: 'SUCCEEDED' } });
    const result = await env.client.result(job.id);
    expect(result.status).toBe(200);
    expect(result.contentType).toBe('image/jpeg');
    const original = await sharp(input).metadata();
    const { data, info } = await sharp(result.body).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([original.width, original.height]);
    // Grayscale: every pixel has R = G = B (one channel, or three equal ones).
    if (info.channels >= 3) {
      for (let i = 0; i < data.length; i += info.channels * 997) {
        expect(Math.abs(data[i]! - data[i + 1]!)).toBeLessThanOrEqual(1);
        expect(Math.abs(data[i]! - data[i + 2]!)).toBeLessThanOrEqual(1);
      }
    } else {
      expect(info.channels).toBe(1);
    }
  });

  it('mirrors left to right with flip, pixel for pixel', async () => {
    // Left half red, right half blue, as a lossless PNG.
    const width = 8;
    const height = 4;
    const raw = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) raw.set(x < width / 2 ? [255, 0, 0] : [0, 0, 255], (y * width + x) * 3);
    }
    const png = await sharp(raw, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
    const { data } = await env.client.convert(png, 'flip', { filename: 'halves.png' });
    const subscription = env.client.subscribe(data!.convertImage.id);
    await subscription.until((e) => e.status === 'SUCCEEDED');
    const result = await env.client.result(data!.convertImage.id);
    expect(result.contentType).toBe('image/png');
    const out = await sharp(result.body).removeAlpha().raw().toBuffer();
    expect([...out.subarray(0, 3)]).toEqual([0, 0, 255]);
    expect([...out.subarray((width - 1) * 3, width * 3)]).toEqual([255, 0, 0]);
  });

  it("runs three steps in one job on the server: progress over them all, the last step's result", async () => {
    const input = photo('mate/nature/Garden.jpg');
    const { data, errors } = await env.client.convert(input, 'resize', {
      params: { width: 320 },
      andThen: [{ converter: 'grayscale' }, { converter: 'flip' }],
    });
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const id = data!.convertImage.id;
    const subscription = env.client.subscribe(id);
    await subscription.until((e) => e.status === 'SUCCEEDED', 20_000);
    const { data: job } = await env.client.graphql<{ job: { job: { steps: string[] } } }>(
      'query($id: ID!) { job(id: $id) { ... on JobDone { job { steps } } } }',
      { id },
    );
    expect(job?.job.job.steps).toEqual(['resize', 'grayscale', 'flip']);
    // Progress rose step by step (none of these converters reports its own).
    const fractions = subscription.events.map((e) => e.progress ?? 0);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.filter((f) => f > 0 && f < 1).length).toBeGreaterThan(0);
    const result = await env.client.result(id);
    const expected = await sharp(input).rotate().resize({ width: 320 }).grayscale().flop().raw().toBuffer({
      resolveWithObject: true,
    });
    const actual = await sharp(result.body).raw().toBuffer({ resolveWithObject: true });
    expect(actual.info.width).toBe(320);
    expect(actual.info.height).toBe(expected.info.height);
    // JPEG between the steps: near, not equal.
    const grey = (raw: { data: Buffer; info: { channels: number } }, i: number) =>
      raw.data[i * raw.info.channels]!;
    let distance = 0;
    const pixels = actual.info.width * actual.info.height;
    for (let i = 0; i < pixels; i += 97) distance += Math.abs(grey(actual, i) - grey(expected, i));
    expect(distance / Math.ceil(pixels / 97)).toBeLessThan(8);
  });

  it('checks every step before making a job: a bad step is named, too many steps refused', async () => {
    const input = photo('mate/nature/Garden.jpg');
    const badStep = await env.client.convert(input, 'grayscale', {
      andThen: [
        { converter: 'blur', params: { sigma: 4 } },
        { converter: 'blur', params: { sigma: 900 } },
      ],
    });
    expect(badStep.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_PARAMS', step: 3 });
    expect(badStep.errors?.[0]?.message).toMatch(/^step 3 \(blur\): /);
    const unknown = await env.client.convert(input, 'grayscale', { andThen: [{ converter: 'nope' }] });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('UNKNOWN_CONVERTER');
    const tooMany = await env.client.convert(input, 'grayscale', {
      andThen: Array.from({ length: 8 }, () => ({ converter: 'invert' })),
    });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', maxSteps: 8 });
  });

  it("takes turns between clients on a heavy converter: one person's second job waits for another's first", async () => {
    const alice = await register(env.cluster.gatewayUrl);
    const input = photo('mate/nature/Garden.jpg');
    // Alice asks for two (a signed-in user may have two heavy jobs), then an anonymous client for one;
    // the converter takes two at a time.
    const first = (await alice.client.convert(input, 'heavy')).data!.convertImage.id;
    const second = (await alice.client.convert(input, 'heavy')).data!.convertImage.id;
    const other = (await env.client.convert(input, 'heavy')).data!.convertImage.id;
    for (const [client, id] of [
      [alice.client, first],
      [alice.client, second],
      [env.client, other],
    ] as const) {
      expect((await client.subscribe(id).until((e) => e.status === 'SUCCEEDED', 30_000)).status).toBe(
        'SUCCEEDED',
      );
    }
    // In order of arrival the converter would have run both of Alice's and sent the other away busy.
    const started = (id: string) =>
      faults.calls.find((call) => call.mode === 'heavy' && call.jobId === id)!.at;
    expect(started(other)).toBeLessThan(started(second));
    expect(started(second) - started(first)).toBeGreaterThanOrEqual(1400); // after her first ended
  });

  it('keeps WebP and PNG photos in their format', async () => {
    for (const [name, type] of [
      ['gnome/wood-d.webp', 'image/webp'],
      ['mate/abstract/Flow.png', 'image/png'],
    ] as const) {
      const { data, errors } = await env.client.convert(photo(name), 'sepia');
      expect(errors).toBeUndefined();
      await env.client.subscribe(data!.convertImage.id).until((e) => e.status === 'SUCCEEDED');
      const result = await env.client.result(data!.convertImage.id);
      expect(result.status).toBe(200);
      expect(result.contentType).toBe(type);
    }
  });

  it("passes a converter's progress on to the job's subscribers, rising to 1", async () => {
    const { data } = await env.client.convert(photo('mate/nature/Garden.jpg'), 'progress');
    const subscription = env.client.subscribe(data!.convertImage.id);
    await subscription.until((e) => e.status === 'SUCCEEDED');
    const running = subscription.events.filter((e) => e.status === 'RUNNING').map((e) => e.progress ?? 0);
    expect(running.length).toBeGreaterThanOrEqual(3);
    expect(running).toEqual([...running].sort((a, b) => a - b));
    expect(running.some((p) => p > 0 && p < 1)).toBe(true);
    expect(subscription.events.at(-1)!.progress).toBe(1);
  });

  it('answers 202 / JobPending while a job runs, then 200 / JobDone', async () => {
    const { data } = await env.client.convert(photo('mate/nature/Garden.jpg'), 'slow');
    const id = data!.convertImage.id;
    const pending = await env.client.result(id);
    expect(pending.status).toBe(202);
    expect(pending.json).toMatchObject({ error: { code: 'JOB_PENDING' }, job: { id } });
    expect((await env.client.poll(id)).outcome).toBe('JobPending');
    await env.client.subscribe(id).until((e) => e.status === 'SUCCEEDED');
    expect((await env.client.poll(id)).outcome).toBe('JobDone');
    expect((await env.client.result(id)).status).toBe(200);
  });
});
