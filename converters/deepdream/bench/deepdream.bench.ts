/**
 * DeepDream's speed on this machine's backend: seconds per gradient step at 299 and 512 px with
 * the default objective, split into forward, backward and the rest (shift, stitching,
 * normalisation, update), the total of a default 512×512 dream and the process's peak memory.
 * The baseline, measured in the same run: one step through tf.grad over the same folded network
 * built from plain ops (TensorFlow.js's own gradients, wasm's Conv2DBackpropInput).
 *
 * `node converters/deepdream/bench/deepdream.bench.ts [--threads N]`, or benchDeepDream() from
 * the repo's bench/.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { RawImage } from '@pixelflow/converter-kit';
import { gigaflopsOf, peakConvolutionRate } from '@pixelflow/tfjs-backend/testing';
import * as tf from '@tensorflow/tfjs-core';
import { cuts, octaveShapes } from '../src/core/dream.ts';
import { InceptionNet } from '../src/core/inception.ts';
import { loadInceptionFiles } from '../src/core/inception-files.ts';
import {
  createDeepDream,
  DEFAULT_PARAMS,
  type DeepDreamParams,
  type DreamTiming,
} from '../src/core/index.ts';
import { objectiveOf } from '../src/core/params.ts';
import { PREVIEW_PIXELS } from '../src/core/resolution.ts';
import { photoPixels } from '../testing/images.ts';

const PHOTO = 'mate/nature/Garden.jpg';

/** The process's peak resident memory so far (Linux), in MiB. */
function peakRssMiB(): number {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
    if (line) return Number(line[1]) / 1024;
  } catch {
    // Not Linux: the current RSS is the best there is.
  }
  return process.memoryUsage().rss / 2 ** 20;
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);

interface StepSplit {
  steps: number;
  perStep: number;
  forward: number;
  backward: number;
  rest: number;
}

function split(timing: DreamTiming): StepSplit {
  const { steps, forwardMs, backwardMs, totalMs } = timing;
  return {
    steps,
    perStep: totalMs / steps,
    forward: forwardMs / steps,
    backward: backwardMs / steps,
    rest: (totalMs - forwardMs - backwardMs) / steps,
  };
}

/** One step of the naive way, for comparison: tf.grad over plain conv2d + bias + relu. */
async function naiveStepMs(image: RawImage): Promise<number> {
  // Registers every op's gradient: tfjs-core's Node build has none.
  await import('@tensorflow/tfjs-layers');
  const net = InceptionNet.build(await loadInceptionFiles(), 'mixed5');
  const objective = objectiveOf(DEFAULT_PARAMS.layers);
  try {
    const x = tf.tidy(() =>
      tf.sub(tf.div(tf.tensor4d(image.data, [1, image.height, image.width, 3], 'int32'), 127.5), 1),
    );
    const gradient = tf.grad((input) =>
      tf.addN(
        net
          .forward(
            input as tf.Tensor4D,
            objective.map(({ layer }) => layer),
          )
          .map((a, i) => tf.mul(tf.mean(a), objective[i]!.weight)),
      ),
    );
    const start = performance.now();
    tf.tidy(() => gradient(x).dataSync());
    x.dispose();
    return performance.now() - start;
  } finally {
    net.dispose();
  }
}

/**
 * The arithmetic of a default dream at `width`×`height` (the size it is dreamt at), in GFLOP: every
 * step's tiles through the network and back, counted from the kernels that run (convolutions
 * forward and their input gradients; see gigaflopsOf). Jitter moves the tiles' edges, not their
 * sizes.
 */
async function dreamGigaflops(
  net: InceptionNet,
  width: number,
  height: number,
  tileSize = 512,
): Promise<number> {
  const objective = objectiveOf(DEFAULT_PARAMS.layers);
  const perTile = new Map<string, number>();
  let total = 0;
  for (const [h, w] of octaveShapes([height, width], DEFAULT_PARAMS.octaves, DEFAULT_PARAMS.octaveScale)) {
    const rows = cuts(h, tileSize);
    const cols = cuts(w, tileSize);
    for (let r = 0; r + 1 < rows.length; r++) {
      for (let c = 0; c + 1 < cols.length; c++) {
        const shape: [number, number, number, number] = [
          1,
          rows[r + 1]! - rows[r]!,
          cols[c + 1]! - cols[c]!,
          3,
        ];
        const key = shape.join('×');
        if (!perTile.has(key)) {
          const x = tf.zeros(shape) as tf.Tensor4D;
          perTile.set(key, await gigaflopsOf(() => net.gradient(x, objective).gradient));
          x.dispose();
        }
        total += perTile.get(key)! * DEFAULT_PARAMS.steps;
      }
    }
  }
  return total;
}

