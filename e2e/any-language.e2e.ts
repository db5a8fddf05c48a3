import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeConverterContract, expectContract } from '@pixelflow/converter-kit/testing';
import { freePort } from '@pixelflow/launcher/cluster';
import { photo } from '@pixelflow/testing';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonWithPillow } from '../scripts/test-servers.ts';
import { requiredEnv, useCluster } from './helpers/cluster.ts';

// "Any language": the converter in Python (converters/python-pillow: the standard library's HTTP
// server and Pillow, nothing of this workspace) runs as a real process, joins a real cluster as an
// extra converter, and every answer it gives is checked against converters/openapi.yaml.

const root = resolve(import.meta.dirname, '..');
const logDir = join(root, '.test-env/logs/any-language');

interface PythonConverter {
  url: string;
  child: ChildProcess;
  exited: Promise<number | string>;
  /** Everything it printed so far (its access log included). */
  output(): string;
}

/** Starts converters/python-pillow/main.py on a free port and waits until it is ready. */
async function startPythonConverter(
  name: string,
  env: Record<string, string> = {},
): Promise<PythonConverter> {
  const python = pythonWithPillow();
  if (!python) throw new Error("no Python 3 with Pillow: `pnpm test` installs Debian's python3-pil");
  const port = await freePort();
  const child = spawn(python, [join(root, 'converters/python-pillow/main.py')], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      log.write(chunk);
    });
  }
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => {
      log.end();
      done(code ?? signal ?? 'unknown');
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(100)) {
    if (child.exitCode !== null) throw new Error(`the Python converter exited while starting:\n${output}`);
    const ready = await fetch(`${url}/readyz`).catch(() => undefined);
    if (ready?.status === 200) return { url, child, exited, output: () => output };
  }
  child.kill('SIGKILL');
  throw new Error(`the Python converter was not ready within 15 s:\n${output}`);
}

async function stopPythonConverter(converter: PythonConverter | undefined): Promise<void> {
  if (!converter || converter.child.exitCode !== null || converter.child.signalCode !== null) return;
  converter.child.kill('SIGTERM');
  const timer = setTimeout(() => converter.child.kill('SIGKILL'), 10_000);
  await converter.exited;
  clearTimeout(timer);
}

function post(url: string, body: Uint8Array | string, type: string, params?: unknown) {
  return fetch(`${url}/convert`, {
    method: 'POST',
    headers: {
      'content-type': type,
      ...(params === undefined ? {} : { 'x-converter-params': JSON.stringify(params) }),
    },
    body,
  });
}

/** Each value a channel takes, by channel. */
function levels(data: Buffer, channels: number): Array<Set<number>> {
  const sets = Array.from({ length: channels }, () => new Set<number>());
  for (let i = 0; i < data.length; i++) sets[i % channels]!.add(data[i]!);
  return sets;
}

let python: PythonConverter | undefined;
beforeAll(async () => {
  python = await startPythonConverter('posterize');
});
afterAll(() => stopPythonConverter(python));

const env = useCluster('any-language', {
  jobsInstances: 1,
  conversionInstances: 1,
  webApp: false,
  get extraConverters() {
    if (!python) throw new Error('the Python converter is not started yet');
    return { posterize: python.url };
  },
});
let redis: Redis;
beforeAll(() => {
  redis = new Redis(requiredEnv('REDIS_URL'));
});
afterAll(() => redis?.quit());

