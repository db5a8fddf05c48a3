import type { Converter } from '../converter.ts';
import { brightness, contrast, grayscale, invert, saturation, sepia } from './colour.ts';
import { blur, sharpen } from './filters.ts';
import { flip, flipVertical, resize, rotate } from './geometry.ts';

/** Every sharp converter, in the order a picker would list them. */
export const converters: readonly Converter[] = [
  grayscale,
  flip,
  flipVertical,
  rotate,
  resize,
  contrast,
  brightness,
  saturation,
  sepia,
  invert,
  blur,
  sharpen,
];

export const converterIds: readonly string[] = converters.map((converter) => converter.id);

export function findConverter(id: string): Converter | undefined {
  return converters.find((converter) => converter.id === id);
}
