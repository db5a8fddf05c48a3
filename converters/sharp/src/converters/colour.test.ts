import { describe, expect, it } from 'vitest';
import { decode, fromLinear, pngOf, reference, referencePng, toLinear } from '../../testing/images.ts';
import {
  brightness,
  contrast,
  grayscale,
  invert,
  saturation,
  saturationMatrix,
  sepia,
  sepiaMatrix,
} from './colour.ts';

// Mid-range colours, so that no channel clips and every change can be measured.
const muted = [
  [150, 120, 100],
  [60, 90, 200],
  [100, 100, 100],
  [30, 200, 80],
] as const;

const mutedPng = () => pngOf(2, 2, muted);

async function allPixels(image: Buffer): Promise<number[][]> {
  const decoded = await decode(image);
  return Array.from({ length: decoded.width * decoded.height }, (_, i) =>
    decoded.at(i % decoded.width, Math.floor(i / decoded.width)),
  );
}

function expectClose(actual: number[][], expected: number[][], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((pixel, i) => {
    pixel.forEach((value, c) => {
      expect(
        Math.abs(value - expected[i]![c]!),
        `pixel ${i} channel ${c}: ${value} vs ${expected[i]![c]}`,
      ).toBeLessThanOrEqual(tolerance);
    });
  });
}

const clamp = (value: number) => Math.min(255, Math.max(0, value));

describe('grayscale', () => {
  it('gives R = G = B equal to the luminance (Rec. 709 in linear light)', async () => {
    const { data, contentType } = await grayscale.convert(await referencePng());
    expect(contentType).toBe('image/png');
    const expected = reference.pixels.map(([r, g, b]) => {
      const y = fromLinear(0.2126 * toLinear(r) + 0.7152 * toLinear(g) + 0.0722 * toLinear(b));
      return [y, y, y];
    });
    expectClose(await allPixels(data), expected, 1);
    // Pure red is 127, not the 76 of gamma-space Rec. 601 weights.
    expect((await decode(data)).at(0, 0)).toEqual([127, 127, 127]);
  });

  it('writes one channel, and keeps transparency', async () => {
    const { data } = await grayscale.convert(
      await pngOf(2, 1, [
        [255, 0, 0, 51],
        [0, 0, 255, 255],
      ]),
    );
    const out = await decode(data);
    expect(out.at(0, 0)).toEqual([127, 127, 127, 51]);
    expect(out.at(1, 0)).toEqual([76, 76, 76, 255]);
    const { default: sharp } = await import('sharp');
    expect(await sharp(data).metadata()).toMatchObject({ channels: 2, space: 'b-w' });
  });
});

describe('invert', () => {
  it('gives 255 − x for every channel, and keeps alpha', async () => {
    const { data } = await invert.convert(await referencePng());
    expect(await allPixels(data)).toEqual(reference.pixels.map((pixel) => pixel.map((v) => 255 - v)));
    const withAlpha = await invert.convert(await pngOf(1, 1, [[10, 20, 30, 77]]));
    expect((await decode(withAlpha.data)).at(0, 0)).toEqual([245, 235, 225, 77]);
  });
});

describe('contrast', () => {
  it('stretches values away from mid-grey by the amount', async () => {
    const { data } = await contrast.convert(await mutedPng(), { amount: 2 });
    expectClose(
      await allPixels(data),
      muted.map((pixel) => pixel.map((v) => clamp(2 * v - 127.5))),
      1,
    );
  });

  it('flattens towards mid-grey below 1 and uses 1.5 by default', async () => {
    const half = await contrast.convert(await mutedPng(), { amount: 0.5 });
    expectClose(
      await allPixels(half.data),
      muted.map((pixel) => pixel.map((v) => 0.5 * v + 63.75)),
      1,
    );
    const byDefault = await contrast.convert(await mutedPng());
    expectClose(
      await allPixels(byDefault.data),
      muted.map((pixel) => pixel.map((v) => clamp(1.5 * v - 63.75))),
      1,
    );
  });
});

describe('brightness', () => {
  it('multiplies every value by the factor', async () => {
    const brighter = await brightness.convert(await mutedPng(), { factor: 1.25 });
    expectClose(
      await allPixels(brighter.data),
      muted.map((pixel) => pixel.map((v) => clamp(1.25 * v))),
      1,
    );
    const darker = await brightness.convert(await mutedPng(), { factor: 0.5 });
    expectClose(
      await allPixels(darker.data),
      muted.map((pixel) => pixel.map((v) => 0.5 * v)),
      1,
    );
  });
});

describe('saturation', () => {
  const luma = ([r, g, b]: readonly number[]) => 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;

  it('moves each channel away from the luma by the factor', async () => {
    const { data } = await saturation.convert(await mutedPng(), { factor: 2 });
    expectClose(
      await allPixels(data),
      muted.map((pixel) => pixel.map((v) => clamp(luma(pixel) + 2 * (v - luma(pixel))))),
      1,
    );
  });

  it('gives grey at 0, and the luma of the grey is kept', async () => {
    const { data } = await saturation.convert(await mutedPng(), { factor: 0 });
    const pixels = await allPixels(data);
    pixels.forEach((pixel, i) => {
      expect(pixel[0]).toBe(pixel[1]);
      expect(pixel[1]).toBe(pixel[2]);
      expect(Math.abs(pixel[0]! - luma(muted[i]!))).toBeLessThanOrEqual(1);
    });
  });

  it('keeps the image at 1', () => {
    expect(
      saturationMatrix(1)
        .flat()
        .map((v) => Math.round(v * 1e9) / 1e9),
    ).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });
});

describe('sepia', () => {
  it('applies the sepia matrix: warm tones with red ≥ green ≥ blue', async () => {
    const { data } = await sepia.convert(await mutedPng());
    const expected = muted.map(([r, g, b]) => [
      clamp(0.393 * r + 0.769 * g + 0.189 * b),
      clamp(0.349 * r + 0.686 * g + 0.168 * b),
      clamp(0.272 * r + 0.534 * g + 0.131 * b),
    ]);
    const pixels = await allPixels(data);
    expectClose(pixels, expected, 1);
    for (const [r, g, b] of pixels) {
      expect(r).toBeGreaterThanOrEqual(g!);
      expect(g).toBeGreaterThan(b!);
    }
  });

  it('blends with the original by amount, and keeps the image at 0', async () => {
    expect(sepiaMatrix(0)).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const { data } = await sepia.convert(await mutedPng(), { amount: 0 });
    expect(await allPixels(data)).toEqual(muted.map((pixel) => [...pixel]));
  });
});

describe('alpha', () => {
  it('is kept by every colour operation', async () => {
    const input = await pngOf(1, 1, [[120, 80, 40, 51]]);
    for (const converter of [contrast, brightness, saturation, sepia]) {
      const { data } = await converter.convert(input);
      expect((await decode(data)).at(0, 0)[3], converter.id).toBe(51);
    }
  });
});
