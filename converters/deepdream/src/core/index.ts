import { randomInt } from 'node:crypto';
import type { ModelConverter } from '@pixelflow/converter-kit';
import { type BackendOptions, selectBackend } from '@pixelflow/tfjs-backend';
import * as tf from '@tensorflow/tfjs-core';
import { type DreamTiming, dream } from './dream.ts';
import { InceptionNet } from './inception.ts';
import { loadInceptionFiles } from './inception-files.ts';
import { DEEPEST_LAYER, DEFAULT_PARAMS, type DeepDreamParams, objectiveOf } from './params.ts';

export type { BackendOptions } from '@pixelflow/tfjs-backend';
export { description } from './description.ts';
export type { DreamTiming } from './dream.ts';
export type { DeepDreamParams, PresetName } from './params.ts';
export { DEFAULT_PARAMS, PRESETS } from './params.ts';

export interface DeepDreamOptions {
  /** Backend choice, see selectBackend (@pixelflow/tfjs-backend). @default {} */
  backend?: BackendOptions;
  /**
   * Largest tile side of one gradient pass. Memory grows with it (the wasm heap peaks near
   * 330 MB at 512 to mixed5 and never shrinks); larger images are done tile by tile.
   * @default 512
   */
  tileSize?: number;
  /** Receives each dream's timing (forward, backward, total per step): for benchmarks. */
  onTiming?: (timing: DreamTiming) => void;
}

/** The DeepDream converter's core: InceptionV3 from nsfwjs's files, on the best backend here. */
export function createDeepDream(options: DeepDreamOptions = {}): ModelConverter<DeepDreamParams> {
  const { tileSize = 512, onTiming } = options;
  let net: InceptionNet | undefined;
  return {
    async setup() {
      const backend = await selectBackend(options.backend);
      net ??= InceptionNet.build(await loadInceptionFiles(), DEEPEST_LAYER);
      // Warm-up: the first pass of each shape pays for XNNPACK's operator set-up.
      tf.tidy(() => {
        net!.gradient(tf.zeros([1, 128, 128, 3]), [{ layer: DEEPEST_LAYER, weight: 1 }]).gradient.dataSync();
      });
      return { backend: backend.label };
    },
    async convert(image, params, context) {
      if (!net) throw new Error('DeepDream: setup() has not run');
      const timing: DreamTiming | undefined = onTiming && {
        steps: 0,
        forwardMs: 0,
        backwardMs: 0,
        totalMs: 0,
      };
      const result = await dream(
        net,
        image,
        {
          objective: objectiveOf(params.layers),
          octaves: params.octaves ?? DEFAULT_PARAMS.octaves,
          octaveScale: params.octaveScale ?? DEFAULT_PARAMS.octaveScale,
          steps: params.steps ?? DEFAULT_PARAMS.steps,
          stepSize: params.stepSize ?? DEFAULT_PARAMS.stepSize,
          jitter: params.jitter ?? DEFAULT_PARAMS.jitter,
          seed: params.seed ?? randomInt(2 ** 31 - 1),
          tileSize,
        },
        context,
        timing,
      );
      if (timing) onTiming?.(timing);
      return result;
    },
  };
}
