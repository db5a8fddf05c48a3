import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decode, noisy, pngOf, solid } from '../testing/images.ts';
import { converters } from './converters/index.ts';
import { blur, flip, grayscale, invert, rotate } from './index.ts';

describe('output format', () => {
  it.each([
    ['jpeg', 'image/jpeg', 'jpeg'],
    ['png', 'image/png', 'png'],
    ['webp', 'image/webp', 'webp'],
    ['gif', 'image/png', 'png'],
    ['tiff', 'image/png', 'png'],
    ['avif', 'image/png', 'png'],
  ] as const)('%s in gives %s out', async (format, contentType, written) => {
    const { data, contentType: actual } = await invert.convert(await solid(16, 12, format));
    expect(actual).toBe(contentType);
    expect(await sharp(data).metadata()).toMatchObject({ format: written, width: 16, height: 12 });
  });

  it('keeps JPEG quality sensible: a flat colour stays within a few levels', async () => {
    const { data } = await flip.convert(await solid(64, 64, 'jpeg', '#3366cc'));
    const [r, g, b] = (await decode(data)).at(32, 32);
    expect(Math.abs(r! - 0x33)).toBeLessThanOrEqual(3);
    expect(Math.abs(g! - 0x66)).toBeLessThanOrEqual(3);
    expect(Math.abs(b! - 0xcc)).toBeLessThanOrEqual(3);
  });
});

