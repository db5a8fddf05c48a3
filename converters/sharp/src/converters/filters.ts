import { defineSharpConverter } from '../sharp-converter.ts';
import { numberProperty, paramsSchema } from './schema.ts';

export const blur = defineSharpConverter<{ sigma: number }>({
  id: 'blur',
  title: 'Blur',
  description: 'Gaussian blur.',
  params: paramsSchema({
    sigma: numberProperty('Strength', 'Sigma of the Gaussian in pixels (about half the radius).', {
      minimum: 0.3,
      maximum: 100,
      fallback: 3,
    }),
  }),
  apply: (image, { sigma }) => image.blur(sigma),
});

interface SharpenParams {
  sigma: number;
  flat: number;
  jagged: number;
}

export const sharpen = defineSharpConverter<SharpenParams>({
  id: 'sharpen',
  title: 'Sharpen',
  description: 'Unsharp mask on the lightness channel: edges get crisper, colours stay.',
  params: paramsSchema({
    sigma: numberProperty('Radius', 'Sigma of the Gaussian mask in pixels; larger sharpens coarser detail.', {
      minimum: 0.3,
      maximum: 10,
      fallback: 1,
    }),
    // Twice sharp's own defaults (1 and 2), which are barely visible on a photo.
    flat: numberProperty('Flat areas', 'How much to sharpen smooth areas.', {
      minimum: 0,
      maximum: 10,
      fallback: 2,
    }),
    jagged: numberProperty('Edges', 'How much to sharpen edges and detailed areas.', {
      minimum: 0,
      maximum: 20,
      fallback: 4,
    }),
  }),
  apply: (image, { sigma, flat, jagged }) => image.sharpen({ sigma, m1: flat, m2: jagged }),
});
