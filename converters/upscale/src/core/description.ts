import type { ModelDescription } from '@pixelflow/converter-kit';
import { MAX_INPUT_PIXELS, MODEL_VARIANTS } from './limits.ts';

// Apart from the models' code: the service's main thread (and `pnpm start`'s) publishes it
// without loading TensorFlow.js, which only the worker threads need.
const side = (pixels: number) => `${Math.sqrt(pixels)}×${Math.sqrt(pixels)}`;

export const description: ModelDescription = {
  id: 'upscale',
  title: 'AI upscaling',
  description:
    'Makes the image 2× or 4× wider and taller with an ESRGAN super-resolution network ' +
    '(UpscalerJS weights, trained on DIV2K): crisper than a plain resize. ' +
    `Takes up to ${side(MAX_INPUT_PIXELS.medium[2])} pixels (or as many in another shape) for ×2 and ` +
    `${side(MAX_INPUT_PIXELS.medium[4])} for ×4; the thick model up to ${side(MAX_INPUT_PIXELS.thick[2])}. ` +
    'A larger image is refused rather than shrunk first, since upscaling a downscaled image defeats ' +
    'the purpose. It takes a while: ×2 of 512×512 about 10–20 s, ×4 of 256×256 (thick) 25–50 s.',
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
          'slower than medium; small images only). auto: medium for ×2; for ×4 thick when the ' +
          'image fits its limit, else medium.',
      },
    },
  },
  // The kit takes one number: the largest input of all (×2, slim or medium). convert() refuses
  // what is over the limit of the scale and model in use, with code IMAGE_TOO_LARGE.
  maxPixels: MAX_INPUT_PIXELS.medium[2],
  oversize: 'refuse',
};