export async function benchDeepDream(options: { threads?: number } = {}): Promise<string> {
  const timings: DreamTiming[] = [];
  const converter = createDeepDream({
    backend: options.threads ? { wasmThreads: options.threads } : {},
    onTiming: (timing) => timings.push(timing),
  });
  const start = performance.now();
  const { backend } = await converter.setup();
  const setupMs = performance.now() - start;
  const context = { progress() {}, signal: new AbortController().signal };
  const dream = async (image: RawImage, params: Partial<DeepDreamParams>) => {
    const begin = performance.now();
    await converter.convert(image, { ...DEFAULT_PARAMS, seed: 1, ...params }, context);
    return { ms: performance.now() - begin, timing: timings.at(-1)! };
  };

  const at299 = await photoPixels(PHOTO, 299);
  const at512 = await photoPixels(PHOTO, 512);
  // One octave at exactly that size: the cost of a step there.
  const step299 = split((await dream(at299, { octaves: 1, steps: 5 })).timing);
  const step512 = split((await dream(at512, { octaves: 1, steps: 3 })).timing);
  const full = await dream(at512, {});
  const full512 = split(full.timing);
  const peak512 = peakRssMiB();
  // The preview size (the default), at 4:3; full resolution: bench/photo-size.bench.ts.
  const height = Math.floor(Math.sqrt((PREVIEW_PIXELS * 3) / 4));
  const largest = await photoPixels(PHOTO, Math.floor((height * 4) / 3), height);
  const fullLargest = await dream(largest, {});
  const peakLargest = peakRssMiB();

  const naive299 = await naiveStepMs(at299);

  // What the time is made of: the arithmetic, against the best rate a convolution reaches here.
  const net = InceptionNet.build(await loadInceptionFiles(), 'mixed5');
  const work512 = await dreamGigaflops(net, 512, 512);
  const workLargest = await dreamGigaflops(net, largest.width, largest.height);
  const work2mp = await dreamGigaflops(net, 1832, 1145);
  net.dispose();
  const peak = peakConvolutionRate();
  const rate = (gigaflop: number, ms: number) => `${(gigaflop / (ms / 1000)).toFixed(0)} GFLOP/s`;
  const floor = (gigaflop: number) => `${(gigaflop / peak).toFixed(1)} s`;

  const row = (label: string, s: StepSplit) =>
    `| ${label} | ${seconds(s.perStep)} | ${seconds(s.forward)} | ${seconds(s.backward)} | ${seconds(s.rest)} | ${s.steps} |`;
  const { octaves, octaveScale, steps, stepSize, layers } = DEFAULT_PARAMS;
  return [
    '## DeepDream (converters/deepdream core)',
    '',
    `Backend ${backend} on ${cpus().length} × ${cpus()[0]?.model.trim()}; setup (weights, warm-up) ${seconds(setupMs)} s.`,
    `Defaults: layers \`${layers}\`, ${octaves} octaves × ${octaveScale}, ${steps} steps, step size ${stepSize}.`,
    '',
    '| per gradient step (s) | total | forward | backward | rest | steps |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('299×299', step299),
    row('512×512', step512),
    row('512×512 default dream, mean over octaves', full512),
    '',
    `Default dream of a 512×512 photo: **${seconds(full.ms)} s** in total; peak process memory ${peak512.toFixed(0)} MiB.`,
    `Default dream at the preview size (${largest.width}×${largest.height}, tiled): ${seconds(fullLargest.ms)} s; ` +
      `peak process memory ${peakLargest.toFixed(0)} MiB.`,
    '',
    `Arithmetic (convolutions forward and their input gradients, counted from the kernels run): the default dream of 512×512 is ${work512.toFixed(0)} GFLOP, ` +
      `done here at ${rate(work512, full.ms)}; at the preview size ${workLargest.toFixed(0)} GFLOP, done at ${rate(workLargest, fullLargest.ms)}; ` +
      `a full-resolution dream of a 2 MP photo (1832×1145) ${work2mp.toFixed(0)} GFLOP. ` +
      `The best rate of one large convolution on this backend, same run: ${peak.toFixed(0)} GFLOP/s; ` +
      `at that rate throughout, the three would still take ${floor(work512)}, ${floor(workLargest)} and ${floor(work2mp)}.`,
    '',
    `Baseline, same run: one step at 299×299 through tf.grad over plain ops takes ${seconds(naive299)} s ` +
      `(${(naive299 / step299.perStep).toFixed(1)}× this core's step).`,
  ].join('\n');
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { threads: { type: 'string' } } });
  process.stdout.write(
    `${await benchDeepDream({ threads: values.threads ? Number(values.threads) : undefined })}\n`,
  );
  // The wasm backend's pthread workers keep the process alive.
  process.exit(0);
}
