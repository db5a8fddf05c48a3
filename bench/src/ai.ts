/**
 * The AI converters, measured three ways in one run:
 * - their cores (per-step split for DeepDream, each model for upscaling), from the converters' own
 *   benchmarks, each in a process of its own;
 * - the converter as it is deployed (`node converters/<id>/src/main.ts`, its worker thread, the
 *   HTTP API), with that process's peak memory;
 * - for DeepDream, a job through the whole embedded product: upload → progress over graphql-ws →
 *   SUCCEEDED, the model loaded on first use (cold) and kept (warm).
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { convertOnce } from '@pixelflow/converter-kit/testing';
import { benchUpscale } from '@pixelflow/converter-upscale/bench';
import { freePort } from '@pixelflow/launcher/cluster';
import { PixelflowClient, photo } from '@pixelflow/testing';
import { nativeTensorflowBuilt } from '@pixelflow/tfjs-backend/testing';
import sharp from 'sharp';
import { request } from 'undici';
import { fmt, root, startEmbeddedProcess } from './lib.ts';

const PHOTO = 'mate/nature/Garden.jpg';

/** A 512×512 JPEG crop of a real photo: the size the goals speak of. */
function photo512(): Promise<Buffer> {
  return sharp(photo(PHOTO)).resize(512, 512, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();
}

/** The same photo at 2 MP (1832×1145, its own 16:10), as a JPEG: a phone photo's size, reduced. */
function photo2mp(): Promise<Buffer> {
  return sharp(photo(PHOTO)).resize(1832, 1145, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();
}

/** Peak and current resident memory of a process (Linux), in MiB. */
function memoryOf(pid: number): { peakMiB: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
}

interface ServiceRun {
  startSeconds: number;
  idleMiB: number;
  seconds: number;
  peakMiB: number;
  width: number;
  height: number;
}

/** Starts a converter's production entry point, converts `input` once, and stops it. */
async function throughService(
  id: string,
  input: Buffer,
  params: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<ServiceRun> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, `converters/${id}/src/main.ts`)], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`converter ${id} exited while starting`);
      const status = await request(`${url}/readyz`).then(
        async (r) => {
          await r.body.dump();
          return r.statusCode;
        },
        () => 0,
      );
      if (status === 200) break;
      if (performance.now() - started > 300_000) throw new Error(`converter ${id} did not get ready`);
      await sleep(200);
    }
    const startSeconds = (performance.now() - started) / 1000;
    const idleMiB = memoryOf(child.pid!).rssMiB;
    const begin = performance.now();
    const { width, height } = await convertOnce(url, input, { params });
    const seconds = (performance.now() - begin) / 1000;
    return { startSeconds, idleMiB, seconds, peakMiB: memoryOf(child.pid!).peakMiB, width, height };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
  }
}

function serviceRows(label: string, run: ServiceRun): string[] {
  return [
    `| ${label}: start until ready (model loaded, warmed up) | ${fmt(run.startSeconds)} s, ${fmt(run.idleMiB, 0)} MiB resident |`,
    `| ${label}: POST /convert of 512×512 → ${run.width}×${run.height} | **${fmt(run.seconds)} s** |`,
    `| ${label}: peak resident memory of the converter process | **${fmt(run.peakMiB, 0)} MiB** |`,
  ];
}

const ratio = (a: number, b: number) => `${fmt(a / b, 1)}×`;
const backendName = () =>
  nativeTensorflowBuilt() ? 'native TensorFlow' : 'WebAssembly too: native not built';

/**
 * The converter process on WebAssembly (TFJS_BACKENDS) and on its default choice, in one run:
 * `what` names the conversion (e.g. "POST /convert of 512×512").
 */
async function backendsCompared(
  id: string,
  what: string,
  input: Buffer,
  params: Record<string, unknown>,
): Promise<string[]> {
  const wasm = await throughService(id, input, params, { TFJS_BACKENDS: 'wasm' });
  const best = await throughService(id, input, params);
  const size = `→ ${best.width}×${best.height}`;
  return [
    `| \`converters/${id}\` process: ${what} ${size}, WebAssembly / default backend (${backendName()}) | ${fmt(wasm.seconds)} s / **${fmt(best.seconds)} s** (${ratio(wasm.seconds, best.seconds)} faster) |`,
    `| the same, peak resident memory of the process | ${fmt(wasm.peakMiB, 0)} MiB / **${fmt(best.peakMiB, 0)} MiB** |`,
    `| the same, resident memory once ready (model loaded) | ${fmt(wasm.idleMiB, 0)} MiB / ${fmt(best.idleMiB, 0)} MiB |`,
  ];
}

