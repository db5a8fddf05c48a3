import type { ModelDescription } from '@pixelflow/converter-kit';
import { MAX_INPUT_PIXELS, MAX_OUTPUT_PIXELS, MODEL_VARIANTS } from './limits.ts';
import { upscaleSizing } from './sizing.ts';

// Apart from the models' code: the service's main thread (and `pnpm start`'s) publishes it and
// sizes each conversion without loading TensorFlow.js, which only the worker threads need.

/** A pixel count as the 16:10 size that has it (a photo's shape; all of these are exact). */
const wide = (pixels: number) => `${Math.sqrt(pixels * 1.6)}×${Math.sqrt(pixels / 1.6)}`;

export const description: ModelDescription = {
  id: 'upscale',
  title: 'AI upscaling',
  description:
    'Makes the image 2× or 4× wider and taller with an ESRGAN super-resolution network ' +
    '(UpscalerJS weights, trained on DIV2K): crisper than a plain resize. ' +
    `Results are at most ${wide(MAX_OUTPUT_PIXELS)} pixels (or as many in another shape): a larger ` +
    `image is first reduced, to ${wide(MAX_INPUT_PIXELS.medium[2])} for ×2 and ` +
    `${wide(MAX_INPUT_PIXELS.medium[4])} for ×4, and the result says so. The thick model works on up to ` +
    `${Math.sqrt(MAX_INPUT_PIXELS.thick[2])}×${Math.sqrt(MAX_INPUT_PIXELS.thick[2])} pixels. ` +
    'It takes a while: ×2 of 512×512 about 10 s, of 2048×1280 2 to 3 minutes (slim: under one).',
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      scale: {
        type: 'integer',
        enum: [2, 4],
        default: 2,
        description: 'How many times wider and taller the result is.',
      },
      model: {
        type: 'string',
        enum: ['auto', ...MODEL_VARIANTS],
        default: 'auto',
        description:
          'The network: slim (fastest), medium (sharper, about 3× slower), thick (best, about 10× ' +
          'slower than medium; small images only, larger ones are reduced to its limit). auto: ' +
          'medium for ×2; for ×4 thick when the image fits its limit, else medium.',
      },
    },
  },
  // The largest input worked on as it is (×2, slim or medium) and the largest result; every
  // upload is taken, reduced first where the scale and model need it (sizing.ts).
  maxPixels: MAX_INPUT_PIXELS.medium[2],
  maxOutputPixels: MAX_OUTPUT_PIXELS,
  oversize: 'downscale',
  sizing: upscaleSizing,
};
