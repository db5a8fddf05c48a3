import type { Header, Size } from './headers/index.ts';

export type { Size } from './headers/index.ts';

/** The work an image asks of a decoder, from its header alone. */
export interface DeclaredImage {
  /** The canvas: the declared size, grown to hold every frame where it lies. */
  width: number;
  height: number;
  /** Frames of an animation; 1 for a still image. */
  frames: number;
  /** The pixels of every frame together (the canvas for a still image). */
  framePixels: number;
  /** The largest single image a decoder may allocate: the canvas or an item decoded on its own. */
  largest: Size;
}

/**
 * What an image declares, from its header and, where the header alone does not tell its size
 * (AVIF's primary image), the size `fallback` read by the decoder's own header parser. Null when
 * neither names a size.
 */
export function declaredImage(header: Header, fallback?: Size): DeclaredImage | null {
  const declared = header.size && header.size.width > 0 && header.size.height > 0 ? header.size : fallback;
  if (!declared) return null;
  let { width, height } = declared;
  let framePixels = 0;
  for (const frame of header.frames) {
    width = Math.max(width, frame.x + frame.width);
    height = Math.max(height, frame.y + frame.height);
    framePixels += frame.width * frame.height;
  }
  let largest = { width, height };
  for (const item of header.items) {
    if (item.width * item.height > largest.width * largest.height) largest = item;
  }
  return {
    width,
    height,
    frames: Math.max(1, header.frames.length),
    framePixels: header.frames.length > 0 ? framePixels : width * height,
    largest,
  };
}
