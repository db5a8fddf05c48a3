import { crc32, deflateSync } from 'node:zlib';
import { AppError, type ErrorCode } from '@pixelflow/errors';
import sharp, { type Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ImageFormat, inspectImage, isComplete, sniffFormat } from './image-check.ts';

const maxPixels = 10_000_000;

/** A deterministic noisy RGB image, so that every encoder produces real entropy-coded data. */
function noisy(width: number, height: number): Sharp {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919 + (i >> 5) * 31) & 0xff;
  return sharp(pixels, { raw: { width, height, channels: 3 } });
}

const encoders = {
  jpeg: (image: Sharp) => image.jpeg(),
  'progressive jpeg': (image: Sharp) => image.jpeg({ progressive: true }),
  png: (image: Sharp) => image.png(),
  webp: (image: Sharp) => image.webp(),
  gif: (image: Sharp) => image.gif(),
  avif: (image: Sharp) => image.avif({ effort: 0 }),
} satisfies Record<string, (image: Sharp) => Sharp>;
type Sample = keyof typeof encoders;
const samples = Object.keys(encoders) as Sample[];
const formatOf = (sample: Sample): ImageFormat => (sample === 'progressive jpeg' ? 'jpeg' : sample);

const images = {} as Record<Sample, Buffer>;
beforeAll(async () => {
  for (const sample of samples) images[sample] = await encoders[sample](noisy(40, 30)).toBuffer();
});

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const expectCode = async (promise: Promise<unknown>, code: ErrorCode) =>
  expect((await rejection(promise)).code).toBe(code);

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** A PNG whose IHDR declares the given size but whose IDAT holds one pixel's worth of data. */
function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter method variant, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(4))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('sniffFormat', () => {
  it.each(samples)('recognises %s written by sharp', (sample) => {
    expect(sniffFormat(images[sample])).toBe(formatOf(sample));
  });

  it.each([
    ['plain text', Buffer.from('hello, this is plain text and no image at all')],
    ['empty', Buffer.alloc(0)],
    ['a JPEG signature cut short', Buffer.from([0xff, 0xd8])],
    ['RIFF that is not WebP', Buffer.from('RIFF\0\0\0\0WAVEfmt ', 'latin1')],
    ['HEIC (ISO BMFF without an AVIF brand)', Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1')],
  ])('finds no format in %s', (_label, bytes) => {
    expect(sniffFormat(bytes)).toBeNull();
  });
});

describe('isComplete', () => {
  it.each(samples)('accepts a whole %s', (sample) => {
    expect(isComplete(images[sample], formatOf(sample))).toBe(true);
  });

  it.each(samples)('refuses %s cut one byte before its end and in the middle', (sample) => {
    const image = images[sample];
    expect(isComplete(image.subarray(0, image.length - 1), formatOf(sample))).toBe(false);
    expect(isComplete(image.subarray(0, image.length >> 1), formatOf(sample))).toBe(false);
  });

  it('accepts a JPEG followed by trailing garbage after its EOI marker', () => {
    const padded = Buffer.concat([images.jpeg, Buffer.from('trailing garbage, not image data')]);
    expect(isComplete(padded, 'jpeg')).toBe(true);
  });

  it('refuses a GIF cut inside its header even when a 0x3B byte is near the cut', async () => {
    const gif = await noisy(59, 59).gif().toBuffer();
    expect(isComplete(gif.subarray(0, 12), 'gif')).toBe(false);
  });
});

describe('inspectImage', () => {
  it.each(samples)('reads format, content type and size of a %s', async (sample) => {
    const format = formatOf(sample);
    expect(await inspectImage(images[sample], { maxPixels })).toEqual({
      format,
      contentType: `image/${format}`,
      width: 40,
      height: 30,
    });
  });

  it.each(samples)(
    'refuses %s truncated in the header, mid-data and one byte before the end',
    async (sample) => {
      const image = images[sample];
      // 16 bytes: past every signature, so the format is still recognised and the cut is the problem.
      for (const cut of [16, 40, image.length >> 1, image.length - 1]) {
        const error = await rejection(inspectImage(image.subarray(0, cut), { maxPixels }));
        expect({ cut, code: error.code }).toEqual({ cut, code: 'CORRUPT_IMAGE' });
      }
    },
  );

  // AVIF has one accepted cut, the bug below.
  it.each(samples.filter((s) => s !== 'avif'))(
    'refuses %s truncated at every offset past its signature',
    async (sample) => {
      const image = images[sample];
      const accepted: number[] = [];
      for (let cut = 12; cut < image.length; cut++) {
        const error = await inspectImage(image.subarray(0, cut), { maxPixels }).catch((e: AppError) => e);
        if (!(error instanceof AppError) || error.code !== 'CORRUPT_IMAGE') accepted.push(cut);
      }
      expect(accepted).toEqual([]);
    },
  );

  it('refuses an AVIF cut at the boundary before its mdat box', async () => {
    const avif = images.avif;
    let offset = 0;
    while (avif.toString('latin1', offset + 4, offset + 8) !== 'mdat') offset += avif.readUInt32BE(offset);
    await expectCode(inspectImage(avif.subarray(0, offset), { maxPixels }), 'CORRUPT_IMAGE');
  });

  it('accepts a JPEG with trailing garbage after its EOI marker', async () => {
    const padded = Buffer.concat([images.jpeg, Buffer.alloc(100, 0xab)]);
    expect(await inspectImage(padded, { maxPixels })).toMatchObject({
      format: 'jpeg',
      width: 40,
      height: 30,
    });
  });

  it('refuses a text file as UNSUPPORTED_IMAGE and names the accepted types', async () => {
    const error = await rejection(inspectImage(Buffer.from('name,size\nphoto.jpg,12\n'), { maxPixels }));
    expect(error.code).toBe('UNSUPPORTED_IMAGE');
    expect(error.details?.accepted).toEqual([
      'image/jpeg',
      'image/png',
      'image/webp',
      'image/gif',
      'image/avif',
    ]);
  });

  it('refuses random bytes as UNSUPPORTED_IMAGE whatever the file was called', async () => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    bytes[0] = 0x00; // no signature begins with a zero byte
    await expectCode(inspectImage(bytes, { maxPixels }), 'UNSUPPORTED_IMAGE');
  });

  it('refuses a 40000×40000 PNG as IMAGE_TOO_LARGE from its header alone', async () => {
    const bomb = pngDeclaring(40_000, 40_000);
    expect(bomb.length).toBeLessThan(100);
    const started = performance.now();
    const error = await rejection(inspectImage(bomb, { maxPixels }));
    // Decoding 1.6 gigapixels would take seconds and gigabytes; reading IHDR takes milliseconds.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(error.details).toEqual({ width: 40_000, height: 40_000, maxPixels });
    expect(error.message).toContain('40000×40000');
  });

  it('accepts exactly maxPixels and refuses one pixel more', async () => {
    expect(await inspectImage(images.png, { maxPixels: 40 * 30 })).toMatchObject({ width: 40, height: 30 });
    await expectCode(inspectImage(images.png, { maxPixels: 40 * 30 - 1 }), 'IMAGE_TOO_LARGE');
  });

  it('refuses a structurally complete PNG whose header is damaged as CORRUPT_IMAGE', async () => {
    const damaged = pngDeclaring(0, 0);
    expect(isComplete(damaged, 'png')).toBe(true);
    await expectCode(inspectImage(damaged, { maxPixels }), 'CORRUPT_IMAGE');
  });
});
