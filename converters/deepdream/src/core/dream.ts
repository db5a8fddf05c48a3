import type { ConvertContext, RawImage } from '@pixelflow/converter-kit';
import * as tf from '@tensorflow/tfjs-core';
import { type InceptionNet, type LayerWeight, MIN_INPUT_SIDE, type PassTiming } from './inception.ts';

export interface DreamSettings {
  objective: readonly LayerWeight[];
  octaves: number;
  octaveScale: number;
  steps: number;
  stepSize: number;
  jitter: number;
  seed: number;
  /** Largest tile side for one gradient pass: bounds the memory of the pass (see createDeepDream). */
  tileSize: number;
}

/** Where a dream's time went, summed over its steps. */
export interface DreamTiming extends PassTiming {
  steps: number;
  totalMs: number;
}

type Shape = [number, number];

/** A small fast seeded generator (mulberry32): repeatable jitter for a given seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function abortError(): Error {
  const error = new Error('DeepDream aborted');
  error.name = 'AbortError';
  return error;
}

/** Lets the worker's event loop run (abort messages arrive that way) between synchronous steps. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function resize(image: tf.Tensor4D, [height, width]: Shape): tf.Tensor4D {
  if (image.shape[1] === height && image.shape[2] === width) return tf.clone(image);
  return tf.image.resizeBilinear(image, [height, width], false, true);
}

/** Circular shift by (dy, dx) pixels. */
function roll(image: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, height, width] = image.shape;
    let result = image;
    const y = ((dy % height) + height) % height;
    const x = ((dx % width) + width) % width;
    if (y !== 0) {
      const top = tf.slice(result, [0, height - y, 0, 0], [-1, y, -1, -1]);
      const rest = tf.slice(result, [0, 0, 0, 0], [-1, height - y, -1, -1]);
      result = tf.concat([top, rest], 1);
    }
    if (x !== 0) {
      const left = tf.slice(result, [0, 0, width - x, 0], [-1, -1, x, -1]);
      const rest = tf.slice(result, [0, 0, 0, 0], [-1, -1, width - x, -1]);
      result = tf.concat([left, rest], 2);
    }
    return result === image ? tf.clone(image) : result;
  });
}

/** Splits `length` into about equal parts of at most `size`: the tiles' edges along one side. */
export function cuts(length: number, size: number): number[] {
  const count = Math.ceil(length / size);
  return Array.from({ length: count + 1 }, (_, i) => Math.round((i * length) / count));
}

/**
 * The octaves' sizes, smallest first, down from `size` by `scale`; octaves that would fall under
 * the network's smallest input are dropped.
 */
export function octaveShapes([height, width]: Shape, octaves: number, scale: number): Shape[] {
  const shapes: Shape[] = [];
  for (let i = octaves - 1; i >= 0; i--) {
    const shape: Shape = [Math.round(height / scale ** i), Math.round(width / scale ** i)];
    if (Math.min(...shape) >= MIN_INPUT_SIDE || i === 0) shapes.push(shape);
  }
  return shapes;
}

/**
 * DeepDream: gradient ascent of the objective on the image, octave by octave from small to large,
 * with the detail that downscaling lost put back at each octave. Each step shifts the image by
 * a random offset, computes the gradient tile by tile (every tile at most `tileSize` square,
 * the seams in a new place each step), normalises it by its standard deviation and adds it.
 */