/** One DeepDream job through the embedded product: seconds to the first progress event and to SUCCEEDED. */
async function dreamJob(client: PixelflowClient, input: Buffer): Promise<{ first: number; total: number }> {
  const begin = performance.now();
  const { data, errors } = await client.convert(input, 'deepdream', { filename: 'garden.jpg' });
  if (!data) throw new Error(`convertImage failed: ${JSON.stringify(errors)}`);
  const subscription = client.subscribe(data.convertImage.id);
  let first = Number.NaN;
  try {
    await subscription.until((event) => {
      if (Number.isNaN(first) && (event.progress ?? 0) > 0) first = (performance.now() - begin) / 1000;
      if (event.status === 'FAILED') throw new Error(`job failed: ${JSON.stringify(event.error)}`);
      return event.status === 'SUCCEEDED';
    }, 600_000);
  } finally {
    subscription.close();
  }
  return { first, total: (performance.now() - begin) / 1000 };
}

async function coreSection(script: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(root, script)], {
    maxBuffer: 1 << 20,
  });
  return stdout.slice(stdout.indexOf('## ')).trimEnd();
}

interface EmbeddedRun {
  idleMiB: number;
  cold: { first: number; total: number };
  warm: { first: number; total: number };
  afterMiB: number;
}

/** `pnpm start` as a process: its idle memory, a DeepDream job cold and warm, its memory after. */
async function throughEmbedded(input: Buffer, env: Record<string, string> = {}): Promise<EmbeddedRun> {
  const server = await startEmbeddedProcess(env);
  const client = new PixelflowClient(server.url);
  try {
    // Let start-up work (migrations, the first snapshot) settle before reading the idle size.
    await sleep(2000);
    const idleMiB = memoryOf(server.child.pid!).rssMiB;
    const cold = await dreamJob(client, input);
    const warm = await dreamJob(client, input);
    return { idleMiB, cold, warm, afterMiB: memoryOf(server.child.pid!).rssMiB };
  } finally {
    await client.close();
    await server.stop();
  }
}

export async function benchDeepDream(): Promise<string> {
  const core = await coreSection('converters/deepdream/bench/deepdream.bench.ts');
  const input = await photo512();
  const service = await throughService('deepdream', input, {});
  const compared = await backendsCompared('deepdream', 'POST /convert of 512×512', input, {});
  const full2mp = await backendsCompared('deepdream', 'full resolution of 2 MP 1832×1145', await photo2mp(), {
    resolution: 'full',
  });
  const wasm = await throughEmbedded(input, { TFJS_BACKENDS: 'wasm' });
  const best = await throughEmbedded(input);
  const pair = (a: number, b: number) => `${fmt(a)} s / **${fmt(b)} s** (${ratio(a, b)} faster)`;
  return [
    core,
    '',
    '### DeepDream as deployed (goals: 512 px default dream under 6 s through `pnpm start`, a 2 MP full-resolution one under 60 s, converter under 1.5 GB)',
    '',
    'The same photo with the default params, one conversion at a time; WebAssembly and the default backend measured in the same run.',
    '',
    '| measure | value |',
    '| --- | --- |',
    ...serviceRows('`converters/deepdream` process', service),
    ...compared,
    ...full2mp,
    `| the embedded product (\`pnpm start\`), resident memory once started, before any AI job: WebAssembly / ${backendName()} | ${fmt(wasm.idleMiB, 0)} MiB / ${fmt(best.idleMiB, 0)} MiB |`,
    `| job through the embedded product, first use (model loaded on demand): WebAssembly / default | ${pair(wasm.cold.total, best.cold.total)} |`,
    `| the same, model already loaded | ${pair(wasm.warm.total, best.warm.total)} (first progress after ${fmt(best.warm.first)} s) |`,
    `| the embedded product's resident memory after the two jobs: WebAssembly / default | ${fmt(wasm.afterMiB, 0)} MiB / ${fmt(best.afterMiB, 0)} MiB |`,
    '',
  ].join('\n');
}

export async function benchUpscaling(): Promise<string> {
  // Thick takes minutes per case on two cores; slim and medium are what `auto` picks here.
  const core = await benchUpscale(['slim', 'medium'], [2]);
  const service = await throughService('upscale', await photo512(), { scale: 2 });
  const compared = await backendsCompared('upscale', '×2 of 512×512', await photo512(), { scale: 2 });
  const large = await backendsCompared('upscale', '×2 of 2 MP 1832×1145', await photo2mp(), { scale: 2 });
  return [
    core.trimEnd(),
    '',
    '### Upscale as deployed (goals: ×2 of 512 px under 3 s, of 2 MP under 40 s, converter under 1.5 GB)',
    '',
    '| measure | value |',
    '| --- | --- |',
    ...serviceRows('`converters/upscale` process, ×2, model auto', service),
    ...compared,
    ...large,
    '',
  ].join('\n');
}
