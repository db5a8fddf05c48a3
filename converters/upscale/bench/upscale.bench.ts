/**
 * Upscaling speed and memory: ×2 of a 512×512 and ×4 of a 256×256 photo crop, per model variant
 * and wasm thread count, each in a fresh process (so that its peak RSS is its own).
 *
 *   node converters/upscale/bench/upscale.bench.ts [variant,…] [threads,…]
 *
 * e.g. `… slim,medium 1,2` (the default: every variant, 1 and 2 threads; thick takes about 5 of the
 * 6 minutes). `benchUpscale()` returns the same table as a BENCHMARKS.md section.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { photo } from '@pixelflow/testing';
import { gigaflopsOf, peakConvolutionRate } from '@pixelflow/tfjs-backend/testing';
import sharp from 'sharp';
import { createUpscaler, MODEL_VARIANTS, type ModelVariant, type Scale } from '../src/core/index.ts';

const script = fileURLToPath(import.meta.url);
const unlimited = { 2: Number.POSITIVE_INFINITY, 4: Number.POSITIVE_INFINITY };
const CASES: Array<{ scale: Scale; size: number }> = [
  { scale: 2, size: 512 },
  { scale: 4, size: 256 },
];

interface Measurement {
  variant: ModelVariant;
  threads: number;
  scale: Scale;
  size: number;
  backend: string;
  setupSeconds: number;
  seconds: number;
  /** Peak resident set size of the whole process (setup included), MiB. */
  peakRssMiB: number;
  /** Resident set size after setup, before the conversion, MiB. */
  setupRssMiB: number;
  /** The conversion's arithmetic (see gigaflopsOf), GFLOP. */
  gigaflop: number;
  /** The best rate of one large convolution on this backend, same process, GFLOP/s. */
  peakRate: number;
}

/** One measurement, in this process: set up one model, upscale the crop once. */
async function measure(
  variant: ModelVariant,
  scale: Scale,
  size: number,
  threads: number,
): Promise<Measurement> {
  const path = photo('mate/nature/Garden.jpg');
  const { data } = await sharp(path)
    .extract({ left: 704, top: 284, width: size, height: size })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const upscaler = createUpscaler({
    backend: { wasmThreads: threads },
    models: [{ variant, scale }],
    // The same cases for every model: thick's own limits are lower than these.
    maxPixels: { slim: unlimited, medium: unlimited, thick: unlimited },
  });
  let started = performance.now();
  const { backend } = await upscaler.setup();
  const setupSeconds = (performance.now() - started) / 1000;
  const setupRssMiB = process.memoryUsage().rss / 2 ** 20;
  const convert = () =>
    upscaler.convert(
      { data: new Uint8Array(data), width: size, height: size },
      { scale, model: variant },
      { progress() {}, signal: new AbortController().signal },
    );
  started = performance.now();
  await convert();
  const seconds = (performance.now() - started) / 1000;
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  // Counted on a second run, so that profiling costs the timed one nothing.
  const gigaflop = await gigaflopsOf(async () => {
    await convert();
    return [];
  });
  const peakRate = peakConvolutionRate();
  return {
    variant,
    threads,
    scale,
    size,
    backend,
    setupSeconds,
    seconds,
    peakRssMiB,
    setupRssMiB,
    gigaflop,
    peakRate,
  };
}

/** Runs every variant × thread count × case, each in its own process; returns a markdown section. */
export async function benchUpscale(
  variants: readonly ModelVariant[] = MODEL_VARIANTS,
  threadCounts: readonly number[] = [1, 2],
): Promise<string> {
  const rows: string[] = [];
  for (const variant of variants) {
    for (const threads of threadCounts) {
      for (const { scale, size } of CASES) {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [script, '--child', variant, String(scale), String(size), String(threads)],
          { maxBuffer: 1 << 20 },
        );
        const m = JSON.parse(stdout.trim().split('\n').at(-1)!) as Measurement;
        rows.push(
          `| ${m.variant} | ×${m.scale} of ${m.size}² | ${m.backend} | ${m.seconds.toFixed(1)} s | ${m.peakRssMiB.toFixed(0)} MiB | ${m.setupSeconds.toFixed(1)} s, ${m.setupRssMiB.toFixed(0)} MiB | ${m.gigaflop.toFixed(0)} GFLOP at ${(m.gigaflop / m.seconds).toFixed(0)} GFLOP/s; at most ${m.peakRate.toFixed(0)} GFLOP/s: ≥ ${(m.gigaflop / m.peakRate).toFixed(1)} s |`,
        );
        process.stderr.write(`${rows.at(-1)}\n`);
      }
    }
  }
  return [
    '## Upscale (converter core, one process per row)',
    '',
    'A photo crop (mate/nature/Garden.jpg), raw RGB in and out, patches and stitching included;',
    'peak RSS is the whole process, setup (loading that one model, warm-up) included. Arithmetic:',
    'convolutions and matrix products counted from the kernels run, against the best rate of one',
    'large convolution on the same backend in the same process (no conversion can be faster than their ratio).',
    '',
    '| model | case | backend | convert | peak RSS | setup (time, RSS after) | arithmetic |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1] === script) {
  const [first, ...rest] = process.argv.slice(2);
  if (first === '--child') {
    const [variant, scale, size, threads] = rest;
    const result = await measure(
      variant as ModelVariant,
      Number(scale) as Scale,
      Number(size),
      Number(threads),
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
    // The wasm backend's pthread workers would keep the process alive.
    process.exit(0);
  }
  const variants = (first?.split(',') ?? MODEL_VARIANTS) as ModelVariant[];
  const unknown = variants.filter((variant) => !MODEL_VARIANTS.includes(variant));
  if (unknown.length > 0)
    throw new Error(`unknown model ${unknown.join(', ')}: ${MODEL_VARIANTS.join(', ')}`);
  const threads = rest[0]?.split(',').map(Number) ?? [1, 2];
  process.stdout.write(`${await benchUpscale(variants, threads)}\n`);
}
