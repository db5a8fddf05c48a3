import { AppError } from '@pixelflow/errors';
import sharp, { type Sharp } from 'sharp';

/** An image ready to store: upright, without metadata, re-encoded; and its thumbnail. */
export interface PreparedImage {
  data: Buffer;
  format: 'jpeg' | 'png' | 'webp';
  contentType: string;
  width: number;
  height: number;
  thumbnail: { data: Buffer; contentType: 'image/webp'; width: number; height: number };
}

export const THUMBNAIL_SIZE = 320;

// What sharp may decode here: photos and converter results. Anything else (SVG, PDF, raw camera
// files, …) is refused before it is rendered.
const accepted = new Set(['jpeg', 'png', 'webp', 'gif', 'heif', 'tiff']);
const contentTypes = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;

/** Whether a WebP file is lossless: its image data is a VP8L chunk (lossy is VP8). */
export function isLosslessWebp(data: Buffer): boolean {
  // RIFF container: chunks from offset 12, each a fourcc, a little-endian size, padded to even.
  for (let offset = 12; offset + 8 <= data.length; ) {
    const fourcc = data.toString('latin1', offset, offset + 4);
    if (fourcc === 'VP8L') return true;
    if (fourcc === 'VP8 ') return false;
    offset += 8 + data.readUInt32LE(offset + 4) + (data.readUInt32LE(offset + 4) % 2);
  }
  return false;
}

/** Re-encodes in the input's format where it is one a browser shows everywhere; else PNG. */
function encode(
  pipeline: Sharp,
  format: string,
  input: Buffer,
): { pipeline: Sharp; format: PreparedImage['format'] } {
  if (format === 'jpeg') return { pipeline: pipeline.jpeg({ quality: 92 }), format: 'jpeg' };
  if (format === 'webp') {
    const lossless = isLosslessWebp(input);
    return { pipeline: pipeline.webp(lossless ? { lossless: true } : { quality: 92 }), format: 'webp' };
  }
  return { pipeline: pipeline.png(), format: 'png' };
}

/**
 * Decodes the image, applies its EXIF orientation and re-encodes it without metadata (sharp keeps
 * none unless asked: EXIF, GPS, XMP, IPTC and ICC go, colours are converted to sRGB): JPEG at
 * quality 92, PNG and lossless WebP losslessly, lossy WebP at quality 92, anything else (GIF, HEIF,
 * TIFF) as PNG, first frame only. Makes the WebP thumbnail (quality 75, within 320×320, never
 * enlarged) from the same decoded input. Damaged input is CORRUPT_IMAGE; an unsupported format
 * is UNSUPPORTED_IMAGE.
 */
export async function prepareImage(input: Buffer): Promise<PreparedImage> {
  let format: string | undefined;
  try {
    // failOn 'error': a truncated or broken file fails rather than being saved half grey.
    ({ format } = await sharp(input, { failOn: 'error' }).metadata());
  } catch (error) {
    throw new AppError('CORRUPT_IMAGE', `the image cannot be read: ${(error as Error).message}`);
  }
  if (!format || !accepted.has(format)) {
    throw new AppError('UNSUPPORTED_IMAGE', `images in the format ${format ?? 'unknown'} are not kept`);
  }
  const upright = sharp(input, { failOn: 'error' }).autoOrient();
  const encoded = encode(upright.clone(), format, input);
  const thumbnail = upright
    .clone()
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 75 });
  try {
    const [image, thumb] = await Promise.all([
      encoded.pipeline.toBuffer({ resolveWithObject: true }),
      thumbnail.toBuffer({ resolveWithObject: true }),
    ]);
    return {
      data: image.data,
      format: encoded.format,
      contentType: contentTypes[encoded.format],
      width: image.info.width,
      height: image.info.height,
      thumbnail: {
        data: thumb.data,
        contentType: 'image/webp',
        width: thumb.info.width,
        height: thumb.info.height,
      },
    };
  } catch (error) {
    throw new AppError('CORRUPT_IMAGE', `the image cannot be decoded: ${(error as Error).message}`);
  }
}
