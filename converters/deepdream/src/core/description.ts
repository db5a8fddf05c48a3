import type { ModelDescription } from '@pixelflow/converter-kit';
import { paramsSchema } from './params.ts';

// Apart from the model's code: the service's main thread (and `pnpm start`'s) publishes it
// without loading TensorFlow.js, which only the worker threads need.
export const description: ModelDescription = {
  id: 'deepdream',
  title: 'DeepDream',
  description:
    'Amplifies what an image classifier (InceptionV3) sees in the picture, octave by octave: ' +
    'eyes, swirls and creatures grow out of it.',
  params: paramsSchema,
  // Half a megapixel (e.g. 816×612): time grows with the pixels, and a default dream of this
  // size takes about 45 s on 2 cores, twice a 512×512 one; larger uploads are scaled down first.
  maxPixels: 1024 * 512,
  oversize: 'downscale',
};
