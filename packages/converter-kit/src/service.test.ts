import { createLogger } from '@pixelflow/logger';
import sharp from 'sharp';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDescription, fixtureWorkerUrl } from '../testing/fixture.ts';
import { modelConverterSettings } from './env.ts';
import { WorkerPool } from './pool.ts';
import { createModelConverterService } from './service.ts';
import type { ModelDescription } from './types.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
const settings = modelConverterSettings.defaults;

function start(oversize: ModelDescription['oversize'], maxQueue = 0) {
  return createModelConverterService({
    description: fixtureDescription(oversize),
    workerUrl: fixtureWorkerUrl,
    logger,
    host: '127.0.0.1',
    ...settings,
    maxQueue,
  });
}

type Service = ReturnType<typeof start>;
let service: Service;
let url: string;
const png = (width = 16, height = 8) =>
  sharp({ create: { width, height, channels: 3, background: { r: 10, g: 100, b: 200 } } })
    .png()
    .toBuffer();

async function convert(body: Buffer, params: object = {}, accept = 'image/*') {
  return request(`${url}/convert`, {
    method: 'POST',
    headers: { 'content-type': 'image/png', 'x-converter-params': JSON.stringify(params), accept },
    body,
  });
}

function parts(body: Buffer, contentType: string) {
  const boundary = /boundary=([^;]+)/.exec(contentType)![1]!;
  return body
    .toString('latin1')
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((raw) => {
      const [head, ...rest] = raw.slice(2).split('\r\n\r\n');
      const payload = Buffer.from(rest.join('\r\n\r\n').slice(0, -2), 'latin1');
      return { type: /content-type: (.*)/i.exec(head!)![1]!.trim(), payload };
    });
}

beforeAll(async () => {
  service = start('downscale');
  url = (await service.listen()).url;
});
afterAll(() => service.close());