describe('a converter written in Python, through the whole system', () => {
  it('is listed by the API with the params schema it describes', async () => {
    const description = (await (await fetch(`${python!.url}/describe`)).json()) as { params: object };
    const { data } = await env.client.graphql<{
      converters: Array<{ id: string; title: string; params: object; healthy: boolean }>;
    }>('{ converters { id title params healthy } }');
    const listed = data!.converters.find((c) => c.id === 'posterize');
    expect(listed).toEqual({
      id: 'posterize',
      title: 'Posterize',
      params: description.params,
      healthy: true,
    });
    expect(data!.converters.map((c) => c.id)).toContain('grayscale'); // beside the built-in ones
  });

  it('posterizes a real PNG photo through the gateway, pixel for pixel', async () => {
    const input = photo('mate/abstract/Flow.png'); // 1920×1200 RGBA
    const submitted = await env.client.convert(input, 'posterize', { params: { bits: 2 } });
    expect(submitted.errors).toBeUndefined();
    const id = submitted.data!.convertImage.id;
    const done = await env.client
      .subscribe(id)
      .until((e) => e.status === 'SUCCEEDED' || e.status === 'FAILED');
    expect(done).toMatchObject({ status: 'SUCCEEDED', progress: 1, error: null });

    const result = await env.client.result(id);
    expect([result.status, result.contentType]).toEqual([200, 'image/png']);
    const before = await sharp(input).raw().toBuffer({ resolveWithObject: true });
    const after = await sharp(result.body).raw().toBuffer({ resolveWithObject: true });
    expect(after.info).toMatchObject({ width: 1920, height: 1200, channels: 4 });
    // 2 bits: each colour channel keeps its 2 high bits (at most 4 levels), alpha stays as it was.
    const [r, g, b, alpha] = levels(after.data, 4);
    for (const channel of [r!, g!, b!]) expect(channel.size).toBeLessThanOrEqual(4);
    expect(levels(before.data, 4)[0]!.size).toBeGreaterThan(4);
    expect(alpha).toEqual(levels(before.data, 4)[3]);
    for (let i = 0; i < before.data.length; i += 4 * 101) {
      const pixel = [...before.data.subarray(i, i + 4)].map((v, c) => (c < 3 ? v & 0xc0 : v));
      expect([...after.data.subarray(i, i + 4)]).toEqual(pixel);
    }
  });

  it('keeps a JPEG photo a JPEG, near what posterizing its pixels gives', async () => {
    const input = photo('mate/abstract/Elephants.jpg'); // 1920×1080
    const { data } = await env.client.convert(input, 'posterize', { params: { bits: 1 } });
    const done = await env.client
      .subscribe(data!.convertImage.id)
      .until((e) => e.status === 'SUCCEEDED' || e.status === 'FAILED');
    expect(done.status).toBe('SUCCEEDED');
    const result = await env.client.result(data!.convertImage.id);
    expect(result.contentType).toBe('image/jpeg');
    const { data: pixels, info } = await sharp(result.body).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([1920, 1080]);
    // 1 bit leaves 0 and 128 per channel. JPEG's loss (chroma subsampling most) keeps the result from
    // matching exactly: measured 12.7 levels off on average, where the photo itself is 59 off.
    const original = await sharp(input).raw().toBuffer();
    const meanDistance = (image: Buffer) =>
      image.reduce((sum, v, i) => sum + Math.abs(v - (original[i]! & 0x80)), 0) / image.length;
    expect(meanDistance(pixels)).toBeLessThan(20);
    expect(meanDistance(original)).toBeGreaterThan(50);
  });

  it('refuses bad params at intake, before any job, without calling the converter', async () => {
    const jobs = async () => (await redis.keys(`${env.redisKeyPrefix}job:*`)).sort();
    const calls = () => python!.output().split('"POST /convert').length - 1; // its access log
    const [jobsBefore, callsBefore] = [await jobs(), calls()];
    for (const params of [
      { bits: 9 },
      { bits: 0 },
      { bits: 2.5 },
      { bits: 'few' },
      { bits: 2, sepia: true },
    ]) {
      const response = await env.client.convert(photo('mate/abstract/Elephants.jpg'), 'posterize', {
        params,
      });
      expect(response.errors?.[0]?.extensions?.code, JSON.stringify(params)).toBe('INVALID_PARAMS');
      expect(response.data?.convertImage ?? null).toBeNull();
    }
    expect(await jobs()).toEqual(jobsBefore);
    expect(calls()).toBe(callsBefore);
  });

  it('refuses a damaged photo and params out of range with the errors of the contract', async () => {
    const url = python!.url;
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    const truncated = readFileSync(photo('mate/abstract/Elephants.jpg')).subarray(0, 300_000);
    const refusals: Array<[Response, number, string]> = [
      [await post(url, truncated, 'image/jpeg'), 422, 'CORRUPT_IMAGE'],
      [await post(url, png, 'image/png', { bits: 12 }), 400, 'INVALID_PARAMS'],
      [await post(url, png, 'image/png', [2]), 400, 'INVALID_PARAMS'],
    ];
    for (const [response, status, code] of refusals) {
      const json = await response.json();
      expectContract('ErrorBody', json, `${status} ${code}`);
      expect([response.status, (json as { error: { code: string } }).error.code]).toEqual([status, code]);
    }
    const ok = await post(url, png, 'image/png', { bits: 1 });
    expect(ok.headers.get('content-type')).toBe('image/png');
    const pixels = await sharp(Buffer.from(await ok.arrayBuffer()))
      .raw()
      .toBuffer();
    expect(pixels.every((v) => v === 0 || v === 128)).toBe(true);
  });
});

// The checks every converter we ship passes, on the Python one: describe and health, plain and
// progress answers, the 4xx bodies, busy and draining. One conversion at a time, so that a large
// image keeps it busy; its close is a SIGTERM, after which it must no longer be ready and exit 0.
const largePng = () =>
  sharp({ create: { width: 6000, height: 6000, channels: 3, background: '#a0b0c0' } })
    .png()
    .toBuffer();
describeConverterContract('Python (converters/python-pillow)', {
  async start() {
    const own = await startPythonConverter('posterize-contract', { MAX_IN_FLIGHT: '1' });
    return {
      urls: { posterize: own.url },
      async close() {
        if (own.child.exitCode !== null) return;
        own.child.kill('SIGTERM');
        await sleep(20);
        expect((await fetch(`${own.url}/readyz`).catch(() => undefined))?.status ?? 503).toBe(503);
        expect(await own.exited).toBe(0);
      },
    };
  },
  slow: { id: 'posterize', params: {}, image: largePng },
});
