import type { ConvertContext, RawImage } from '@pixelflow/converter-kit';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  differenceStructure,
  objectiveValue,
  photoPixels,
  rmsDifference,
  transformed,
  withNoise,
} from '../../testing/images.ts';
import { InceptionNet } from './inception.ts';
import { loadInceptionFiles } from './inception-files.ts';
import { createDeepDream, DEFAULT_PARAMS, type DeepDreamParams } from './index.ts';
import { objectiveOf } from './params.ts';

const converter = createDeepDream({ tileSize: 512 });
let net: InceptionNet;
let garden: RawImage;

beforeAll(async () => {
  await converter.setup();
  net = InceptionNet.build(await loadInceptionFiles(), 'mixed5');
  garden = await photoPixels('mate/nature/Garden.jpg', 160);
}, 60_000);

afterAll(() => net?.dispose());

function context(overrides: Partial<ConvertContext> = {}): ConvertContext {
  return { progress() {}, signal: new AbortController().signal, ...overrides };
}

const params = (extra: Partial<DeepDreamParams> = {}): DeepDreamParams => ({
  ...DEFAULT_PARAMS,
  seed: 1,
  ...extra,
});

/**
 * What makes a dream, measured against the input: the picture changed visibly, in shapes rather
 * than pixel noise, and the network sees much more of what the objective asks for.
 */
function dreamMeasures(input: RawImage, output: RawImage) {
  const objective = objectiveOf(DEFAULT_PARAMS.layers);
  return {
    rms: rmsDifference(input, output),
    structure: differenceStructure(input, output),
    gain: objectiveValue(net, output, objective) / objectiveValue(net, input, objective),
  };
}

function looksDreamt(input: RawImage, output: RawImage): boolean {
  const { rms, structure, gain } = dreamMeasures(input, output);
  return rms > 5 && structure > 0.3 && gain > 1.25;
}

describe('createDeepDream', () => {
  it('dreams on a real photo: structured change that raises the objective', async () => {
    const output = await converter.convert(garden, params(), context());
    expect([output.width, output.height, output.data.length]).toEqual([160, 160, 160 * 160 * 3]);
    expect(dreamMeasures(garden, output)).toMatchObject({
      rms: expect.toSatisfy((v: number) => v > 5),
      structure: expect.toSatisfy((v: number) => v > 0.3),
      gain: expect.toSatisfy((v: number) => v > 1.25),
    });
    expect(looksDreamt(garden, output)).toBe(true);

    // The same check refuses what is no dream: nothing, noise of the same strength, a blur, a sharpen.
    expect(looksDreamt(garden, garden)).toBe(false);
    expect(looksDreamt(garden, withNoise(garden, rmsDifference(garden, output)))).toBe(false);
    expect(looksDreamt(garden, await transformed(garden, (image) => image.blur(2)))).toBe(false);
    expect(
      looksDreamt(garden, await transformed(garden, (image) => image.sharpen({ sigma: 2, m2: 4 }))),
    ).toBe(false);
  }, 60_000);

  it('reports progress after every step, rising to 1', async () => {
    const fractions: number[] = [];
    await converter.convert(
      garden,
      params({ octaves: 2, steps: 4 }),
      context({ progress: (f) => fractions.push(f) }),
    );
    expect(fractions).toHaveLength(8);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThan(fractions[i - 1]!);
    expect(fractions[0]).toBeGreaterThan(0);
    expect(fractions.at(-1)).toBe(1);
  }, 30_000);

  it('stops soon after an abort with an AbortError, leaving no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let abortedAt = 0;
    const converting = converter.convert(
      garden,
      params({ octaves: 1, steps: 50 }),
      context({
        signal: controller.signal,
        progress() {
          if (abortedAt) return;
          // Aborted from outside the step, as the kit's message handler does.
          setImmediate(() => {
            abortedAt = performance.now();
            controller.abort(new Error('client went away'));
          });
        },
      }),
    );
    await expect(converting).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - abortedAt).toBeLessThan(2_000);
    expect(tf.memory().numTensors).toBe(before);
  }, 30_000);

  it('disposes every tensor it makes', async () => {
    const before = tf.memory().numTensors;
    await converter.convert(garden, params({ octaves: 2, steps: 2 }), context());
    expect(tf.memory().numTensors).toBe(before);
  }, 30_000);

  it('gives the same picture for the same seed and another for another', async () => {
    const quick = { octaves: 1, steps: 3 };
    const [a, b, c] = [
      await converter.convert(garden, params({ ...quick, seed: 7 }), context()),
      await converter.convert(garden, params({ ...quick, seed: 7 }), context()),
      await converter.convert(garden, params({ ...quick, seed: 8 }), context()),
    ];
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(Buffer.from(a.data).equals(Buffer.from(c.data))).toBe(false);
  }, 30_000);

  it('dreams a picture larger than a tile, tile by tile, without leaking tensors', async () => {
    const tiled = createDeepDream({ tileSize: 128 });
    await tiled.setup();
    const wide = await photoPixels('mate/nature/Garden.jpg', 300, 200);
    const before = tf.memory().numTensors;
    const output = await tiled.convert(wide, params({ octaves: 2, steps: 4 }), context());
    expect([output.width, output.height]).toEqual([300, 200]);
    expect(tf.memory().numTensors).toBe(before);
    expect(rmsDifference(wide, output)).toBeGreaterThan(5);
    expect(differenceStructure(wide, output)).toBeGreaterThan(0.3);
  }, 60_000);

  it('dreams a picture smaller than the network takes, at its own size', async () => {
    const tiny = await photoPixels('mate/nature/Garden.jpg', 40, 24);
    const output = await converter.convert(tiny, params({ steps: 2 }), context());
    expect([output.width, output.height, output.data.length]).toEqual([40, 24, 40 * 24 * 3]);
  }, 30_000);
});
