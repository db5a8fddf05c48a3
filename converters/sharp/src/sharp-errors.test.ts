import { AppError } from '@pixelflow/errors';
import { MAX_PIXELS } from '@pixelflow/product';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { noisy, pngDeclaring, solid } from '../testing/images.ts';
import { converters } from './converters/index.ts';
import { flip, grayscale, rotate } from './index.ts';
import { fromSharpError } from './sharp-errors.ts';

const formats = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${(error as Error).message}`;
  }
}

describe('not an image', () => {
  it.each([
    ['text', Buffer.from('hello, this is plain text and no image')],
    [
      'SVG, which libvips would render',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'),
    ],
    ['empty', Buffer.alloc(0)],
  ])('%s is UNSUPPORTED_IMAGE', async (_label, bytes) => {
    expect(await codeOf(grayscale.convert(bytes))).toBe('UNSUPPORTED_IMAGE');
  });
});

describe('too many pixels', () => {
  it('a PNG header declaring 40000 × 40000 is IMAGE_TOO_LARGE before any decoding', async () => {
    const bomb = pngDeclaring(40_000, 40_000);
    expect(bomb.length).toBeLessThan(200);
    const started = performance.now();
    await expect(grayscale.convert(bomb)).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      details: { maxPixels: MAX_PIXELS },
    });
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('the limit is an option', async () => {
    const image = await solid(20, 10, 'png');
    expect(await codeOf(flip.convert(image, {}, { maxPixels: 200 }))).toBe('OK');
    expect(await codeOf(flip.convert(image, {}, { maxPixels: 199 }))).toBe('IMAGE_TOO_LARGE');
  });

  it('for the other converters and formats too', async () => {
    const large = await solid(30, 30, 'jpeg');
    for (const converter of converters) {
      const params = converter.id === 'resize' ? { width: 10 } : {};
      expect(await codeOf(converter.convert(large, params, { maxPixels: 800 })), converter.id).toBe(
        'IMAGE_TOO_LARGE',
      );
    }
    for (const format of formats) {
      expect(await codeOf(flip.convert(await solid(30, 30, format), {}, { maxPixels: 800 })), format).toBe(
        'IMAGE_TOO_LARGE',
      );
    }
  });
});

describe('damaged images', () => {
  // What sharp says differs by format and by where the file ends: "Input buffer has corrupt
  // header: …" when the header is cut, the loader's message followed by the saver's "unable to
  // write to target" when the pixel data is, "unsupported image format" for a TIFF cut before
  // its first directory. Each must come out as CORRUPT_IMAGE, never as a 500.
  const cuts = [0.02, 0.1, 0.3, 0.5, 0.8, 0.95, 0.99];

  it.each(formats)('a truncated %s is CORRUPT_IMAGE wherever it is cut', async (format) => {
    const whole =
      format === 'jpeg' || format === 'png'
        ? await noisy(64, 48, format)
        : await sharp(await noisy(64, 48, 'png'))
            .toFormat(format)
            .toBuffer();
    const codes = new Set<string>();
    for (const cut of cuts) {
      const end = Math.max(12, Math.floor(whole.length * cut));
      codes.add(await codeOf(grayscale.convert(whole.subarray(0, end))));
    }
    expect([...codes]).toEqual(['CORRUPT_IMAGE']);
  });

  it('a JPEG cut anywhere after its header is CORRUPT_IMAGE, for operations that read it in any order', async () => {
    const whole = await noisy(64, 48, 'jpeg');
    for (const cut of [0.3, 0.7, 0.99]) {
      const truncated = whole.subarray(0, Math.floor(whole.length * cut));
      expect(await codeOf(rotate.convert(truncated, { angle: 90 }))).toBe('CORRUPT_IMAGE');
      expect(await codeOf(rotate.convert(truncated, { angle: 33 }))).toBe('CORRUPT_IMAGE');
    }
  });

  it('a PNG whose IHDR fails its CRC is CORRUPT_IMAGE, though sharp loses the decoder message', async () => {
    const png = await noisy(48, 40, 'png');
    const damaged = Buffer.from(png);
    damaged[29] = damaged[29]! ^ 0xff; // the first byte of IHDR's CRC
    const error = await grayscale.convert(damaged).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CORRUPT_IMAGE' });
  });

  it('random damage anywhere is CORRUPT_IMAGE (or UNSUPPORTED_IMAGE, IMAGE_TOO_LARGE) or a result, never a 500', async () => {
    let seed = 1234;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const outcomes = new Map<string, number>();
    for (const format of formats) {
      const whole = await sharp(await noisy(48, 40, 'png'))
        .toFormat(format)
        .toBuffer();
      for (let trial = 0; trial < 24; trial++) {
        const damaged = Buffer.from(whole);
        if (trial % 2 === 0) {
          for (let k = 0; k < 4; k++)
            damaged[8 + Math.floor(random() * (damaged.length - 8))] = Math.floor(random() * 256);
        } else {
          const at = 8 + Math.floor(random() * (damaged.length - 8));
          damaged.fill(0, at, Math.min(damaged.length, at + 48));
        }
        const converter = converters[trial % converters.length]!;
        const code = await codeOf(converter.convert(damaged, converter.id === 'resize' ? { width: 20 } : {}));
        outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
      }
    }
    expect(
      [...outcomes.keys()].filter(
        (code) => !['OK', 'CORRUPT_IMAGE', 'UNSUPPORTED_IMAGE', 'IMAGE_TOO_LARGE'].includes(code),
      ),
    ).toEqual([]);
    expect(outcomes.get('CORRUPT_IMAGE')).toBeGreaterThan(50);
  });

  it('a JPEG with a harmless libjpeg warning still converts (failOn error, not warning)', async () => {
    // "Corrupt JPEG data: 3 extraneous bytes before marker 0xda": common in cameras' files, and
    // refused by sharp's default failOn 'warning'.
    const jpeg = await noisy(64, 48, 'jpeg');
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    const withWarning = Buffer.concat([jpeg.subarray(0, sos), Buffer.from([1, 2, 3]), jpeg.subarray(sos)]);
    await expect(sharp(withWarning, { failOn: 'warning' }).toBuffer()).rejects.toThrow(/extraneous bytes/);
    expect(await codeOf(grayscale.convert(withWarning))).toBe('OK');
  });

  it('the reason carries the decoder message without the saver noise', async () => {
    const whole = await noisy(64, 48, 'jpeg');
    const error = await grayscale.convert(whole.subarray(0, whole.length / 2)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CORRUPT_IMAGE',
      details: { reason: 'VipsJpeg: premature end of JPEG image' },
    });
  });
});

describe('fromSharpError', () => {
  it('leaves errors it does not know as they are (a 500)', () => {
    const unknown = new Error('Expected positive integer for width but received -1 of type number');
    const limits = { maxPixels: 100, timeoutSeconds: 30 };
    expect(fromSharpError(unknown, limits)).toBe(unknown);
    const appError = new AppError('INVALID_PARAMS', 'x');
    expect(fromSharpError(appError, limits)).toBe(appError);
  });
});
