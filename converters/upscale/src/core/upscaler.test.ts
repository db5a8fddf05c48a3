import type { ConvertContext, RawImage } from '@pixelflow/converter-kit';
import { defaultBackendLabel } from '@pixelflow/tfjs-backend/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { columnSteps, crop, decodePhoto, transpose } from '../../testing/images.ts';
import { createUpscaler, description } from './index.ts';
import type { ModelVariant, Scale } from './models.ts';
import { planPatches } from './patches.ts';
import { chooseVariant, MAX_INPUT_PIXELS } from './upscaler.ts';

const PATCH = 48;
const MODELS = [
  { variant: 'slim', scale: 2 },
  { variant: 'slim', scale: 4 },
  { variant: 'medium', scale: 2 },
] as const;

const quiet = (signal = new AbortController().signal): ConvertContext => ({ progress() {}, signal });

/** Smooth colour waves: natural column-to-column steps are small and even, so a seam stands out. */
function smoothImage(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = 128 + 60 * Math.sin(x / 13 + y / 29);
      data[i + 1] = 100 + 50 * Math.cos(y / 11 - x / 37);
      data[i + 2] = 90 + 0.5 * x;
    }
  }
  return { data, width, height };
}

/**
 * For each patch boundary (in output columns), its luma step over the largest step of the
 * columns at the same phase (a multiple of the scale away) within 4 of them on either side.
 */
function boundarySpikes(image: RawImage, boundaries: number[], scale: number): number[] {
  const steps = columnSteps(image);
  return boundaries.map((b) => {
    const neighbours = [1, 2, 3, 4].flatMap((k) => [steps[b - k * scale]!, steps[b + k * scale]!]);
    return steps[b]! / Math.max(...neighbours);
  });
}

/** Output columns where one patch core ends and the next begins, and the same for rows. */
function boundaries(image: RawImage, scale: number) {
  const patches = planPatches(image.width, image.height, { size: PATCH, context: 0 });
  const starts = (axis: 'x' | 'y') =>
    [...new Set(patches.map(({ core }) => core[axis]))]
      .filter((start) => start > 0)
      .map((start) => start * scale);
  return { columns: starts('x'), rows: starts('y') };
}

