// Synthetic images for exact pixel assertions in the tests; nothing here ships in a request path.
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

export type Pixel = readonly number[];

/** A PNG from pixels listed row by row, each [r, g, b] or [r, g, b, a]. */
export async function pngOf(width: number, height: number, pixels: readonly Pixel[]): Promise<Buffer> {
  const channels = pixels[0]?.length === 4 ? 4 : 3;
  if (pixels.length !== width * height || pixels.some((p) => p.length !== channels)) {
    throw new Error('pixel list does not match the size');
  }
  return sharp(Buffer.from(pixels.flat()), { raw: { width, height, channels } }).png().toBuffer();
}

/** A flat-coloured image in any output format sharp writes. */
export async function solid(
  width: number,
  height: number,
  format: 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif',
  background = '#3366cc',
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } })
    .toFormat(format)
    .toBuffer();
}

/** Gaussian noise, blurred a little so that it compresses like a photo rather than like static. */
export async function noisy(width: number, height: number, format: 'jpeg' | 'png' = 'jpeg'): Promise<Buffer> {
  const noise = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 30 },
    },
  })
    .png()
    .toBuffer();
  return sharp(noise).blur(1.2).toFormat(format, { quality: 90 }).toBuffer();
}

export interface Decoded {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
  /** The pixel at (x, y) as sRGB values, with alpha when the image has it. */
  at(x: number, y: number): number[];
}

/** Decodes to sRGB (a one-channel grey image comes back as three equal channels). */
export async function decode(image: Buffer): Promise<Decoded> {
  const { data, info } = await sharp(image).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  return {
    width,
    height,
    channels,
    data,
    at: (x, y) => [...data.subarray((y * width + x) * channels, (y * width + x + 1) * channels)],
  };
}

/** Mean squared difference between horizontal neighbours: the energy of fine detail. */
export function detailEnergy({ data, width, height, channels }: Decoded): number {
  let sum = 0;
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 1; x < width; x++) {
      const a = data[(y * width + x) * channels]!;
      const b = data[(y * width + x - 1) * channels]!;
      sum += (a - b) ** 2;
      count++;
    }
  }
  return sum / count;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/**
 * A valid PNG signature and IHDR (with CRC) that declare `width` × `height` RGB pixels, followed by
 * a tiny IDAT: a decompression bomb's header, a few hundred bytes long.
 */
export function pngDeclaring(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(256))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** sRGB value (0–255) to linear light (0–1). */
export function toLinear(value: number): number {
  const v = value / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** Linear light (0–1) to an sRGB value (0–255). */
export function fromLinear(value: number): number {
  const v = value <= 0.0031308 ? value * 12.92 : 1.055 * value ** (1 / 2.4) - 0.055;
  return Math.round(v * 255);
}

/**
 * The reference 4×2 image:
 *   red    green  blue    white
 *   black  grey   yellow  cyan
 */
export const reference = {
  width: 4,
  height: 2,
  pixels: [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 255],
    [0, 0, 0],
    [128, 128, 128],
    [255, 255, 0],
    [0, 255, 255],
  ],
} as const satisfies { width: number; height: number; pixels: readonly Pixel[] };

export function referencePng(): Promise<Buffer> {
  return pngOf(reference.width, reference.height, reference.pixels);
}
