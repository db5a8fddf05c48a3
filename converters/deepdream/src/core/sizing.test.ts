import { decodeImage } from '@pixelflow/converter-kit';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { description } from './description.ts';
import { DEFAULT_PARAMS, type DeepDreamParams } from './params.ts';
import { FULL_MAX_PIXELS, PREVIEW_PIXELS } from './resolution.ts';
import { workPerPixel } from './sizing.ts';

// The sizes as the service decides them, on its main thread, before the worker: a flat JPEG of
// the real size decodes in milliseconds, and no network runs.
const jpeg = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#806040' } })
    .jpeg()
    .toBuffer();

const sized = async (width: number, height: number, params: Partial<DeepDreamParams>) => {
  const decoded = await decodeImage(await jpeg(width, height), description, { ...DEFAULT_PARAMS, ...params });
  return { width: decoded.raw.width, height: decoded.raw.height, notice: decoded.notice };
};

const heaviest = { layers: 'creatures', octaves: 6, octaveScale: 1.2, steps: 50 } as const;

describe('DeepDream sizing', () => {
  it('describes the largest it dreams at: full resolution, up to 2048×1280', () => {
    expect(description).toMatchObject({ maxPixels: 2048 * 1280, oversize: 'downscale' });
    expect(description.description).toContain('full resolution (up to 2048×1280)');
    expect(description.params.properties.resolution).toMatchObject({
      enum: ['preview', 'full'],
      default: 'preview',
    });
  });

  it('dreams at the preview size by default, and says what full resolution would give', async () => {
    expect(await sized(2560, 1600, {})).toEqual({
      width: 915,
      height: 572,
      notice: 'DeepDream at preview size 915×572; choose full resolution for 2048×1280.',
    });
    expect(await sized(3840, 2160, { resolution: 'preview' })).toMatchObject({
      notice: 'DeepDream at preview size 965×543; choose full resolution for 2158×1214.',
    });
  });

  it('dreams at full resolution when asked, up to the largest it dreams at', async () => {
    expect(await sized(1920, 1200, { resolution: 'full' })).toEqual({
      width: 1920,
      height: 1200,
      notice: undefined,
    });
    expect(await sized(2560, 1600, { resolution: 'full' })).toEqual({
      width: 2048,
      height: 1280,
      notice: 'DeepDream at 2048×1280, the largest this installation dreams at; the image is 2560×1600.',
    });
  });

  it('dreams a small image at its own size either way, without a notice', async () => {
    for (const resolution of ['preview', 'full'] as const) {
      expect(await sized(800, 500, { resolution })).toEqual({ width: 800, height: 500, notice: undefined });
    }
  });

  it('gives heavier params fewer pixels, so that no dream takes longer than a default full one', async () => {
    const heavy = await sized(2560, 1600, { resolution: 'full', steps: 50, layers: 'creatures' });
    expect(heavy.width * heavy.height).toBeLessThan(FULL_MAX_PIXELS / 4);
    expect(heavy.notice).toBe(
      `DeepDream at ${heavy.width}×${heavy.height}, the largest these settings dream at here (the image is ` +
        '2560×1600); fewer steps or octaves, or shallower layers, allow a larger one.',
    );
    // The heaviest params allowed: even the preview is smaller than usual.
    const preview = await sized(2560, 1600, { ...heaviest, resolution: 'preview' });
    expect(preview.width * preview.height).toBeLessThan(PREVIEW_PIXELS);
    expect(preview.notice).toMatch(/^DeepDream at \d+×\d+, the largest these settings dream at here/);
    // Lighter params are still held to the largest size.
    expect(await sized(3840, 2160, { resolution: 'full', steps: 4, layers: 'patterns' })).toMatchObject({
      width: 2158,
      height: 1214,
    });
  });

  it('keeps every dream within the work of a default full-resolution one', () => {
    const budget = workPerPixel(DEFAULT_PARAMS) * FULL_MAX_PIXELS;
    const sizing = description.sizing!;
    const lists: DeepDreamParams['layers'][] = [
      'patterns',
      'classic',
      'creatures',
      [{ layer: 'mixed7', weight: 1 }],
    ];
    for (const layers of lists) {
      for (const steps of [1, 12, 50]) {
        for (const octaves of [1, 4, 6]) {
          for (const octaveScale of [1.2, 1.6]) {
            for (const resolution of ['preview', 'full'] as const) {
              const params = { layers, steps, octaves, octaveScale, resolution };
              const pixels = sizing.maxPixels({ width: 8000, height: 5000 }, params);
              expect(pixels * workPerPixel(params)).toBeLessThanOrEqual(budget * (1 + 1e-9));
              expect(pixels).toBeLessThanOrEqual(resolution === 'full' ? FULL_MAX_PIXELS : PREVIEW_PIXELS);
            }
          }
        }
      }
    }
  });
});
