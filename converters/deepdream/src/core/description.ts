import type { ModelDescription } from '@pixelflow/converter-kit';
import { paramsSchema, wide } from './params.ts';
import { FULL_MAX_PIXELS } from './resolution.ts';
import { deepDreamSizing } from './sizing.ts';

// Apart from the model's code: the service's main thread (and `pnpm start`'s) publishes it and
// sizes each conversion without loading TensorFlow.js, which only the worker threads need.
export const description: ModelDescription = {
  id: 'deepdream',
  title: 'DeepDream',
  description:
    'Amplifies what an image classifier (InceptionV3) sees in the picture, octave by octave: ' +
    'eyes, swirls and creatures grow out of it. It dreams at a preview size (half a megapixel, ' +
    `under a minute) by default, or at the image’s full resolution (up to ${wide(FULL_MAX_PIXELS)}) ` +
    'when asked: minutes rather than seconds. The result says when it is smaller than the image.',
  params: paramsSchema,
  // The largest it ever dreams at (full resolution); the default preview is smaller, and heavier
  // params smaller still (sizing.ts). Larger uploads are scaled down first, never refused.
  maxPixels: FULL_MAX_PIXELS,
  oversize: 'downscale',
  sizing: deepDreamSizing,
};
