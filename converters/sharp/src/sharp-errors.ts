import { AppError } from '@pixelflow/errors';
import sharp from 'sharp';

// What sharp 0.35 / libvips 8.18 say, seen by feeding them damaged files (sharp-errors.test.ts).
// A failure while decoding pixels usually has the loader's line first and the saver's "unable to
// write to target" after it, so the loader lines are what identify it.
const tooManyPixels = /exceeds pixel limit/i;
// sharp's own timeout (.timeout()): "timeout: 12% complete", then libvips' "killed for image".
const timedOut = /^timeout: \d+% complete/m;
// Sizes out of libvips' or the format's range: the params ask for it, so retrying cannot help.
const outOfRange = [
  /^\w+: output coordinates out of range/m,
  /^Processed image is too large for the \w+ format/m,
];
const damaged = [
  // The header could not be read; for a format we recognised by its magic bytes (a truncated
  // TIFF says "unsupported image format") that means damage, not an unknown format.
  /^Input buffer has corrupt header/,
  /^Input buffer contains unsupported image format/,
  // Loader domains: libjpeg, libpng, libwebp, the GIF and TIFF loaders, libheif and its reader.
  /^(VipsJpeg|vipspng|spng|pngload|webp|webp2vips|webpload|gifload(_buffer)?|tiff2vips|tiffload|heif|heifload|source): /m,
];

/** The limits a pipeline ran under, for the messages of the errors they cause. */
export interface PipelineLimits {
  maxPixels: number;
  timeoutSeconds: number;
}

/**
 * Turns a rejection from a sharp pipeline whose input was recognised as an accepted format into
 * the AppError it stands for, from the message alone. Anything unrecognised comes back unchanged.
 * A conversion that ran out of time, or asked libvips for sizes out of its range, is WORK_TOO_LARGE:
 * a 4xx, so the job fails at once with the reason rather than being tried again.
 */
export function fromSharpError(error: unknown, limits: PipelineLimits): unknown {
  if (error instanceof AppError || !(error instanceof Error)) return error;
  const { message } = error;
  const { maxPixels, timeoutSeconds } = limits;
  if (tooManyPixels.test(message)) {
    return new AppError('IMAGE_TOO_LARGE', `the image has more than ${maxPixels} pixels`, { maxPixels });
  }
  if (timedOut.test(message)) {
    return new AppError(
      'WORK_TOO_LARGE',
      `the conversion took longer than ${timeoutSeconds} s and was stopped; try a smaller image or gentler params`,
      { timeoutSeconds },
    );
  }
  // A damaged file's loader message comes first: its "out of range" is damage, not the params.
  if (damaged.some((pattern) => pattern.test(message))) return corrupt(message);
  if (outOfRange.some((pattern) => pattern.test(message))) {
    return new AppError('WORK_TOO_LARGE', "the params ask for a size out of the image library's range", {
      reason: firstLine(message),
    });
  }
  return error;
}

/**
 * Like fromSharpError, and when the message says nothing useful, asks the decoder alone. Some
 * damage surfaces with the loader's message lost: a PNG whose IHDR fails its CRC fails with only
 * "vips2png: unable to write to target" or even "Unknown error". Decoding the input once more
 * tells damage from our own failure. It costs a second decode, but only on this rare path, and
 * shrinking while decoding keeps it cheap; stats() would be cheaper still but does not notice
 * the damage (it succeeds on such a PNG).
 */
export async function classifySharpFailure(
  error: unknown,
  input: Buffer,
  limits: PipelineLimits,
): Promise<unknown> {
  const known = fromSharpError(error, limits);
  if (known !== error || !(error instanceof Error)) return known;
  try {
    await sharp(input, { failOn: 'error', limitInputPixels: limits.maxPixels })
      .timeout({ seconds: limits.timeoutSeconds })
      .resize(64, 64, { fit: 'inside' })
      .raw()
      .toBuffer();
  } catch (decodeError) {
    const reason = decodeError instanceof Error ? decodeError.message : String(decodeError);
    const classified = fromSharpError(decodeError, limits);
    return classified instanceof AppError ? classified : corrupt(reason);
  }
  return error;
}

function corrupt(message: string): AppError {
  return new AppError('CORRUPT_IMAGE', 'the image is truncated or damaged', { reason: firstLine(message) });
}

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? message;
  return line.replace(/^Input buffer has corrupt header:\s*/, '').slice(0, 200) || 'unreadable header';
}
