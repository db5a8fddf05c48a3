import { AppError } from '@pixelflow/errors';
import {
  type ImageFormat as KnownFormat,
  contentTypes as knownTypes,
  sniffImageFormat,
} from '@pixelflow/image-formats';
import sharp from 'sharp';
import { type Header, readHeader } from './headers/index.ts';
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

/** Real progressive JPEGs have about 10 scans (libjpeg's own script), rarely more than 20. */
export const DEFAULT_MAX_JPEG_SCANS = 100;

/**
 * Grids of 512 px tiles (phone cameras) need 200 for 50 MP, 256 px tiles about 800. Each decode
 * costs libheif about a millisecond even for a tiny tile. The libheif in sharp 0.35 stops chains
 * of references somewhat past 512 decodes itself; the intake does not count on the version.
 */
export const DEFAULT_MAX_DECODED_IMAGES = 1024;

export interface InspectOptions {
  /** Largest canvas, or single image inside the file, in pixels. */
  maxPixels: number;
  /**
   * Largest sum over the frames of an animation, or over every image decoded for a still one
   * (AVIF grid tiles and overlay inputs, as often as they are referenced), in pixels.
   * @default maxPixels × 4
   */
  maxAnimationPixels?: number;
  /**
   * Most scans a JPEG may have: libjpeg passes over every block once per scan, so 5000 empty
   * scans in 500 KB keep a thread busy for 20 s. @default 100
   */
  maxJpegScans?: number;
  /** Most coded images an AVIF may make libheif decode for one image. @default 1024 */
  maxDecodedImages?: number;
}

/**
 * Checks an upload before any job exists: an accepted format by its magic bytes, not truncated,
 * and pixel counts under the limits read from the structure alone, so that a decompression bomb
 * is refused without being decoded. The size that counts is what a decoder would allocate: the
 * canvas grown to every frame (a GIF's 1×1 screen does not hide a 65535×65535 frame), each image
 * decoded on its own (AVIF tiles, grids, alpha), and the frames of an animation together.
 */
export async function inspectImage(data: Buffer, options: InspectOptions): Promise<InspectedImage> {
  const {
    maxPixels,
    maxAnimationPixels = maxPixels * 4,
    maxJpegScans = DEFAULT_MAX_JPEG_SCANS,
    maxDecodedImages = DEFAULT_MAX_DECODED_IMAGES,
  } = options;
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
  // Items the decoder may decode on their own, and work that grows with a count the file
  // chooses, are refused before the decoder is asked anything.
  for (const item of header.items) checkPixels(item, maxPixels);
  checkDecodeWork(header, { maxJpegScans, maxDecodedImages, maxAnimationPixels });
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

/**
 * The decode work the pixel limits alone do not bound: a JPEG's scans (a structure outside what
 * is accepted, so UNSUPPORTED_IMAGE: a smaller image would not help, a re-save would) and the
 * images libheif decodes for one AVIF image (their number likewise; their pixels together are
 * held to the animation limit, so IMAGE_TOO_LARGE).
 */
function checkDecodeWork(
  header: Header,
  limits: { maxJpegScans: number; maxDecodedImages: number; maxAnimationPixels: number },
): void {
  const { maxJpegScans, maxDecodedImages, maxAnimationPixels } = limits;
  if (header.scans !== undefined && header.scans > maxJpegScans) {
    throw new AppError(
      'UNSUPPORTED_IMAGE',
      `the JPEG has ${header.scans} scans; at most ${maxJpegScans} are accepted (a progressive JPEG has about 10): save it again`,
      { scans: header.scans, maxJpegScans },
    );
  }
  if (!header.decodes) return;
  const { images, pixels } = header.decodes;
  if (images > maxDecodedImages) {
    throw new AppError(
      'UNSUPPORTED_IMAGE',
      `the image is made of ${Number.isFinite(images) ? images : 'endlessly many'} coded images (tiles or overlay inputs); at most ${maxDecodedImages} are accepted`,
      { decodedImages: images, maxDecodedImages },
    );
  }
  if (pixels > maxAnimationPixels) {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `decoding the image decodes ${pixels} pixels in all (tiles, overlay inputs, canvases); at most ${maxAnimationPixels} are accepted`,
      { decodedPixels: pixels, maxAnimationPixels },
    );
  }
}
