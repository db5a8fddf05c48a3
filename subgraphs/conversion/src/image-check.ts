import { AppError } from '@pixelflow/errors';
import {
  type ImageFormat as KnownFormat,
  contentTypes as knownTypes,
  sniffImageFormat,
} from '@pixelflow/image-formats';
import sharp from 'sharp';
import { readHeader } from './headers/index.ts';
import { type DeclaredImage, declaredImage } from './image-size.ts';

/** What an upload may be (TIFF is read by the gallery, but not accepted as an upload). */
export type ImageFormat = Exclude<KnownFormat, 'tiff'>;

export const contentTypes: Record<ImageFormat, string> = {
  jpeg: knownTypes.jpeg,
  png: knownTypes.png,
  webp: knownTypes.webp,
  gif: knownTypes.gif,
  avif: knownTypes.avif,
};

export interface InspectedImage {
  format: ImageFormat;
  contentType: string;
  width: number;
  height: number;
}

/** The format from the file's magic bytes; the declared type is never trusted. */
export function sniffFormat(data: Buffer): ImageFormat | null {
  const format = sniffImageFormat(data);
  return format === null || format === 'tiff' ? null : format;
}

/** Cheap structural checks that catch truncated uploads without decoding any pixels. */
export function isComplete(data: Buffer, format: ImageFormat): boolean {
  return readHeader(data, format).complete;
}

export interface InspectOptions {
  /** Largest canvas, or single image inside the file, in pixels. */
  maxPixels: number;
  /** Largest sum over the frames of an animation, in pixels. @default maxPixels × 4 */
  maxAnimationPixels?: number;
}

/**
 * Checks an upload before any job exists: an accepted format by its magic bytes, not truncated,
 * and pixel counts under the limits read from the structure alone, so that a decompression bomb
 * is refused without being decoded. The size that counts is what a decoder would allocate: the
 * canvas grown to every frame (a GIF's 1×1 screen does not hide a 65535×65535 frame), each image
 * decoded on its own (AVIF tiles, grids, alpha), and the frames of an animation together.
 */
export async function inspectImage(data: Buffer, options: InspectOptions): Promise<InspectedImage> {
  const { maxPixels, maxAnimationPixels = maxPixels * 4 } = options;
  const format = sniffFormat(data);
  if (!format) {
    throw new AppError('UNSUPPORTED_IMAGE', 'the file is not a JPEG, PNG, WebP, GIF or AVIF image', {
      accepted: Object.values(contentTypes),
    });
  }
  const header = readHeader(data, format);
  if (!header.complete) {
    throw new AppError('CORRUPT_IMAGE', `the ${format.toUpperCase()} file is truncated or damaged`);
  }
  // Items the decoder may decode on their own are refused before the decoder is asked anything.
  for (const item of header.items) checkPixels(item, maxPixels);
  // The structure tells the size of the common formats; sharp's header parser tells AVIF's.
  let image = declaredImage(header);
  if (!image) {
    try {
      const { width, height } = await sharp(data, { limitInputPixels: false }).metadata();
      image = declaredImage(header, width && height ? { width, height } : undefined);
    } catch (error) {
      throw new AppError(
        'CORRUPT_IMAGE',
        `the ${format.toUpperCase()} file cannot be read: ${(error as Error).message}`,
      );
    }
  }
  if (!image?.width || !image.height) throw new AppError('CORRUPT_IMAGE', 'the image has no dimensions');
  checkPixels(image, maxPixels);
  checkPixels(image.largest, maxPixels);
  checkAnimation(image, maxAnimationPixels);
  return { format, contentType: contentTypes[format], width: image.width, height: image.height };
}

function checkPixels({ width, height }: { width: number; height: number }, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `the image is ${width}×${height} pixels; at most ${maxPixels} pixels are accepted`,
      { width, height, maxPixels },
    );
  }
}

function checkAnimation(image: DeclaredImage, maxAnimationPixels: number): void {
  if (image.framePixels > maxAnimationPixels) {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `the animation's ${image.frames} frames hold ${image.framePixels} pixels together; at most ${maxAnimationPixels} are accepted`,
      { frames: image.frames, framePixels: image.framePixels, maxAnimationPixels },
    );
  }
}
