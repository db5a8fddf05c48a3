import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readHeader } from './headers/index.ts';
import { sniffFormat } from './image-check.ts';
import { declaredImage } from './image-size.ts';

const base = () =>
  sharp({
    create: { width: 321, height: 123, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } },
  });

const declared = (data: Buffer) => declaredImage(readHeader(data, sniffFormat(data)!));

describe('declaredImage', () => {
  it.each([
    ['baseline JPEG', () => base().jpeg()],
    ['progressive JPEG', () => base().jpeg({ progressive: true })],
    ['PNG', () => base().png()],
    ['GIF', () => base().gif()],
    ['lossy WebP', () => base().removeAlpha().webp()],
    ['lossy WebP with alpha (VP8X)', () => base().webp()],
    ['lossless WebP', () => base().removeAlpha().webp({ lossless: true })],
  ])('reads the size sharp reads, from the header of a %s', async (_name, make) => {
    const data = await make().toBuffer();
    const { width, height } = await sharp(data).metadata();
    expect(declared(data)).toEqual({
      width,
      height,
      frames: 1,
      framePixels: 321 * 123,
      largest: { width, height },
    });
  });

  it('counts every frame of an animation written by sharp', async () => {
    // Four 30 × 20 frames of different greys stacked in one 30 × 80 image, one page per 20 rows
    // (identical frames would be merged by the GIF encoder).
    const pixels = Buffer.alloc(30 * 80 * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(i / (30 * 20 * 3)) * 60;
    const strip = () => sharp(pixels, { raw: { width: 30, height: 80, channels: 3, pageHeight: 20 } });
    for (const animated of [await strip().gif().toBuffer(), await strip().webp().toBuffer()]) {
      expect((await sharp(animated).metadata()).pages).toBe(4);
      expect(declared(animated)).toEqual({
        width: 30,
        height: 20,
        frames: 4,
        framePixels: 30 * 20 * 4,
        largest: { width: 30, height: 20 },
      });
    }
  });

  it('reads the size a decompression bomb declares', () => {
    const png = Buffer.alloc(33);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    png.writeUInt32BE(13, 8);
    png.write('IHDR', 12, 'latin1');
    png.writeUInt32BE(40_000, 16);
    png.writeUInt32BE(40_000, 20);
    expect(declaredImage(readHeader(png, 'png'))).toMatchObject({ width: 40_000, height: 40_000 });
  });

  it('gives up (null) where the header is cut short or unusual', () => {
    expect(declaredImage(readHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe0]), 'jpeg'))).toBeNull();
    expect(declaredImage(readHeader(Buffer.alloc(10), 'png'))).toBeNull();
    expect(declaredImage(readHeader(Buffer.alloc(64), 'avif'))).toBeNull();
  });

  it('takes the decoder’s size where the header names none, and grows it to the frames', () => {
    const header = { complete: true, size: null, frames: [{ x: 10, y: 0, width: 5, height: 5 }], items: [] };
    expect(declaredImage(header, { width: 4, height: 4 })).toMatchObject({ width: 15, height: 5 });
  });
});
