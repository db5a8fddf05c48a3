import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { type ModelVariant, SCALES, type Scale } from './limits.ts';

export { MODEL_VARIANTS, type ModelVariant, SCALES, type Scale } from './limits.ts';

export interface VariantInfo {
  /** The npm package that ships the weights (models/x<scale>/model.json + shards). */
  package: string;
  /** Pixel range the network reads and writes: RDN works on 0..255, RRDN on 0..1. */
  range: 255 | 1;
  /**
   * Input pixels of context each patch needs on every side so that patches stitch to the
   * whole-image result: measured on a photo with 48 px patches, at this context no output pixel
   * differs by more than 1 of 255 (slim and medium: none at all). slim chains 9 3×3 convolutions,
   * medium 17; thick over 120, but its far inputs weigh almost nothing (8 px: mean 0.0005).
   */
  context: number;
  /**
   * Largest patch core side, in input pixels: past about 96 px larger patches are no faster per
   * pixel, only spend less on context and hold more memory. thick's are smaller so that one
   * patch takes about 3 s (2 cores): progress moves, and an abort is seen soon.
   */
  patchSize: number;
}

export const VARIANTS: Record<ModelVariant, VariantInfo> = {
  slim: { package: '@upscalerjs/esrgan-slim', range: 255, context: 12, patchSize: 128 },
  medium: { package: '@upscalerjs/esrgan-medium', range: 255, context: 16, patchSize: 128 },
  thick: { package: '@upscalerjs/esrgan-thick', range: 1, context: 12, patchSize: 96 },
};

/** The package's root folder, found from its entry point (the package exports no package.json). */
function packageRoot(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(name)));
  while (!dir.endsWith(join('node_modules', name))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of ${name}`);
    dir = parent;
  }
  return dir;
}

/** Path of the model.json of a variant and scale, inside its installed npm package. */
export function modelPath(variant: ModelVariant, scale: Scale): string {
  return join(packageRoot(VARIANTS[variant].package), 'models', `x${scale}`, 'model.json');
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

let customLayersRegistered = false;

/**
 * The two custom layers of the RRDN ("thick") models, as UpscalerJS defines them: a residual
 * scaling by β = 0.2, and depth-to-space upsampling.
 */
function registerCustomLayers(): void {
  if (customLayersRegistered) return;
  customLayersRegistered = true;
  const first = (inputs: tf.Tensor | tf.Tensor[]) => (Array.isArray(inputs) ? inputs[0]! : inputs);
  class MultiplyBeta extends tfl.layers.Layer {
    static className = 'MultiplyBeta';
    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.mul(first(inputs), 0.2);
    }
  }
  tf.serialization.registerClass(MultiplyBeta);
  for (const scale of SCALES) {
    class PixelShuffle extends tfl.layers.Layer {
      static className = `PixelShuffle${scale}x`;
      override computeOutputShape(shape: tfl.Shape | tfl.Shape[]): tfl.Shape {
        const [batch, height, width] = (Array.isArray(shape[0]) ? shape[0] : shape) as tfl.Shape;
        return [batch ?? null, height ? height * scale : null, width ? width * scale : null, 3];
      }
      override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.depthToSpace(first(inputs) as tf.Tensor4D, scale, 'NHWC');
      }
    }
    tf.serialization.registerClass(PixelShuffle);
  }
}

/** Loads a variant's Keras model from the files of its npm package: no network. */
export async function loadModel(variant: ModelVariant, scale: Scale): Promise<tfl.LayersModel> {
  if (VARIANTS[variant].range === 1) registerCustomLayers();
  const path = modelPath(variant, scale);
  const json = JSON.parse(await readFile(path, 'utf8')) as ModelJson;
  const shards = await Promise.all(
    json.weightsManifest.flatMap((group) => group.paths.map((file) => readFile(join(dirname(path), file)))),
  );
  const weights = new Uint8Array(shards.reduce((sum, shard) => sum + shard.byteLength, 0));
  let offset = 0;
  for (const shard of shards) {
    weights.set(shard, offset);
    offset += shard.byteLength;
  }
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer,
    }),
  );
}
