import { AppError } from '@pixelflow/errors';
import { MAX_PIXELS } from '@pixelflow/product';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decode, noisy } from '../testing/images.ts';
import { blur, converters, MAX_RESAMPLED_SIDE, resize, rotate, sharpen } from './index.ts';
import { fromSharpError } from './sharp-errors.ts';

// The work one conversion may do, bounded before it starts where the header tells it, and in time
// where nothing else can: a running libvips operation cannot be cancelled.

/** A one-colour image: a few hundred bytes whatever its size. */
const plain = (width: number, height: number, format: 'png' | 'webp' = 'png') =>
  sharp({ create: { width, height, channels: 3, background: '#336699' } })
    .toFormat(format)
    .toBuffer();

const limits = { maxPixels: MAX_PIXELS, timeoutSeconds: 30 };

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, String(error)).toBeInstanceOf(AppError);
  return error as AppError;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

describe('time limit', () => {
  it('stops a conversion past timeoutSeconds with WORK_TOO_LARGE, a 4xx that is not retried', async () => {
    // A 49 MP sharpen at sigma 5 takes several seconds.
    const large = await plain(7000, 7000);
    const started = performance.now();
    const error = await failure(sharpen.convert(large, { sigma: 5 }, { timeoutSeconds: 1 }));
    expect(performance.now() - started).toBeLessThan(4000);
    expect(error.code).toBe('WORK_TOO_LARGE');
    expect(error.status).toBe(422);
    expect(error.details).toEqual({ timeoutSeconds: 1 });
  });

  it('tells a timeout from libvips apart from other failures', async () => {
    const killed = new Error(
      'timeout: 4% complete\nVipsImage: killed for image "temp-78"\nvips2png: unable to write',
    );
    expect(fromSharpError(killed, limits)).toMatchObject({
      code: 'WORK_TOO_LARGE',
      details: { timeoutSeconds: 30 },
    });
  });
});

describe('16-bit inputs', () => {
  const eightAndSixteen = async (size: number) => {
    const eight = await noisy(size, size, 'png');
    const sixteen = await sharp(eight).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(sixteen).metadata()).depth).toBe('ushort');
    return { eight, sixteen };
  };

  it('cost no more than 8-bit ones in a blur (libvips convolves 16 bits about 20× slower)', async () => {
    // Measured on a 49 MP RGBA PNG: 36.9 s in 16 bits, 1.7 s in 8.
    const { eight, sixteen } = await eightAndSixteen(1200);
    await blur.convert(eight, { sigma: 50 }); // warm up
    const eightMs = await timed(() => blur.convert(eight, { sigma: 50 }));
    const sixteenMs = await timed(() => blur.convert(sixteen, { sigma: 50 }));
    expect(sixteenMs, `8-bit ${eightMs} ms, 16-bit ${sixteenMs} ms`).toBeLessThan(eightMs * 3 + 50);
  });

  it('give the 8-bit result within a rounding, as every output is 8-bit anyway', async () => {
    const { eight, sixteen } = await eightAndSixteen(300);
    for (const converter of converters) {
      const params = converter.id === 'resize' ? { width: 100 } : {};
      const [a, b] = await Promise.all([
        converter.convert(eight, params),
        converter.convert(sixteen, params),
      ]);
      expect((await sharp(b.data).metadata()).depth, converter.id).toBe('uchar');
      const [x, y] = [await decode(a.data), await decode(b.data)];
      let worst = 0;
      for (let i = 0; i < x.data.length; i++) worst = Math.max(worst, Math.abs(x.data[i]! - y.data[i]!));
      expect(worst, converter.id).toBeLessThanOrEqual(2);
    }
  });
});

describe('sizes on the way', () => {
  it('refuses cover on an extreme aspect ratio before any work (libvips would fail out of range)', async () => {
    const tall = await plain(1, 40_000);
    const wide = await plain(65_535, 1);
    for (const [input, params, scaled] of [
      [tall, { width: 8192, height: 1, fit: 'cover' }, { width: 8192, height: 327_680_000 }],
      [wide, { width: 2, height: 8192, fit: 'cover' }, { width: 536_862_720, height: 8192 }],
    ] as const) {
      const error = await failure(resize.convert(input, params));
      expect(error.code).toBe('WORK_TOO_LARGE');
      expect(error.details).toEqual({ ...scaled, maxSide: MAX_RESAMPLED_SIDE });
    }
  });

  it('lets cover scale up to the bound, which libvips handles, cropping cheaply', async () => {
    // 1 × 2048 covered to 8192 × 1: scaled to 8192 × 2^24 on the way, then cropped.
    const { data } = await resize.convert(await plain(1, 2048), { width: 8192, height: 1, fit: 'cover' });
    expect(await sharp(data).metadata()).toMatchObject({ width: 8192, height: 1 });
  });

  it('answers every fit on extreme aspect ratios with a result or WORK_TOO_LARGE, never a failure', async () => {
    const inputs = [await plain(1, 40_000), await plain(65_535, 1)];
    const boxes = [
      { width: 8192, height: 1 },
      { width: 2, height: 8192 },
      { width: 8192, height: 8192 },
      { height: 1000 },
    ];
    for (const input of inputs) {
      for (const box of boxes) {
        for (const fit of ['inside', 'outside', 'cover', 'contain', 'fill']) {
          const outcome = await resize.convert(input, { ...box, fit }).then(
            () => 'ok',
            (e: unknown) => (e instanceof AppError ? e.code : String(e)),
          );
          expect(['ok', 'WORK_TOO_LARGE'], JSON.stringify({ box, fit, outcome })).toContain(outcome);
        }
      }
    }
  });

  it('refuses a result wider than its format holds before the work (WebP: 16383)', async () => {
    // 16383 × 1000 turned 1° needs a 16397 px wide canvas: 21 MP, within the pixel limit.
    const webp = await plain(16_383, 1000, 'webp');
    const error = await failure(rotate.convert(webp, { angle: 1 }));
    expect(error.code).toBe('WORK_TOO_LARGE');
    expect(error.details).toMatchObject({ maxSide: 16_383 });
  });

  it("classifies libvips' out-of-range failures as WORK_TOO_LARGE, damage still as CORRUPT_IMAGE", async () => {
    const libvips = await sharp(await plain(1, 40_000))
      .resize({ width: 8192, height: 1, fit: 'cover' })
      .toBuffer()
      .catch((e: Error) => e);
    expect(String(libvips)).toMatch(/out of range/);
    expect(fromSharpError(libvips, limits)).toMatchObject({ code: 'WORK_TOO_LARGE', status: 422 });
    const tooWide = new Error('Processed image is too large for the WebP format');
    expect(fromSharpError(tooWide, limits)).toMatchObject({ code: 'WORK_TOO_LARGE' });
    const damaged = new Error('VipsJpeg: DCT coefficient out of range');
    expect(fromSharpError(damaged, limits)).toMatchObject({ code: 'CORRUPT_IMAGE' });
  });
});
