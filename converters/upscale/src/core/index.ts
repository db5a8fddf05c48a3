import type { ModelConverter } from '@pixelflow/converter-kit';
import { createUpscalerCore, type UpscaleParams, type UpscalerOptions } from './upscaler.ts';

export type { BackendOptions } from '@pixelflow/tfjs-backend';
export { description } from './description.ts';
export { MAX_OUTPUT_PIXELS } from './limits.ts';
export { MODEL_VARIANTS, type ModelVariant, SCALES, type Scale } from './models.ts';
export {
  chooseVariant,
  MAX_INPUT_PIXELS,
  type ModelChoice,
  type UpscaleParams,
  type UpscalerOptions,
} from './upscaler.ts';

/** The upscaler's worker-side core: `setup()` once in the worker, then `convert()` per image. */
export function createUpscaler(options?: UpscalerOptions): ModelConverter<UpscaleParams> {
  return createUpscalerCore(options);
}
