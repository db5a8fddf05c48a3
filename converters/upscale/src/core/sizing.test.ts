import { decodeImage } from '@pixelflow/converter-kit';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { description } from './description.ts';
import {
  chooseVariant,
  MAX_INPUT_PIXELS,
  MAX_OUTPUT_PIXELS,
  MODEL_VARIANTS,
  type ModelChoice,
  SCALES,
} from './limits.ts';

// The size decisions as the service makes them, on its main thread, before the worker: a flat
// JPEG of the real size decodes in milliseconds, and no network runs.
const jpeg = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#507090' } })
    .jpeg()
    .toBuffer();

describe('upscale sizing', () => {
  it('describes what it takes and makes: every upload, results up to 4096×2560', () => {
    expect(description).toMatchObject({
      maxPixels: 2048 * 1280,
      maxOutputPixels: 4096 * 2560,
      oversize: 'downscale',
    });
    expect(description.description).toContain('at most 4096×2560 pixels');
    expect(description.description).toContain('to 2048×1280 for ×2 and 1024×640 for ×4');
  });

  it.each([
    [
      2560,
      1600,
      2,
      'auto',
      2048,
      1280,
      'Upscaled ×2 to 4096×2560; the image was first reduced to 2048×1280, the largest this installation upscales ×2.',
    ],
    [
      2560,
      1600,
      4,
      'auto',
      1024,
      640,
      'Upscaled ×4 to 4096×2560; the image was first reduced to 1024×640, the largest this installation upscales ×4.',
    ],
    [
      4000,
      3000,
      2,
      'slim',
      1869,
      1402,
      'Upscaled ×2 to 3738×2804; the image was first reduced to 1869×1402, the largest this installation upscales ×2.',
    ],
    [
      1600,
      2560,
      4,
      'medium',
      640,
      1024,
      'Upscaled ×4 to 2560×4096; the image was first reduced to 640×1024, the largest this installation upscales ×4.',
    ],
    [
      2560,
      1600,
      4,
      'thick',
      323,
      202,
      'Upscaled ×4 with thick to 1292×808; the image was first reduced to 323×202, the largest thick upscales. Choose auto or medium for up to 4096×2560.',
    ],
  ] as const)(
    'reduces %i×%i for ×%i %s to %i×%i, and says so',
    async (width, height, scale, model, w, h, notice) => {
      const decoded = await decodeImage(await jpeg(width, height), description, { scale, model });
      expect(decoded.raw).toMatchObject({ width: w, height: h });
      expect(decoded.notice).toBe(notice);
    },
  );

  it.each([
    [2048, 1280, 2, 'auto'],
    [1920, 1080, 2, 'medium'],
    [1024, 640, 4, 'auto'],
    [256, 256, 4, 'auto'],
    [256, 160, 2, 'thick'],
  ] as const)(
    'upscales %i×%i at ×%i (%s) as it is, without a notice',
    async (width, height, scale, model) => {
      const decoded = await decodeImage(await jpeg(width, height), description, { scale, model });
      expect(decoded.raw).toMatchObject({ width, height });
      expect(decoded.notice).toBeUndefined();
    },
  );

  it('never gives the worker more than its model and scale take, nor makes more than the cap', () => {
    const sizing = description.sizing!;
    const shapes = [
      [1, 1],
      [256, 256],
      [257, 256],
      [1000, 700],
      [2048, 1280],
      [2049, 1280],
      [2560, 1600],
      [4000, 3000],
      [8660, 5773],
      [50_000, 1000],
    ];
    for (const [width, height] of shapes) {
      for (const scale of SCALES) {
        for (const model of ['auto', ...MODEL_VARIANTS] as ModelChoice[]) {
          const budget = sizing.maxPixels({ width: width!, height: height! }, { scale, model });
          const working = Math.min(width! * height!, budget);
          // What the worker picks for the copy it is given, and that model's limit there.
          const variant = chooseVariant(model, scale, working);
          expect(working).toBeLessThanOrEqual(MAX_INPUT_PIXELS[variant][scale]);
          expect(working * scale * scale).toBeLessThanOrEqual(MAX_OUTPUT_PIXELS);
        }
      }
    }
  });
});
