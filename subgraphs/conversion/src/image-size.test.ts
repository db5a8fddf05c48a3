import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sniffFormat } from './image-check.ts';
import { headerSize } from './image-size.ts';

const base = () =>
  sharp({
    create: { width: 321, height: 123, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } },
  });

describe('headerSize', () => {
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
    const format = sniffFormat(data)!;
    const { width, height } = await sharp(data).metadata();
    expect(headerSize(data, format)).toEqual({ width, height });
  });

  it('reads the size a decompression bomb declares', () => {
    const png = Buffer.alloc(33);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    png.writeUInt32BE(13, 8);
    png.write('IHDR', 12, 'latin1');
    png.writeUInt32BE(40_000, 16);
    png.writeUInt32BE(40_000, 20);
    expect(headerSize(png, 'png')).toEqual({ width: 40_000, height: 40_000 });
  });

  it('gives up (null) where the header is cut short or unusual', () => {
    expect(headerSize(Buffer.from([0xff, 0xd8, 0xff, 0xe0]), 'jpeg')).toBeNull();
    expect(headerSize(Buffer.alloc(10), 'png')).toBeNull();
    expect(headerSize(Buffer.alloc(64), 'avif')).toBeNull();
  });
});
