import { AppError } from '@pixelflow/errors';
import sharp, { type Metadata } from 'sharp';
import type { ModelDescription, RawImage } from './types.ts';

export interface DecodedImage {
  raw: RawImage;
  /** The input's format, for encoding the result the same way. */
  format: string;
  /** Whether the input was scaled down to the converter's limit first. */
  downscaled: boolean;
}

/** Decodes an upload to RGB pixels: EXIF orientation applied, alpha flattened, within the limit. */
export async function decodeImage(input: Buffer, description: ModelDescription): Promise<DecodedImage> {
  let metadata: Metadata;
  try {
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    const message = (error as Error).message;
    if (/unsupported image format|empty/i.test(message)) {
      throw new AppError('UNSUPPORTED_IMAGE', 'the body is not an image in a supported format');
    }
    throw new AppError('CORRUPT_IMAGE', `the image cannot be read: ${message}`);
  }
  const pixels = (metadata.width ?? 0) * (metadata.height ?? 0);
  if (!pixels) throw new AppError('CORRUPT_IMAGE', 'the image has no dimensions');
  const over = pixels > description.maxPixels;
  if (over && description.oversize === 'refuse') {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `${description.title} works on images of at most ${description.maxPixels} pixels; this one has ${pixels}`,
      { maxPixels: description.maxPixels, width: metadata.width, height: metadata.height },
    );
  }
  let pipeline = sharp(input, { failOn: 'error', limitInputPixels: 100_000_000 }).autoOrient();
  if (over) {
    const factor = Math.sqrt(description.maxPixels / pixels);
    pipeline = pipeline.resize({
      width: Math.max(1, Math.floor((metadata.width ?? 1) * factor)),
      height: Math.max(1, Math.floor((metadata.height ?? 1) * factor)),
      fit: 'fill',
    });
  }
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
      downscaled: over,
    };
  } catch (error) {
    throw new AppError('CORRUPT_IMAGE', `the image cannot be decoded: ${(error as Error).message}`);
  }
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
