import { AppError } from '@pixelflow/errors';
import sharp from 'sharp';
import { headerSize, type Size } from './image-size.ts';

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif';

export const contentTypes: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
};

export interface InspectedImage {
  format: ImageFormat;
  contentType: string;
  width: number;
  height: number;
}

const startsWith = (data: Buffer, bytes: readonly number[], offset = 0) =>
  data.length >= offset + bytes.length && bytes.every((byte, i) => data[offset + i] === byte);

/** The format from the file's magic bytes; the declared type is never trusted. */
export function sniffFormat(data: Buffer): ImageFormat | null {
  if (startsWith(data, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(data, [0x52, 0x49, 0x46, 0x46]) && startsWith(data, [0x57, 0x45, 0x42, 0x50], 8))
    return 'webp';
  if (startsWith(data, [0x47, 0x49, 0x46, 0x38])) return 'gif';
  // ISO BMFF: a `ftyp` box whose major or compatible brands include avif/avis.
  if (startsWith(data, [0x66, 0x74, 0x79, 0x70], 4)) {
    const size = data.readUInt32BE(0);
    const brands = data.subarray(8, Math.min(size, data.length)).toString('latin1');
    if (/avi[fs]/.test(brands)) return 'avif';
  }
  return null;
}

/** A JPEG is complete when an EOI marker follows its first scan (entropy-coded data never holds FFD9). */
function jpegComplete(data: Buffer): boolean {
  let offset = 2;
  while (offset + 4 <= data.length) {
    if (data[offset] !== 0xff) return false;
    const marker = data[offset + 1]!;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    if (marker === 0xd9) return true;
    if (marker >= 0xd0 && marker <= 0xd7) {
      offset += 2;
      continue;
    }
    const length = data.readUInt16BE(offset + 2);
    if (marker === 0xda) {
      const scanStart = offset + 2 + length;
      for (let i = data.length - 2; i >= scanStart; i--) {
        if (data[i] === 0xff && data[i + 1] === 0xd9) return true;
      }
      return false;
    }
    offset += 2 + length;
  }
  return false;
}

/** A PNG is complete when its chunks, each within the file, reach IEND. */
function pngComplete(data: Buffer): boolean {
  let offset = 8;
  while (offset + 12 <= data.length) {
    const length = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    offset += 12 + length;
    if (offset > data.length) return false;
    if (type === 'IEND') return true;
  }
  return false;
}

/** ISO BMFF (AVIF): top-level boxes tile the file exactly, and the pixel data box is among them. */
function bmffComplete(data: Buffer): boolean {
  let offset = 0;
  let sawMdat = false;
  while (offset + 8 <= data.length) {
    let size = data.readUInt32BE(offset);
    sawMdat ||= data.toString('latin1', offset + 4, offset + 8) === 'mdat';
    if (size === 1) {
      if (offset + 16 > data.length) return false;
      size = Number(data.readBigUInt64BE(offset + 8));
    } else if (size === 0) {
      return sawMdat; // the last box runs to the end of the file
    }
    if (size < 8) return false;
    offset += size;
  }
  return offset === data.length && sawMdat;
}

/** Skips GIF data sub-blocks (length-prefixed, ended by a zero length); -1 when cut off. */
function skipSubBlocks(data: Buffer, offset: number): number {
  while (offset < data.length) {
    const length = data[offset]!;
    if (length === 0) return offset + 1;
    offset += 1 + length;
  }
  return -1;
}

/** A GIF is complete when its blocks, each within the file, reach the trailer. */
function gifComplete(data: Buffer): boolean {
  if (data.length < 13) return false;
  const screenFlags = data[10]!;
  let offset = 13 + (screenFlags & 0x80 ? 3 * 2 ** ((screenFlags & 0x07) + 1) : 0);
  while (offset >= 0 && offset < data.length) {
    const block = data[offset]!;
    if (block === 0x3b) return true; // trailer
    if (block === 0x21) {
      offset = skipSubBlocks(data, offset + 2); // extension: introducer, label, sub-blocks
    } else if (block === 0x2c) {
      if (offset + 10 > data.length) return false;
      const imageFlags = data[offset + 9]!;
      offset += 10 + (imageFlags & 0x80 ? 3 * 2 ** ((imageFlags & 0x07) + 1) : 0);
      offset = skipSubBlocks(data, offset + 1); // LZW minimum code size, then the image data
    } else {
      return false;
    }
  }
  return false;
}

/** Cheap structural checks that catch truncated uploads without decoding any pixels. */
export function isComplete(data: Buffer, format: ImageFormat): boolean {
  switch (format) {
    case 'jpeg':
      return jpegComplete(data);
    case 'png':
      return pngComplete(data);
    case 'webp':
      return data.length >= 12 && data.readUInt32LE(4) + 8 <= data.length;
    case 'gif':
      return gifComplete(data);
    case 'avif':
      return bmffComplete(data);
  }
}

/**
 * Checks an upload before any job exists: an accepted format by its magic bytes, not truncated,
 * and a pixel count under the limit read from the header alone (so a decompression bomb is
 * refused without being decoded).
 */
export async function inspectImage(
  data: Buffer,
  { maxPixels }: { maxPixels: number },
): Promise<InspectedImage> {
  const format = sniffFormat(data);
  if (!format) {
    throw new AppError('UNSUPPORTED_IMAGE', 'the file is not a JPEG, PNG, WebP, GIF or AVIF image', {
      accepted: Object.values(contentTypes),
    });
  }
  if (!isComplete(data, format)) {
    throw new AppError('CORRUPT_IMAGE', `the ${format.toUpperCase()} file is truncated or damaged`);
  }
  // The header alone tells the size of the common formats; sharp reads the others (AVIF).
  let { width, height }: Partial<Size> = headerSize(data, format) ?? {};
  if (!width || !height) {
    try {
      ({ width, height } = await sharp(data, { limitInputPixels: false }).metadata());
    } catch (error) {
      throw new AppError(
        'CORRUPT_IMAGE',
        `the ${format.toUpperCase()} file cannot be read: ${(error as Error).message}`,
      );
    }
  }
  if (!width || !height) throw new AppError('CORRUPT_IMAGE', 'the image has no dimensions');
  if (width * height > maxPixels) {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `the image is ${width}×${height} pixels; at most ${maxPixels} pixels are accepted`,
      {
        width,
        height,
        maxPixels,
      },
    );
  }
  return { format, contentType: contentTypes[format], width, height };
}
