import type { RawImage } from '@pixelflow/converter-kit';
import { photo } from '@pixelflow/testing';
import sharp from 'sharp';

/** Raw RGB of a test photo (see `photo()`), decoded with sharp. */
export async function decodePhoto(name: string): Promise<RawImage> {
  const { data, info } = await sharp(photo(name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}

export function crop(image: RawImage, left: number, top: number, width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const from = ((top + row) * image.width + left) * 3;
    data.set(image.data.subarray(from, from + width * 3), row * width * 3);
  }
  return { data, width, height };
}

/**
 * The `size`×`size` crop with the most detail (summed horizontal luma steps), among crops on a
 * grid of half their size: flat sky or blur says nothing about an upscaler.
 */
export function mostDetailedCrop(image: RawImage, size: number): RawImage {
  const luma = toLuma(image);
  let best = { left: 0, top: 0, detail: -1 };
  for (let top = 0; top + size <= image.height; top += size / 2) {
    for (let left = 0; left + size <= image.width; left += size / 2) {
      let detail = 0;
      for (let y = top; y < top + size; y++) {
        for (let x = left + 1; x < left + size; x++)
          detail += Math.abs(luma[y * image.width + x]! - luma[y * image.width + x - 1]!);
      }
      if (detail > best.detail) best = { left, top, detail };
    }
  }
  return crop(image, best.left, best.top, size, size);
}

export type SharpKernel = 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos3';

/** A plain sharp resize (its kernel picks the interpolator when enlarging). */
export async function sharpResize(
  image: RawImage,
  width: number,
  height: number,
  kernel: SharpKernel,
): Promise<RawImage> {
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { kernel, fit: 'fill' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}

/**
 * Bicubic (Keys, a = −0.5) enlargement by an integer factor with pixel centres aligned, edges
 * clamped: the textbook baseline of super-resolution papers. sharp's enlargement is offset by
 * half an output pixel, which costs it 1–4 dB of PSNR against the true image.
 */
export function alignedBicubic(image: RawImage, scale: number): RawImage {
  const { width, height } = image;
  const outWidth = width * scale;
  const outHeight = height * scale;
  const data = new Uint8Array(outWidth * outHeight * 3);
  const keys = (t: number) => {
    const x = Math.abs(t);
    if (x <= 1) return 1.5 * x ** 3 - 2.5 * x ** 2 + 1;
    if (x < 2) return -0.5 * x ** 3 + 2.5 * x ** 2 - 4 * x + 2;
    return 0;
  };
  const at = (x: number, y: number, c: number) =>
    image.data[(Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))) * 3 + c]!;
  for (let y = 0; y < outHeight; y++) {
    const sy = (y + 0.5) / scale - 0.5;
    const y0 = Math.floor(sy);
    for (let x = 0; x < outWidth; x++) {
      const sx = (x + 0.5) / scale - 0.5;
      const x0 = Math.floor(sx);
      for (let c = 0; c < 3; c++) {
        let value = 0;
        for (let j = -1; j <= 2; j++) {
          for (let i = -1; i <= 2; i++)
            value += at(x0 + i, y0 + j, c) * keys(sx - x0 - i) * keys(sy - y0 - j);
        }
        data[(y * outWidth + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return { data, width: outWidth, height: outHeight };
}

/** PSNR in dB of `test` against `reference` (same size), leaving out a `border` px frame. */
export function psnr(reference: RawImage, test: RawImage, border = 8): number {
  if (reference.width !== test.width || reference.height !== test.height) {
    throw new Error(`sizes differ: ${reference.width}×${reference.height} vs ${test.width}×${test.height}`);
  }
  let squared = 0;
  let count = 0;
  for (let y = border; y < reference.height - border; y++) {
    for (let i = (y * reference.width + border) * 3; i < ((y + 1) * reference.width - border) * 3; i++) {
      const d = reference.data[i]! - test.data[i]!;
      squared += d * d;
      count++;
    }
  }
  return 10 * Math.log10((255 * 255 * count) / squared);
}

export function toLuma(image: RawImage): Float32Array {
  const luma = new Float32Array(image.width * image.height);
  for (let i = 0; i < luma.length; i++) {
    luma[i] = 0.299 * image.data[i * 3]! + 0.587 * image.data[i * 3 + 1]! + 0.114 * image.data[i * 3 + 2]!;
  }
  return luma;
}

/**
 * Mean absolute luma step between each column and the one before it (index 0 is 0): a seam at
 * column x shows as a spike at x among its neighbours.
 */
export function columnSteps(image: RawImage): Float64Array {
  const luma = toLuma(image);
  const steps = new Float64Array(image.width);
  for (let x = 1; x < image.width; x++) {
    let sum = 0;
    for (let y = 0; y < image.height; y++)
      sum += Math.abs(luma[y * image.width + x]! - luma[y * image.width + x - 1]!);
    steps[x] = sum / image.height;
  }
  return steps;
}

/** The image turned by a quarter: its rows become columns, for `columnSteps`. */
export function transpose(image: RawImage): RawImage {
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      data.set(
        image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3),
        (x * image.height + y) * 3,
      );
    }
  }
  return { data, width: image.height, height: image.width };
}
