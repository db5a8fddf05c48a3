import type { ModelSizing } from '@pixelflow/converter-kit';
import { chooseVariant, MAX_INPUT_PIXELS, MODEL_VARIANTS, type ModelChoice, type Scale } from './limits.ts';

/** The params as validated by the kit; read defensively, since sizing gets them untyped. */
function read(params: Record<string, unknown>): { scale: Scale; model: ModelChoice } {
  const model = MODEL_VARIANTS.find((variant) => variant === params.model) ?? 'auto';
  return { scale: params.scale === 4 ? 4 : 2, model };
}

const size = ({ width, height }: { width: number; height: number }, scale = 1) =>
  `${width * scale}×${height * scale}`;

/**
 * Upscaling works on any accepted upload: one too large for its model and scale is reduced first
 * so that the result fits (MAX_INPUT_PIXELS), and the notice says to what. The model is chosen
 * from the upload's size here as the worker chooses it from the reduced copy's: `auto` at ×4 is
 * thick only for an upload within thick's limit, which is then not reduced.
 */
export const upscaleSizing: ModelSizing = {
  maxPixels(upload, params) {
    const { scale, model } = read(params);
    return MAX_INPUT_PIXELS[chooseVariant(model, scale, upload.width * upload.height)][scale];
  },
  notice({ working, params, fit }) {
    const { scale, model } = read(params);
    if (model === 'thick') {
      // Asked for by name on a large image, thick's small limit makes a small result: say what
      // the other models would make.
      const larger = fit(MAX_INPUT_PIXELS.medium[scale]);
      return (
        `Upscaled ×${scale} with thick to ${size(working, scale)}; the image was first reduced to ` +
        `${size(working)}, the largest thick upscales. Choose auto or medium for up to ${size(larger, scale)}.`
      );
    }
    return (
      `Upscaled ×${scale} to ${size(working, scale)}; the image was first reduced to ${size(working)}, ` +
      `the largest this installation upscales ×${scale}.`
    );
  },
};