describe('a model converter service', () => {
  it('is healthy at once and ready once the model has loaded', async () => {
    const fresh = start('refuse');
    const { url: freshUrl } = await fresh.listen();
    const health = await request(`${freshUrl}/healthz`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    const early = await request(`${freshUrl}/readyz`);
    expect(early.statusCode).toBe(503);
    await early.body.dump();
    await fresh.pool.whenReady();
    const later = await request(`${freshUrl}/readyz`);
    expect(later.statusCode).toBe(200);
    await later.body.dump();
    await fresh.close();
  });

  it('describes itself with progress', async () => {
    await service.pool.whenReady();
    const response = await request(`${url}/fixture/describe`);
    expect(await response.body.json()).toMatchObject({
      id: 'fixture',
      progress: true,
      oversize: 'downscale',
    });
  });

  it('converts, answering a plain image', async () => {
    const response = await convert(await png());
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/png');
    const { data } = await sharp(Buffer.from(await response.body.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([245, 155, 55]);
  });

  it('streams progress parts, rising to 1, then the image', async () => {
    const response = await convert(await png(), { steps: 4, stepMs: 300 }, 'multipart/mixed, image/*');
    expect(response.headers['content-type']).toMatch(/^multipart\/mixed; boundary=/);
    const all = parts(
      Buffer.from(await response.body.arrayBuffer()),
      String(response.headers['content-type']),
    );
    const progress = all
      .filter((p) => p.type === 'application/json')
      .map((p) => JSON.parse(p.payload.toString()).progress);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(all.at(-1)!.type).toBe('image/png');
    expect((await sharp(all.at(-1)!.payload).metadata()).width).toBe(16);
  });

  it('reports a failure that happens after the answer began as a last error part', async () => {
    const response = await convert(await png(), { fail: true }, 'multipart/mixed');
    const all = parts(
      Buffer.from(await response.body.arrayBuffer()),
      String(response.headers['content-type']),
    );
    expect(JSON.parse(all.at(-1)!.payload.toString())).toMatchObject({ error: { code: 'CORRUPT_IMAGE' } });
  });

  it('scales a too large input down first, or refuses it', async () => {
    const large = await png(128, 128);
    const response = await convert(large);
    expect((await sharp(Buffer.from(await response.body.arrayBuffer())).metadata()).width).toBe(64);
    const refusing = start('refuse');
    const { url: refusingUrl } = await refusing.listen();
    await refusing.pool.whenReady();
    const refused = await request(`${refusingUrl}/convert`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: large,
    });
    expect(refused.statusCode).toBe(422);
    expect(await refused.body.json()).toMatchObject({ error: { code: 'IMAGE_TOO_LARGE' } });
    await refusing.close();
  });

  it('refuses bad params and bodies that are not images', async () => {
    const bad = await convert(await png(), { steps: 0 });
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.json()).toMatchObject({ error: { code: 'INVALID_PARAMS' } });
    const text = await convert(Buffer.from('not an image at all'));
    expect(text.statusCode).toBe(415);
    await text.body.dump();
  });

  it('answers 503 with Retry-After while busy, and health checks answer meanwhile', async () => {
    const slow = convert(await png(), { steps: 5, stepMs: 200 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const busy = await convert(await png());
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBe('5');
    await busy.body.dump();
    const started = Date.now();
    const health = await request(`${url}/healthz`);
    await health.body.dump();
    expect(Date.now() - started).toBeLessThan(200);
    expect((await slow).statusCode).toBe(200);
  });

  it('stops the work when the client goes away, even a worker stuck in a step', async () => {
    for (const params of [{ steps: 100, stepMs: 100 }, { stuck: true }]) {
      const controller = new AbortController();
      const gone = request(`${url}/convert`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', 'x-converter-params': JSON.stringify(params) },
        body: await png(),
        signal: controller.signal,
      }).catch((error: Error) => error);
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.abort();
      expect(await gone).toBeInstanceOf(Error);
      // The worker is free again soon (a stuck one is replaced after the grace time).
      const started = Date.now();
      let next = await convert(await png(), { steps: 1, stepMs: 0 });
      while (next.statusCode === 503 && Date.now() - started < 10_000) {
        await next.body.dump();
        await new Promise((resolve) => setTimeout(resolve, 200));
        next = await convert(await png(), { steps: 1, stepMs: 0 });
      }
      expect(next.statusCode).toBe(200);
      await next.body.dump();
      expect(Date.now() - started).toBeLessThan(params.stuck ? 6000 : 2000);
    }
  }, 20_000);

  it('loads the model on demand and lets it go when idle, when asked to', async () => {
    const lazy = createModelConverterService({
      description: fixtureDescription('downscale'),
      workerUrl: fixtureWorkerUrl,
      logger,
      host: '127.0.0.1',
      ...settings,
      idleMs: 200,
    });
    const { url: lazyUrl } = await lazy.listen();
    const ready = await request(`${lazyUrl}/readyz`);
    expect(ready.statusCode).toBe(200);
    await ready.body.dump();
    expect(lazy.pool.backend).toBeUndefined(); // nothing loaded yet
    // What it runs on, for operators, at /describe and in health: nothing until a model loads.
    const runtime = async () => {
      const answers = await Promise.all(
        ['/describe', '/healthz', `/${fixtureDescription('downscale').id}/healthz`].map(async (path) => {
          const response = await request(`${lazyUrl}${path}`);
          return ((await response.body.json()) as { backend?: string | null }).backend;
        }),
      );
      return answers;
    };
    expect(await runtime()).toEqual([null, null, null]);
    for (let round = 0; round < 2; round++) {
      const response = await request(`${lazyUrl}/convert`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', 'x-converter-params': '{"steps":1,"stepMs":0}' },
        body: await png(),
      });
      expect(response.statusCode).toBe(200);
      await response.body.dump();
      expect(lazy.pool.backend).toBe('test');
      if (round === 0) expect(await runtime()).toEqual(['test', 'test', 'test']);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(lazy.pool.backend).toBeUndefined(); // unloaded again
    }
    await lazy.close();
  });

  it('fails conversions at once when the model does not load, and loads it again after a back-off', async () => {
    process.env.FIXTURE_SETUP_FAILS = '1';
    const pool = new WorkerPool({ workerUrl: fixtureWorkerUrl, logger, ...settings });
    try {
      const image = { data: new Uint8Array(4 * 4 * 3), width: 4, height: 4 };
      // Waiting for the worker that never becomes ready: the failure ends the wait.
      await expect(pool.run(image, { steps: 1, stepMs: 0 })).rejects.toThrow(
        /failed to load: .*no weights here/,
      );
      expect(pool.ready).toBe(false);
      await expect(pool.run(image, { steps: 1, stepMs: 0 })).rejects.toThrow(/no weights here/);
      delete process.env.FIXTURE_SETUP_FAILS;
      await pool.whenReady(10_000);
      const result = await pool.run(image, { steps: 1, stepMs: 0 });
      expect(result.data[0]).toBe(255);
    } finally {
      delete process.env.FIXTURE_SETUP_FAILS;
      await pool.close();
    }
  }, 20_000);

  it('lets a caller that leaves while it waits give up its place in the queue', async () => {
    const pool = new WorkerPool({ workerUrl: fixtureWorkerUrl, logger, ...settings, maxQueue: 1 });
    try {
      await pool.whenReady();
      const image = () => ({ data: new Uint8Array(4 * 4 * 3), width: 4, height: 4 });
      const first = pool.run(image(), { steps: 10, stepMs: 100 });
      const leaving = new AbortController();
      const waiting = pool.run(image(), { steps: 1, stepMs: 0 }, { signal: leaving.signal });
      expect(pool.hasCapacity).toBe(false);
      leaving.abort();
      await expect(waiting).rejects.toThrow(/aborted/);
      expect(pool.hasCapacity).toBe(true);
      await first;
    } finally {
      await pool.close();
    }
  }, 20_000);
});

describe('a model converter shutting down', () => {
  const startWith = (closeGraceMs: number, workers = 2) =>
    createModelConverterService({
      description: fixtureDescription('downscale'),
      workerUrl: fixtureWorkerUrl,
      logger,
      host: '127.0.0.1',
      ...settings,
      workers,
      maxQueue: 0,
      http: { closeGraceMs },
    });
  const post = (base: string, params: object, accept = 'image/*') =>
    request(`${base}/convert`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', 'x-converter-params': JSON.stringify(params), accept },
      body: pngSmall,
    });
  let pngSmall: Buffer;
  beforeAll(async () => {
    pngSmall = await png();
  });

  it('lets a conversion that fits in the grace finish, and refuses new ones with SHUTTING_DOWN', async () => {
    const draining = startWith(5000);
    const base = (await draining.listen()).url;
    await draining.pool.whenReady();
    const running = post(base, { steps: 5, stepMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const closed = draining.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const late = await post(base, { steps: 1 }).catch((error: Error) => error);
    const answer = await running;
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('image/png');
    await answer.body.dump();
    // While it drains it still answers: a new request is sent elsewhere, not failed.
    if (late instanceof Error) throw late;
    expect(late.statusCode).toBe(503);
    expect(late.headers['retry-after']).toBeTruthy();
    expect(((await late.body.json()) as { error: { code: string } }).error.code).toBe('SHUTTING_DOWN');
    await closed;
  });

  it('stops what outlasts the grace and answers SHUTTING_DOWN, plain and with progress', async () => {
    const draining = startWith(1500);
    const base = (await draining.listen()).url;
    await draining.pool.whenReady();
    const plain = post(base, { steps: 100, stepMs: 100 });
    const withProgress = post(base, { steps: 100, stepMs: 100 }, 'multipart/mixed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    const closed = draining.close();
    const [first, second] = await Promise.all([plain, withProgress]);
    expect(first.statusCode).toBe(503);
    expect(((await first.body.json()) as { error: { code: string } }).error.code).toBe('SHUTTING_DOWN');
    expect(second.statusCode).toBe(200);
    const streamed = parts(
      Buffer.from(await second.body.arrayBuffer()),
      String(second.headers['content-type']),
    );
    const last = JSON.parse(streamed.at(-1)!.payload.toString()) as { error: { code: string } };
    expect(last.error.code).toBe('SHUTTING_DOWN');
    await closed;
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
