import type { ImageFormat } from '../image-check.ts';
import { readBmff } from './bmff.ts';
import { readGif } from './gif.ts';
import { readJpeg } from './jpeg.ts';
import { readPng } from './png.ts';
import type { Header } from './types.ts';
import { readWebp } from './webp.ts';

export type { DecodeWork, Frame, Header, Size } from './types.ts';

/** Reads a file's structure (completeness, declared sizes, frames) without decoding pixels. */
export function readHeader(data: Buffer, format: ImageFormat): Header {
  switch (format) {
    case 'jpeg':
      return readJpeg(data);
    case 'png':
      return readPng(data);
    case 'gif':
      return readGif(data);
    case 'webp':
      return readWebp(data);
    case 'avif':
      return readBmff(data);
  }
}
