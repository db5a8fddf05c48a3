import type { Matrix3x3 } from 'sharp';
import { defineSharpConverter } from '../sharp-converter.ts';
import { numberProperty, paramsSchema } from './schema.ts';

// Contrast, brightness, saturation and sepia follow the CSS Filter Effects definitions (linear
// maps and 3×3 matrices on the gamma-encoded values): well known, predictable, and a single
// pass that costs about as much as the decode. sharp's modulate() does brightness and saturation
// in LCh instead, about five times slower.

export const grayscale = defineSharpConverter<Record<string, never>>({
  id: 'grayscale',
  title: 'Grayscale',
  description: 'Turns the image into shades of grey (luminance, Rec. 709 weights in linear light).',
  params: paramsSchema(),
  // One channel out, not three equal ones: the encoder has a third of the work (a one-channel
  // JPEG is plain baseline JPEG that every browser shows).
  apply: (image) => image.grayscale().toColourspace('b-w'),
});

export const invert = defineSharpConverter<Record<string, never>>({
  id: 'invert',
  title: 'Invert',
  description: 'Replaces every colour by its negative (255 − value); transparency is kept.',
  params: paramsSchema(),
  apply: (image) => image.negate({ alpha: false }),
});

export const contrast = defineSharpConverter<{ amount: number }>({
  id: 'contrast',
  title: 'Contrast',
  description: 'Stretches (above 1) or flattens (below 1) values around mid-grey.',
  params: paramsSchema({
    amount: numberProperty('Amount', '1 keeps the image, 0 is flat grey, 2 doubles the contrast.', {
      minimum: 0,
      maximum: 4,
      fallback: 1.5,
    }),
  }),
  apply: (image, { amount }) => image.linear(amount, 127.5 * (1 - amount)),
});

export const brightness = defineSharpConverter<{ factor: number }>({
  id: 'brightness',
  title: 'Brightness',
  description: 'Multiplies every colour value by a factor.',
  params: paramsSchema({
    factor: numberProperty('Factor', '1 keeps the image, 0 is black, 2 doubles every value.', {
      minimum: 0,
      maximum: 4,
      fallback: 1.2,
    }),
  }),
  apply: (image, { factor }) => image.linear(factor, 0),
});

// Rec. 709 luma weights, as CSS saturate() uses them.
const [lr, lg, lb] = [0.2126, 0.7152, 0.0722];

export function saturationMatrix(s: number): Matrix3x3 {
  return [
    [lr + (1 - lr) * s, lg - lg * s, lb - lb * s],
    [lr - lr * s, lg + (1 - lg) * s, lb - lb * s],
    [lr - lr * s, lg - lg * s, lb + (1 - lb) * s],
  ];
}

export const saturation = defineSharpConverter<{ factor: number }>({
  id: 'saturation',
  title: 'Saturation',
  description: 'Makes colours more vivid (above 1) or duller (below 1).',
  params: paramsSchema({
    factor: numberProperty('Factor', '1 keeps the image, 0 is grey, 2 doubles the saturation.', {
      minimum: 0,
      maximum: 5,
      fallback: 1.5,
    }),
  }),
  apply: (image, { factor }) => image.recomb(saturationMatrix(factor)),
});

const fullSepia: Matrix3x3 = [
  [0.393, 0.769, 0.189],
  [0.349, 0.686, 0.168],
  [0.272, 0.534, 0.131],
];

export function sepiaMatrix(amount: number): Matrix3x3 {
  return fullSepia.map((row, i) =>
    row.map((value, j) => (i === j ? 1 : 0) * (1 - amount) + value * amount),
  ) as Matrix3x3;
}

export const sepia = defineSharpConverter<{ amount: number }>({
  id: 'sepia',
  title: 'Sepia',
  description: 'Gives the image the brown tone of an old photograph.',
  params: paramsSchema({
    amount: numberProperty('Amount', '0 keeps the image, 1 is full sepia.', {
      minimum: 0,
      maximum: 1,
      fallback: 1,
    }),
  }),
  apply: (image, { amount }) => image.recomb(sepiaMatrix(amount)),
});