describe('animations', () => {
  it('decodes only the first frame: the work of one frame, whatever the frame count', async () => {
    // 10 frames of 30 × 20 stacked in one image, each a different grey (a GIF encoder merges equal ones).
    const frames = 10;
    const pixels = Buffer.alloc(30 * 20 * frames * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(i / (30 * 20 * 3)) * 25;
    for (const format of ['gif', 'webp'] as const) {
      const animated = await sharp(pixels, {
        raw: { width: 30, height: 20 * frames, channels: 3, pageHeight: 20 },
      })
        [format]()
        .toBuffer();
      expect((await sharp(animated).metadata()).pages).toBe(frames);
      const { data } = await invert.convert(animated);
      const out = await sharp(data).metadata();
      expect({ width: out.width, height: out.height, pages: out.pages ?? 1 }).toEqual({
        width: 30,
        height: 20,
        pages: 1,
      });
      // The first frame (black), inverted.
      expect((await decode(data)).at(15, 10).slice(0, 3)).toEqual([255, 255, 255]);
    }
  });
});

describe('EXIF orientation', () => {
  // Stored 40 × 20, left half red and right half blue, with orientation 6: "turn 90° clockwise to
  // show". Shown, it is 20 × 40 with red on top.
  async function orientedJpeg(): Promise<Buffer> {
    const stored = await pngOf(
      4,
      2,
      Array.from({ length: 8 }, (_, i) => (i % 4 < 2 ? [255, 0, 0] : [0, 0, 255])),
    );
    return sharp(stored)
      .resize(40, 20, { kernel: 'nearest' })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
  }

  it('is applied before the conversion', async () => {
    const input = await orientedJpeg();
    expect(await sharp(input).metadata()).toMatchObject({ width: 40, height: 20, orientation: 6 });
    const { data } = await grayscale.convert(input);
    const out = await decode(data);
    expect([out.width, out.height]).toEqual([20, 40]);
    // Red's luminance (127) is well above blue's (76): the top half is the lighter one.
    expect(out.at(10, 5)[0]).toBeGreaterThan(out.at(10, 35)[0]! + 30);
    expect((await sharp(data).metadata()).orientation).toBeUndefined();
  });

  it('comes first, then the operation: flip mirrors what the viewer sees', async () => {
    const { data } = await flip.convert(await orientedJpeg());
    const out = await decode(data);
    expect([out.width, out.height]).toEqual([20, 40]);
    expect(out.at(10, 5)[0]).toBeGreaterThan(200);
    expect(out.at(10, 35)[2]).toBeGreaterThan(200);
  });

  it('combines with rotate', async () => {
    const { data } = await rotate.convert(await orientedJpeg(), { angle: 90 });
    expect(await sharp(data).metadata()).toMatchObject({ width: 40, height: 20 });
  });
});

describe('metadata', () => {
  const gps = { IFD0: { Copyright: 'someone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } };

  it.each(['jpeg', 'png', 'webp'] as const)('EXIF and GPS are stripped from %s', async (format) => {
    const input = await sharp(await solid(16, 16, 'png'))
      .toFormat(format)
      .withExif(gps)
      .toBuffer();
    const before = await sharp(input).metadata();
    expect(before.exif?.includes('GPS') || before.exif?.includes('someone')).toBe(true);
    const { data } = await invert.convert(input);
    const after = await sharp(data).metadata();
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.iptc).toBeUndefined();
  });

  it('an ICC profile is applied to sRGB and not carried along', async () => {
    const input = await sharp(await solid(16, 16, 'png', '#ff0000'))
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    expect((await sharp(input).metadata()).icc).toBeDefined();
    const { data } = await flip.convert(input);
    expect((await sharp(data).metadata()).icc).toBeUndefined();
  });
});

describe('params', () => {
  it('fill in defaults without touching the caller object', async () => {
    const params = {};
    const input = await pngOf(1, 1, [[10, 20, 30]]);
    const { data } = await blur.convert(input, params);
    expect(params).toEqual({});
    expect(data.length).toBeGreaterThan(0);
  });

  it('reject unknown properties, wrong types and non-objects with every message', async () => {
    const input = await pngOf(1, 1, [[10, 20, 30]]);
    const error = await blur.convert(input, { sigma: 'big', extra: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'INVALID_PARAMS',
      details: {
        errors: expect.arrayContaining([
          { path: '/', message: "must NOT have additional property 'extra'" },
          { path: '/sigma', message: 'must be number' },
        ]),
      },
    });
    await expect(blur.convert(input, null)).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(blur.convert(input, [1])).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('are checked before the image', async () => {
    await expect(blur.convert(Buffer.from('not an image'), { sigma: 1000 })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
  });
});

describe('every converter', () => {
  // Inputs whose layout differs from plain 8-bit RGB: the operations must cope with each.
  const inputs: Array<[string, () => Promise<Buffer>, string]> = [
    [
      'grey JPEG',
      async () =>
        sharp(await noisy(24, 16))
          .grayscale()
          .toColourspace('b-w')
          .jpeg()
          .toBuffer(),
      'jpeg',
    ],
    [
      'grey+alpha PNG',
      async () =>
        sharp(await pngRgba())
          .grayscale()
          .toColourspace('b-w')
          .png()
          .toBuffer(),
      'png',
    ],
    ['RGBA PNG', () => pngRgba(), 'png'],
    [
      '16-bit PNG',
      async () =>
        sharp(await pngRgba())
          .toColourspace('rgb16')
          .png()
          .toBuffer(),
      'png',
    ],
    [
      'palette PNG',
      async () =>
        sharp(await pngRgba())
          .png({ palette: true })
          .toBuffer(),
      'png',
    ],
    [
      'CMYK JPEG',
      async () =>
        sharp(await noisy(24, 16))
          .toColourspace('cmyk')
          .jpeg()
          .toBuffer(),
      'jpeg',
    ],
    [
      'alpha WebP',
      async () =>
        sharp(await pngRgba())
          .webp()
          .toBuffer(),
      'webp',
    ],
    ['GIF', () => solid(24, 16, 'gif'), 'png'],
    ['TIFF', () => solid(24, 16, 'tiff'), 'png'],
    ['AVIF', () => solid(24, 16, 'avif'), 'png'],
  ];
  const params: Record<string, unknown> = { resize: { width: 12 } };

  for (const converter of converters) {
    it.each(inputs)(`${converter.id} converts %s`, async (_label, make, format) => {
      const { data } = await converter.convert(await make(), params[converter.id]);
      expect((await sharp(data).metadata()).format).toBe(format);
    });
  }
});

function pngRgba(): Promise<Buffer> {
  return pngOf(
    3,
    2,
    Array.from({ length: 6 }, (_, i) => [40 * i, 200 - 30 * i, 90, 60 + 30 * i]),
  );
}
