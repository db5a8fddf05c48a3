import type { ImageFormat } from './image-check.ts';

export interface Size {
  width: number;
  height: number;
}

// SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
const isStartOfFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);

function jpegSize(data: Buffer): Size | null {
  let offset = 2;
  while (offset + 9 <= data.length) {
    if (data[offset] !== 0xff) return null;
    const marker = data[offset + 1]!;
    if (marker === 0xff) {
      offset++;
      continue;
    }
    if (isStartOfFrame(marker)) {
      return { height: data.readUInt16BE(offset + 5), width: data.readUInt16BE(offset + 7) };
    }
    if (marker === 0xda || marker === 0xd9) return null;
    offset += 2 + data.readUInt16BE(offset + 2);
  }
  return null;
}

function webpSize(data: Buffer): Size | null {
  if (data.length < 30) return null;
  switch (data.toString('latin1', 12, 16)) {
    case 'VP8 ': // lossy: the key frame's start code, then 14-bit width and height
      if (data[23] !== 0x9d || data[24] !== 0x01 || data[25] !== 0x2a) return null;
      return { width: data.readUInt16LE(26) & 0x3fff, height: data.readUInt16LE(28) & 0x3fff };
    case 'VP8L': {
      // lossless: a signature byte, then width-1 and height-1 in 14 bits each
      if (data[20] !== 0x2f) return null;
      const bits = data.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    case 'VP8X': // extended: canvas width-1 and height-1 in 24 bits each
      return { width: data.readUIntLE(24, 3) + 1, height: data.readUIntLE(27, 3) + 1 };
    default:
      return null;
  }
}

/**
 * The pixel size an image's header declares, read in JavaScript without decoding anything; null
 * where the header is not one of the simple cases (AVIF, unusual layouts).
 */
export function headerSize(data: Buffer, format: ImageFormat): Size | null {
  switch (format) {
    case 'jpeg':
      return jpegSize(data);
    case 'png':
      return data.length >= 24 && data.toString('latin1', 12, 16) === 'IHDR'
        ? { width: data.readUInt32BE(16), height: data.readUInt32BE(20) }
        : null;
    case 'gif':
      return data.length >= 10 ? { width: data.readUInt16LE(6), height: data.readUInt16LE(8) } : null;
    case 'webp':
      return webpSize(data);
    case 'avif':
      return null;
  }
}
