import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ConvertContext, ModelConverter, RawImage } from '@pixelflow/converter-kit';
import { type BackendOptions, selectBackend } from '@pixelflow/tfjs-backend';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { chooseVariant, MAX_INPUT_PIXELS, type ModelChoice } from './limits.ts';
import { loadModel, MODEL_VARIANTS, type ModelVariant, SCALES, type Scale, VARIANTS } from './models.ts';
import { cropPixels, type PatchOptions, pastePixels, planPatches, type Rect } from './patches.ts';

export interface UpscaleParams {
  scale: Scale;
  model: ModelChoice;
}

export interface UpscalerOptions {
  /** Which TensorFlow.js backend to use; see `selectBackend` (@pixelflow/tfjs-backend). @default {} */
  backend?: BackendOptions;
  /**
   * The models to load at setup (a conversion that needs another fails): all six take about
   * 65 MB of weights and under 2 s.
   * @default every variant at every scale
   */
  models?: Array<{ variant: ModelVariant; scale: Scale }>;
  /**
   * Largest patch core side in input pixels, for every variant. Larger patches spend less on
   * context but hold more memory (peak RSS of ×2 medium of 512×512 with 2 threads: 440 MiB at
   * 128, 610 at 192, 960 at 256).
   * @default VARIANTS[variant].patchSize (128; thick 96)
   */
  patchSize?: number;
  /**
   * Context around each patch in input pixels, per variant. Less leaves seams.
   * @default VARIANTS[variant].context
   */
  context?: Partial<Record<ModelVariant, number>>;
  /**
   * Largest input per model and scale, in pixels; a larger one is refused (IMAGE_TOO_LARGE). The
   * service reduces an upload to these first (sizing.ts), so only direct callers of the core meet it.
   * @default MAX_INPUT_PIXELS
   */
  maxPixels?: Record<ModelVariant, Record<Scale, number>>;
}

export { chooseVariant, MAX_INPUT_PIXELS, type ModelChoice } from './limits.ts';

const abortError = () => Object.assign(new Error('aborted'), { name: 'AbortError' });

export function createUpscalerCore(options: UpscalerOptions = {}): ModelConverter<UpscaleParams> {
  const models = new Map<string, LayersModel>();
  const key = (variant: ModelVariant, scale: Scale) => `${variant}×${scale}`;
  const maxPixels = options.maxPixels ?? MAX_INPUT_PIXELS;

  return {
    async setup() {
      const backend = await selectBackend(options.backend);
      for (const { variant, scale } of options.models ?? allModels()) {
        const model = await loadModel(variant, scale);
        models.set(key(variant, scale), model);
        // One small run builds the kernels before the first request.
        tf.tidy(() => (model.predict(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dataSync());
      }
      return { backend: backend.label };
    },

    async convert(image: RawImage, params: UpscaleParams, context: ConvertContext): Promise<RawImage> {
      const { scale } = params;
      const pixels = image.width * image.height;
      const variant = chooseVariant(params.model, scale, pixels, maxPixels);
      const limit = maxPixels[variant][scale];
      if (pixels > limit) {
        const message = `${variant} ×${scale} takes at most ${limit} pixels; this image has ${pixels} (${image.width}×${image.height})`;
        throw Object.assign(new Error(message), { code: 'IMAGE_TOO_LARGE' });
      }
      const model = models.get(key(variant, scale));
      if (!model) throw new Error(`the ${variant} ×${scale} model is not loaded`);
      const patchOptions: PatchOptions = {
        size: options.patchSize ?? VARIANTS[variant].patchSize,
        context: options.context?.[variant] ?? VARIANTS[variant].context,
      };
      return upscaleInPatches(model, VARIANTS[variant].range, scale, image, patchOptions, context);
    },
  };
}

function allModels(): Array<{ variant: ModelVariant; scale: Scale }> {
  return MODEL_VARIANTS.flatMap((variant) => SCALES.map((scale) => ({ variant, scale })));
}

/**
 * Runs `model` patch by patch and stitches the cores of the outputs: memory stays bounded by the
 * patch size whatever the image size, and the context around each core hides the seams.
 */
export async function upscaleInPatches(
  model: LayersModel,
  range: 255 | 1,
  scale: number,
  image: RawImage,
  patchOptions: PatchOptions,
  context: ConvertContext,
): Promise<RawImage> {
  const width = image.width * scale;
  const height = image.height * scale;
  const output = new Uint8Array(width * height * 3);
  const patches = planPatches(image.width, image.height, patchOptions);
  for (const [index, { core, window }] of patches.entries()) {
    // Let the worker's message loop run, so that an abort sent meanwhile is seen now.
    await nextTurn();
    if (context.signal.aborted) throw abortError();
    const result = tf.tidy(() => {
      const pixels = tf.tensor4d(cropPixels(image.data, image.width, window), [
        1,
        window.height,
        window.width,
        3,
      ]);
      const upscaled = model.predict(range === 1 ? tf.div(pixels, 255) : pixels) as tf.Tensor4D;
      const kept = tf.slice(
        upscaled,
        [0, (core.y - window.y) * scale, (core.x - window.x) * scale, 0],
        [1, core.height * scale, core.width * scale, 3],
      );
      return range === 1 ? tf.mul(kept, 255) : kept;
    });
    try {
      const target: Rect = {
        x: core.x * scale,
        y: core.y * scale,
        width: core.width * scale,
        height: core.height * scale,
      };
      pastePixels(output, width, target, (await result.data()) as Float32Array);
    } finally {
      result.dispose();
    }
    context.progress((index + 1) / patches.length);
  }
  return { data: output, width, height };
}
