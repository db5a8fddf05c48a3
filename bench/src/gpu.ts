/**
 * The GPU check (`pnpm check:gpu [--no-setup]`, i.e. `node bench/src/gpu.ts`): on a machine with an NVIDIA GPU, makes
 * tfjs-node-gpu ready (the `tensorflow` wheel's C library and NVIDIA's CUDA 12 runtime wheels
 * from PyPI, see @pixelflow/tfjs-backend/setup; `--no-setup` where they are already in the cache
 * and no registry is reachable), then, in a child process with the CUDA libraries on
 * LD_LIBRARY_PATH, runs one default DeepDream of a 512×512 photo and one ×2 upscale of it (model
 * medium), each twice: the first run pays for loading and for compiling TensorFlow's kernels for
 * this GPU (PTX), the second is the speed. Prints the backend, the devices TensorFlow created,
 * and the timings as JSON; exit code 1 when TensorFlow did not run on a GPU.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDeepDream, DEFAULT_PARAMS } from '@pixelflow/converter-deepdream/core';
import type { ConvertContext, RawImage } from '@pixelflow/converter-kit';
import { createUpscaler } from '@pixelflow/converter-upscale/core';
import { photo } from '@pixelflow/testing';
import { selectBackend } from '@pixelflow/tfjs-backend';
import { cudaLibraryPath, ensureCudaLibraries, ensureNativeTensorflow } from '@pixelflow/tfjs-backend/setup';
import sharp from 'sharp';

const PHOTO = 'mate/nature/Garden.jpg';

interface Timed {
  /** Seconds of the first run (kernels compiled for this GPU on first use) and of the second. */
  firstSeconds: number;
  secondSeconds: number;
  result: string;
}

async function twice(run: () => Promise<RawImage>): Promise<Timed> {
  let start = performance.now();
  await run();
  const firstSeconds = (performance.now() - start) / 1000;
  start = performance.now();
  const { width, height } = await run();
  return { firstSeconds, secondSeconds: (performance.now() - start) / 1000, result: `${width}×${height}` };
}

/** In the child: the measurements, as one JSON line on stdout. */
async function measure(): Promise<void> {
  const { data, info } = await sharp(photo(PHOTO))
    .resize(512, 512, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const image: RawImage = { data: new Uint8Array(data), width: info.width, height: info.height };
  const context: ConvertContext = { progress() {}, signal: new AbortController().signal };
  const backend = await selectBackend({ candidates: ['tfjs-node-gpu'] });

  const dreamer = createDeepDream({ backend: { candidates: ['tfjs-node-gpu'] } });
  let start = performance.now();
  await dreamer.setup();
  const deepdreamSetupSeconds = (performance.now() - start) / 1000;
  const deepdream = await twice(() => dreamer.convert(image, { ...DEFAULT_PARAMS, seed: 1 }, context));

  const upscaler = createUpscaler({
    backend: { candidates: ['tfjs-node-gpu'] },
    models: [{ variant: 'medium', scale: 2 }],
  });
  start = performance.now();
  await upscaler.setup();
  const upscaleSetupSeconds = (performance.now() - start) / 1000;
  const upscale = await twice(() => upscaler.convert(image, { scale: 2, model: 'medium' }, context));
  process.stdout.write(
    `${JSON.stringify({
      backend: backend.label,
      deepdream: { setupSeconds: deepdreamSetupSeconds, ...deepdream, params: 'defaults, 512×512' },
      upscale: { setupSeconds: upscaleSetupSeconds, ...upscale, params: '×2, medium, 512×512' },
    })}\n`,
  );
}

/** In the parent: setup, the child with the CUDA libraries, and what TensorFlow said of its devices. */
async function check(setup: boolean): Promise<number> {
  if (setup) {
    if (!ensureNativeTensorflow('gpu')) return 1;
    ensureCudaLibraries();
  }
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
    env: {
      ...process.env,
      LD_LIBRARY_PATH: [cudaLibraryPath(), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      // TensorFlow says which devices it created at its info level.
      TF_CPP_MIN_LOG_LEVEL: '0',
      // Kernels compiled from PTX for this GPU are kept for the next run.
      CUDA_CACHE_MAXSIZE: process.env.CUDA_CACHE_MAXSIZE ?? '4294967296',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  const devices: string[] = [];
  const problems: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  let pending = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (/Created device|device: \d+, name:/.test(line)) devices.push(line.replace(/^.*?\] /, ''));
      else if (/Could not load|cuInit|failed call to|CUDA_ERROR|Cannot dlopen/i.test(line)) {
        problems.push(line.replace(/^.*?\] /, ''));
      }
    }
  });
  const code = await new Promise<number>((resolve) => child.once('exit', (status) => resolve(status ?? 1)));
  const result = stdout.trim().split('\n').at(-1);
  const report = {
    ...(code === 0 && result
      ? (JSON.parse(result) as object)
      : { error: `the measuring process exited ${code}` }),
    gpuDevices: devices,
    problems,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return code === 0 && devices.some((line) => /GPU/.test(line)) ? 0 : 1;
}

if (process.argv.includes('--child')) {
  await measure();
  process.exit(0);
} else {
  process.exitCode = await check(!process.argv.includes('--no-setup'));
}