export async function dream(
  net: InceptionNet,
  image: RawImage,
  settings: DreamSettings,
  context: ConvertContext,
  timing?: DreamTiming,
): Promise<RawImage> {
  const { width, height } = image;
  if (image.data.length !== width * height * 3) throw new Error(`expected ${width}×${height} RGB pixels`);
  const next = random(settings.seed);
  // Images under the network's smallest input are dreamt larger, then scaled back.
  const enlarge = Math.max(1, MIN_INPUT_SIDE / Math.min(width, height));
  const base: Shape = [Math.round(height * enlarge), Math.round(width * enlarge)];
  const shapes = octaveShapes(base, settings.octaves, settings.octaveScale);
  const total = shapes.length * settings.steps;
  let done = 0;

  const original = tf.tidy(() => {
    const pixels = tf.tensor4d(image.data, [1, height, width, 3], 'int32');
    return resize(tf.sub(tf.div(pixels, 127.5), 1) as tf.Tensor4D, base);
  });
  let dreamt = resize(original, shapes[0]!);
  try {
    for (const [octave, shape] of shapes.entries()) {
      if (octave > 0) {
        const previous = dreamt;
        dreamt = tf.tidy(() => {
          const lost = tf.sub(resize(original, shape), resize(resize(original, shapes[octave - 1]!), shape));
          return tf.add(resize(previous, shape), lost) as tf.Tensor4D;
        });
        previous.dispose();
      }
      for (let step = 0; step < settings.steps; step++) {
        await yieldToEventLoop();
        if (context.signal.aborted) throw abortError();
        const start = performance.now();
        const previous = dreamt;
        dreamt = ascend(net, previous, settings, next, context.signal, timing);
        previous.dispose();
        if (timing) {
          timing.steps++;
          timing.totalMs += performance.now() - start;
        }
        done++;
        context.progress(done / total);
      }
    }
    const result = tf.tidy(() => {
      const pixels = tf.clipByValue(
        tf.round(tf.mul(tf.add(resize(dreamt, [height, width]), 1), 127.5)),
        0,
        255,
      );
      return tf.cast(pixels, 'int32');
    });
    const data = Uint8Array.from(result.dataSync());
    result.dispose();
    return { data, width, height };
  } finally {
    original.dispose();
    dreamt.dispose();
  }
}

/** One step of gradient ascent, over tiles. */
function ascend(
  net: InceptionNet,
  image: tf.Tensor4D,
  settings: DreamSettings,
  next: () => number,
  signal: AbortSignal,
  timing?: PassTiming,
): tf.Tensor4D {
  const [, height, width] = image.shape;
  const tiled = height > settings.tileSize || width > settings.tileSize;
  // A tiled image shifts by up to a whole tile, so that the seams fall somewhere new each step.
  const spread = (length: number) => (tiled ? Math.min(length, settings.tileSize) : 2 * settings.jitter + 1);
  const dy = Math.floor(next() * spread(height)) - (tiled ? 0 : settings.jitter);
  const dx = Math.floor(next() * spread(width)) - (tiled ? 0 : settings.jitter);
  const rows = cuts(height, settings.tileSize);
  const cols = cuts(width, settings.tileSize);
  const area = (height * width) / ((rows.length - 1) * (cols.length - 1));
  const shifted = roll(image, dy, dx);
  const parts: tf.Tensor4D[][] = [];
  try {
    for (let r = 0; r + 1 < rows.length; r++) {
      const row: tf.Tensor4D[] = [];
      parts.push(row);
      for (let c = 0; c + 1 < cols.length; c++) {
        if (signal.aborted) throw abortError();
        const [top, bottom, left, right] = [rows[r]!, rows[r + 1]!, cols[c]!, cols[c + 1]!];
        const tile = tf.slice(shifted, [0, top, left, 0], [1, bottom - top, right - left, 3]);
        // Each tile's mean is over its own pixels: weigh it by its share so that all count alike.
        const share = ((bottom - top) * (right - left)) / area;
        const objective = settings.objective.map(({ layer, weight }) => ({ layer, weight: weight * share }));
        try {
          row.push(net.gradient(tile, objective, timing).gradient);
        } finally {
          tile.dispose();
        }
      }
    }
    return tf.tidy(() => {
      const stitched = tf.concat(
        parts.map((row) => tf.concat(row, 2)),
        1,
      );
      const gradient = roll(stitched, -dy, -dx);
      const { variance } = tf.moments(gradient);
      const normalised = tf.div(gradient, tf.add(tf.sqrt(variance), 1e-8));
      return tf.clipByValue(tf.add(image, tf.mul(normalised, settings.stepSize)), -1, 1) as tf.Tensor4D;
    });
  } finally {
    shifted.dispose();
    for (const row of parts) for (const part of row) part.dispose();
  }
}