describe('upscaler core', () => {
  let photo: RawImage;
  const patched = createUpscaler({ models: [...MODELS], patchSize: PATCH });
  const whole = createUpscaler({ models: [...MODELS], patchSize: 10_000 });
  const seamy = createUpscaler({ models: [...MODELS], patchSize: PATCH, context: { slim: 0, medium: 0 } });

  beforeAll(async () => {
    const { backend } = await patched.setup();
    expect(backend).toMatch(defaultBackendLabel());
    await whole.setup();
    await seamy.setup();
    // A detailed corner of the ladybird: shell, dots and legs.
    photo = crop(await decodePhoto('mate/nature/LadyBird.jpg'), 1680, 720, 150, 110);
  }, 60_000);

  it('describes itself to the kit', () => {
    expect(description).toMatchObject({
      id: 'upscale',
      maxPixels: MAX_INPUT_PIXELS.medium[2],
      oversize: 'downscale',
    });
    expect(description.params).toMatchObject({
      type: 'object',
      additionalProperties: false,
      properties: { scale: { enum: [2, 4], default: 2 }, model: { default: 'auto' } },
    });
    expect(description.description).toMatch(/a larger image is first reduced/);
  });

  it.each([
    [2, 1, 1],
    [2, 77, 53],
    [4, 61, 97],
  ] as const)('makes a ×%i image of exactly scale × %i×%i', async (scale, width, height) => {
    const image = crop(photo, 0, 0, width, height);
    const result = await patched.convert(image, { scale, model: 'slim' }, quiet());
    expect([result.width, result.height]).toEqual([width * scale, height * scale]);
    expect(result.data).toHaveLength(width * scale * height * scale * 3);
  });

  it.each([
    ['slim', 2],
    ['slim', 4],
    ['medium', 2],
  ] as const)(
    'stitches %s ×%i patches to the whole-image result',
    async (variant, scale) => {
      const params = { scale, model: variant };
      const inPatches = await patched.convert(photo, params, quiet());
      const inOne = await whole.convert(photo, params, quiet());
      let largest = 0;
      for (let i = 0; i < inOne.data.length; i++)
        largest = Math.max(largest, Math.abs(inOne.data[i]! - inPatches.data[i]!));
      expect(largest).toBeLessThanOrEqual(1);

      // Without context, the same patches differ from the whole-image result along their borders.
      const withoutContext = await seamy.convert(photo, params, quiet());
      let seam = 0;
      for (let i = 0; i < inOne.data.length; i++)
        seam = Math.max(seam, Math.abs(inOne.data[i]! - withoutContext.data[i]!));
      expect(seam).toBeGreaterThan(20);
    },
    30_000,
  );

  it.each([
    ['slim', 2],
    ['slim', 4],
    ['medium', 2],
  ] as const)(
    'leaves no visible seam in %s ×%i: no column or row step spikes at patch borders',
    async (variant, scale) => {
      const image = smoothImage(200, 150);
      const { columns, rows } = boundaries(image, scale);
      const spikes = async (upscaler: typeof patched) => {
        const result = await upscaler.convert(image, { scale, model: variant }, quiet());
        return [...boundarySpikes(result, columns, scale), ...boundarySpikes(transpose(result), rows, scale)];
      };
      for (const spike of await spikes(patched)) expect(spike).toBeLessThan(1.15);
      // The detector sees the seams that patches without context leave (a step up or down).
      const seams = await spikes(seamy);
      expect(seams.some((spike) => spike > 1.15 || spike < 0.85)).toBe(true);
    },
    30_000,
  );

  it('reports progress after every patch, rising to 1', async () => {
    const fractions: number[] = [];
    const context = {
      progress: (fraction: number) => fractions.push(fraction),
      signal: new AbortController().signal,
    };
    await patched.convert(photo, { scale: 2, model: 'slim' }, context);
    const count = planPatches(photo.width, photo.height, { size: PATCH, context: 12 }).length;
    expect(count).toBeGreaterThan(4);
    expect(fractions).toEqual(Array.from({ length: count }, (_, i) => (i + 1) / count));
  });

  it.each([
    ['in a progress report', (abort: () => void) => abort()],
    // As the kit's worker sees an abort: a message handled by the event loop, between patches.
    ['from the event loop', (abort: () => void) => setTimeout(abort, 0)],
  ])('stops between patches with an AbortError when aborted %s, keeping no tensors', async (_, schedule) => {
    const baseline = tf.memory().numTensors;
    const controller = new AbortController();
    let reports = 0;
    const context = {
      progress() {
        reports++;
        if (reports === 2) schedule(() => controller.abort());
      },
      signal: controller.signal,
    };
    const conversion = patched.convert(photo, { scale: 2, model: 'medium' }, context);
    await expect(conversion).rejects.toMatchObject({ name: 'AbortError' });
    expect(reports).toBeLessThanOrEqual(3);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('keeps no tensors after a conversion', async () => {
    const baseline = tf.memory().numTensors;
    for (const { variant, scale } of MODELS) await patched.convert(photo, { scale, model: variant }, quiet());
    expect(tf.memory().numTensors).toBe(baseline);
  }, 30_000);

  it.each([
    ['slim', 4, 1025, 640],
    ['medium', 4, 810, 810],
    ['medium', 2, 2049, 1280],
    ['thick', 2, 257, 256],
    ['auto', 2, 2048, 1281],
  ] as const)(
    'refuses a %s ×%i input of %i×%i with IMAGE_TOO_LARGE (the service reduces it first)',
    async (model, scale, width, height) => {
      const baseline = tf.memory().numTensors;
      const image = { data: new Uint8Array(width * height * 3), width, height };
      let reports = 0;
      const context = { progress: () => reports++, signal: new AbortController().signal };
      await expect(patched.convert(image, { scale, model }, context)).rejects.toMatchObject({
        code: 'IMAGE_TOO_LARGE',
      });
      expect(reports).toBe(0);
      expect(tf.memory().numTensors).toBe(baseline);
    },
  );

  it('says which model is missing when asked for one it did not load', async () => {
    await expect(patched.convert(photo, { scale: 4, model: 'medium' }, quiet())).rejects.toThrow(
      'the medium ×4 model is not loaded',
    );
  });
});

describe('chooseVariant', () => {
  it.each([
    ['auto', 2, 512 * 512, 'medium'],
    ['auto', 4, 256 * 256, 'thick'],
    ['auto', 4, 256 * 257, 'medium'],
    ['slim', 4, 10, 'slim'],
    ['thick', 2, 10, 'thick'],
  ] as const)('turns %s at ×%i for %i pixels into %s', (model, scale, pixels, expected) => {
    expect(chooseVariant(model, scale as Scale, pixels)).toBe(expected as ModelVariant);
  });
});
