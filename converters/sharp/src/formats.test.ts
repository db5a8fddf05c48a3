import { describe, expect, it } from 'vitest';
import { solid } from '../testing/images.ts';
import { outputFormatFor, sniffFormat } from './formats.ts';

describe('sniffFormat', () => {
  it.each(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const)(
    'recognises %s written by sharp',
    async (format) => {
      expect(sniffFormat(await solid(8, 8, format))).toBe(format);
    },
  );

  it('recognises big-endian TIFF, BigTIFF and AVIF named among the compatible brands', () => {
    expect(sniffFormat(Buffer.from('MM\0*\0\0\0\x08\0\0\0\0', 'latin1'))).toBe('tiff');
    expect(sniffFormat(Buffer.from('II+\0\x08\0\0\0\0\0\0\0', 'latin1'))).toBe('tiff');
    const ftyp = (brands: string) => {
      const box = Buffer.from(`\0\0\0\0ftyp${brands}`, 'latin1');
      box.writeUInt32BE(box.length);
      return Buffer.concat([box, Buffer.alloc(16)]);
    };
    expect(sniffFormat(ftyp('mif1\0\0\0\0mif1avifmiaf'))).toBe('avif');
    expect(sniffFormat(ftyp('avis\0\0\0\0'))).toBe('avif');
    // HEIC: the same container, a codec sharp's libheif cannot decode.
    expect(sniffFormat(ftyp('heic\0\0\0\0mif1heic'))).toBeUndefined();
  });

  it.each([
    ['text', Buffer.from('hello, this is plain text and no image')],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')],
    ['PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj')],
    ['empty', Buffer.alloc(0)],
    ['a JPEG signature alone', Buffer.from([0xff, 0xd8, 0xff])],
    ['RIFF that is not WebP', Buffer.from('RIFF\0\0\0\0WAVEfmt ', 'latin1')],
  ])('rejects %s', (_label, bytes) => {
    expect(sniffFormat(bytes)).toBeUndefined();
  });
});

describe('outputFormatFor', () => {
  it('keeps JPEG, PNG and WebP and turns the rest into PNG', () => {
    expect(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'].map((f) => outputFormatFor(f as never))).toEqual([
      'jpeg',
      'png',
      'webp',
      'png',
      'png',
      'png',
    ]);
  });
});
