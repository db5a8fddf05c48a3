import { AppError } from '@pixelflow/errors';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { cameraMake, gpsDatum, halves, pixel, png, sidewaysJpeg } from '../testing/images.ts';
import { isLosslessWebp, prepareImage } from './image-processing.ts';

const rawPixels = (image: Buffer) => sharp(image).removeAlpha().raw().toBuffer();

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('prepareImage', () => {
  it('applies EXIF orientation 6 and keeps no EXIF, GPS or camera data', async () => {
    const input = await sidewaysJpeg(200, 100);
    const before = await sharp(input).metadata();
    expect(before.orientation).toBe(6);
    expect(before.exif).toBeDefined();
    expect(input.includes(Buffer.from(cameraMake))).toBe(true);
    expect(input.includes(Buffer.from(gpsDatum))).toBe(true);

    const prepared = await prepareImage(input);
    expect(prepared).toMatchObject({ format: 'jpeg', contentType: 'image/jpeg', width: 100, height: 200 });
    const after = await sharp(prepared.data).metadata();
    expect([after.width, after.height]).toEqual([100, 200]);
    expect(after.orientation).toBeUndefined();
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.iptc).toBeUndefined();
    expect(prepared.data.includes(Buffer.from(cameraMake))).toBe(false);
    expect(prepared.data.includes(Buffer.from(gpsDatum))).toBe(false);
    expect(prepared.data.includes(Buffer.from('Exif\0'))).toBe(false);
    // Turned clockwise: the left (red) half is now on top, the right (blue) one below.
    const [top, bottom] = [await pixel(prepared.data, 50, 20), await pixel(prepared.data, 50, 180)];
    expect(top[0]).toBeGreaterThan(200);
    expect(top[2]).toBeLessThan(60);
    expect(bottom[2]).toBeGreaterThan(200);
    expect(bottom[0]).toBeLessThan(60);
    // The thumbnail is upright too.
    expect([prepared.thumbnail.width, prepared.thumbnail.height]).toEqual([100, 200]);
    expect((await pixel(prepared.thumbnail.data, 50, 20))[0]).toBeGreaterThan(200);
  });

  it('keeps PNG lossless, pixel for pixel', async () => {
    const input = await halves(90, 30).png().toBuffer();
    const prepared = await prepareImage(input);
    expect(prepared).toMatchObject({ format: 'png', contentType: 'image/png', width: 90, height: 30 });
    expect((await rawPixels(prepared.data)).equals(await rawPixels(input))).toBe(true);
    expect(prepared.data.length).toBeGreaterThan(0);
  });

  it('keeps lossless WebP lossless and lossy WebP lossy', async () => {
    const lossless = await halves(60, 40).webp({ lossless: true }).toBuffer();
    const keptLossless = await prepareImage(lossless);
    expect(keptLossless.format).toBe('webp');
    expect(isLosslessWebp(keptLossless.data)).toBe(true);
    expect((await rawPixels(keptLossless.data)).equals(await rawPixels(lossless))).toBe(true);

    const lossy = await halves(60, 40).webp({ quality: 50 }).toBuffer();
    expect(isLosslessWebp(lossy)).toBe(false);
    const keptLossy = await prepareImage(lossy);
    expect(keptLossy).toMatchObject({ format: 'webp', contentType: 'image/webp', width: 60, height: 40 });
    expect(isLosslessWebp(keptLossy.data)).toBe(false);
  });

  it('re-encodes other formats (GIF, TIFF) as PNG', async () => {
    for (const input of [await halves(30, 20).gif().toBuffer(), await halves(30, 20).tiff().toBuffer()]) {
      const prepared = await prepareImage(input);
      expect(prepared).toMatchObject({ format: 'png', contentType: 'image/png', width: 30, height: 20 });
      expect((await sharp(prepared.data).metadata()).format).toBe('png');
    }
  });

  it('makes a WebP thumbnail within 320×320, and never enlarges a small image', async () => {
    const large = await prepareImage(await png(1000, 600));
    expect(large.thumbnail.contentType).toBe('image/webp');
    const meta = await sharp(large.thumbnail.data).metadata();
    expect(meta.format).toBe('webp');
    expect([meta.width, meta.height]).toEqual([320, 192]);
    expect([large.thumbnail.width, large.thumbnail.height]).toEqual([320, 192]);

    const tall = await prepareImage(await png(300, 1200));
    expect([tall.thumbnail.width, tall.thumbnail.height]).toEqual([80, 320]);

    const small = await prepareImage(await png(40, 30));
    expect([small.thumbnail.width, small.thumbnail.height]).toEqual([40, 30]);
  });

  it('refuses damaged bytes as CORRUPT_IMAGE', async () => {
    expect((await failure(prepareImage(Buffer.from('definitely not an image')))).code).toBe('CORRUPT_IMAGE');
    const jpeg = await halves(400, 300).jpeg().toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    expect((await failure(prepareImage(truncated))).code).toBe('CORRUPT_IMAGE');
    const pngBytes = await png(200, 200);
    const broken = Buffer.from(pngBytes);
    broken.fill(0xab, 60, 90); // inside the compressed pixel data
    expect((await failure(prepareImage(broken))).code).toBe('CORRUPT_IMAGE');
  });

  it('refuses formats it does not keep (SVG) as UNSUPPORTED_IMAGE, without rendering them', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    expect((await failure(prepareImage(svg))).code).toBe('UNSUPPORTED_IMAGE');
  });
});
