import type { RawImage } from '@pixelflow/converter-kit';
import { photo } from '@pixelflow/testing';
import * as tf from '@tensorflow/tfjs-core';
import sharp, { type Sharp } from 'sharp';
import type { InceptionNet, LayerWeight } from '../src/core/inception.ts';

/** A real photo (see @pixelflow/testing), cropped and scaled to `width`×`height`, as raw RGB. */
export async function photoPixels(name: string, width: number, height = width): Promise<RawImage> {
  const data = await sharp(photo(name))
    .resize(width, height, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data), width, height };
}

/** The same image through a sharp pipeline (a blur, a sharpen…), as raw RGB. */
export async function transformed(image: RawImage, apply: (image: Sharp) => Sharp): Promise<RawImage> {
  const { width, height } = image;
  const data = await apply(sharp(Buffer.from(image.data), { raw: { width, height, channels: 3 } }))
    .removeAlpha()
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data), width, height };
}

/** Uniform noise of the given RMS added to every channel, deterministic. */
export function withNoise(image: RawImage, rms: number): RawImage {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const data = image.data.map((v) =>
    Math.max(0, Math.min(255, Math.round(v + (next() * 2 - 1) * rms * Math.sqrt(3)))),
  );
  return { ...image, data };
}

/** The dream objective Σ weight · mean(activation) of an image, as the network sees it in [-1, 1]. */
export function objectiveValue(
  net: InceptionNet,
  image: RawImage,
  objective: readonly LayerWeight[],
): number {
  return tf.tidy(() => {
    const pixels = tf.tensor4d(image.data, [1, image.height, image.width, 3], 'int32');
    const x = tf.sub(tf.div(pixels, 127.5), 1) as tf.Tensor4D;
    const activations = net.forward(
      x,
      objective.map(({ layer }) => layer),
    );
    return objective.reduce(
      (sum, { weight }, i) => sum + weight * tf.mean(activations[i]!).dataSync()[0]!,
      0,
    );
  });
}

/** Root mean square of the per-channel difference. */
export function rmsDifference(a: RawImage, b: RawImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += (a.data[i]! - b.data[i]!) ** 2;
  return Math.sqrt(sum / a.data.length);
}

/**
 * Correlation of the difference image with itself shifted one pixel right: near 0 for pixel
 * noise, high for changes that form shapes.
 */
export function differenceStructure(a: RawImage, b: RawImage): number {
  const { width, height } = a;
  const diff = Float64Array.from(a.data, (v, i) => v - b.data[i]!);
  const mean = diff.reduce((s, v) => s + v, 0) / diff.length;
  let covariance = 0;
  let variance = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width - 1; x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * width + x) * 3 + c;
        covariance += (diff[i]! - mean) * (diff[i + 3]! - mean);
        variance += (diff[i]! - mean) ** 2;
      }
    }
  }
  return variance === 0 ? 0 : covariance / variance;
}
