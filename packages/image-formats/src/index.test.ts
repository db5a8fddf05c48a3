import { describe, expect, it } from 'vitest';
import { images, notRaster } from '../testing/images.ts';
import { contentTypes, sniffImageFormat } from './index.ts';

const typeOf = (data: Buffer) => {
  const format = sniffImageFormat(data);
  return format ? contentTypes[format] : null;
};

describe('sniffImageFormat', () => {
  it('reads JPEG, PNG, WebP, GIF, AVIF and TIFF from their bytes', () => {
    for (const [type, data] of Object.entries(images)) expect(typeOf(data)).toBe(type);
  });

  it('knows nothing else, however it starts', () => {
    for (const data of Object.values(notRaster)) expect(sniffImageFormat(data)).toBeNull();
    // A magic number alone, cut short, is not mistaken for a file either.
    expect(sniffImageFormat(images['image/png'].subarray(0, 4))).toBeNull();
    expect(sniffImageFormat(images['image/avif'].subarray(0, 10))).toBeNull();
  });
});
