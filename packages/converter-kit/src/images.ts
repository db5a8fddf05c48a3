import { AppError } from '@pixelflow/errors';
import sharp, { type Metadata } from 'sharp';
import type { ModelDescription, RawImage, Size } from './types.ts';

export interface DecodedImage {
  raw: RawImage;
  /** The input's format, for encoding the result the same way. */
  format: string;
  /** Whether the input was scaled down first (to `maxPixels`, or to the converter's sizing). */
  downscaled: boolean;
  /** What the user should know of the result: set when the converter works on a reduced copy. */
  notice?: string;
}

/** The size a conversion works at, decided from the upload's header alone. */
export interface WorkingSize {
  working: Size;
  /** Set when `working` is smaller than the upload. */
  notice?: string;
}

/**
 * Decodes an upload to RGB pixels: EXIF orientation applied, alpha flattened, at the size the
 * converter works at for these params (see `planWorkingSize`), with the notice that goes with it.
 */
export async function decodeImage(
  input: Buffer,
  description: ModelDescription,
  params: Record<string, unknown> = {},
): Promise<DecodedImage> {
  const metadata = await readMetadata(input);
  // The size as the picture is seen: a phone's portrait photo is stored landscape, with an EXIF
  // orientation that autoOrient() applies before the resize below.
  const upload = { width: metadata.autoOrient.width, height: metadata.autoOrient.height };
  const pixels = upload.width * upload.height;
  if (!pixels) throw new AppError('CORRUPT_IMAGE', 'the image has no dimensions');
  if (pixels > description.maxPixels && description.oversize === 'refuse') {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `${description.title} works on images of at most ${description.maxPixels} pixels; this one has ${pixels}`,
      { maxPixels: description.maxPixels, ...upload },
    );
  }
  const { working, notice } = planWorkingSize(upload, description, params);
  const downscaled = working.width !== upload.width || working.height !== upload.height;
  let pipeline = sharp(input, { failOn: 'error', limitInputPixels: 100_000_000 }).autoOrient();
  if (downscaled) pipeline = pipeline.resize({ ...working, fit: 'fill' });
  try {
    const { data, info } = await pipeline
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      raw: {
        // A copy: sharp's buffer is external memory, which cannot be transferred to a worker.
        data: new Uint8Array(data),
        width: info.width,
        height: info.height,
      },
      format: metadata.format ?? 'png',
      downscaled,
      ...(notice === undefined ? {} : { notice }),
    };
  } catch (error) {
    throw new AppError('CORRUPT_IMAGE', `the image cannot be decoded: ${(error as Error).message}`);
  }
}

async function readMetadata(input: Buffer): Promise<Metadata> {
  try {
    return await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    const message = (error as Error).message;
    if (/unsupported image format|empty/i.test(message)) {
      throw new AppError('UNSUPPORTED_IMAGE', 'the body is not an image in a supported format');
    }
    throw new AppError('CORRUPT_IMAGE', `the image cannot be read: ${message}`);
  }
}

/**
 * The size a converter works at for an upload and params: the upload's own, or a copy reduced
 * to the converter's budget (its `sizing`, never over `maxPixels`), with a notice that says so.
 * Decided here, on the main thread, because only here are both sizes known before the work.
 */
export function planWorkingSize(
  upload: Size,
  description: ModelDescription,
  params: Record<string, unknown>,
): WorkingSize {
  const budget = (maxPixels: number) => Math.min(description.maxPixels, maxPixels);
  const fit = (maxPixels: number) => fitWithin(upload, budget(maxPixels));
  const working = fit(description.sizing?.maxPixels(upload, params) ?? description.maxPixels);
  if (working.width === upload.width && working.height === upload.height) return { working };
  const notice = description.sizing
    ? description.sizing.notice({ upload, working, params, fit })
    : `${description.title} worked on a copy reduced to ${working.width}×${working.height}, the largest it ` +
      `takes (${megapixels(description.maxPixels)}); the image is ${upload.width}×${upload.height}.`;
  return { working, notice };
}

const megapixels = (pixels: number) => `${(pixels / 1_000_000).toFixed(1)} MP`;

/**
 * `size` scaled down, aspect kept, to at most `maxPixels` (itself when it fits): each side times
 * the same factor, floored, as the conversion service and the web app compute it too (they tell
 * people the size before the upload is sent). The floors keep the total within the budget, but
 * for a very thin image, whose short side is held at 1 pixel: then the long side gets the budget.
 */
export function fitWithin(size: Size, maxPixels: number): Size {
  const budget = Math.max(1, Math.floor(maxPixels));
  if (size.width * size.height <= budget) return { width: size.width, height: size.height };
  const factor = Math.sqrt(budget / (size.width * size.height));
  const side = (length: number) => Math.min(budget, Math.max(1, Math.floor(length * factor)));
  return { width: side(size.width), height: side(size.height) };
}

/** Encodes RGB pixels like the input was: JPEG and WebP stay so (quality 90), the rest is PNG. */
export async function encodeImage(
  raw: RawImage,
  format: string,
): Promise<{ data: Buffer; contentType: string }> {
  const image = sharp(Buffer.from(raw.data.buffer, raw.data.byteOffset, raw.data.length), {
    raw: { width: raw.width, height: raw.height, channels: 3 },
  });
  if (format === 'jpeg')
    return { data: await image.jpeg({ quality: 90 }).toBuffer(), contentType: 'image/jpeg' };
  if (format === 'webp')
    return { data: await image.webp({ quality: 90 }).toBuffer(), contentType: 'image/webp' };
  return { data: await image.png().toBuffer(), contentType: 'image/png' };
}
