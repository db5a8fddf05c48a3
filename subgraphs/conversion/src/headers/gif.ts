import type { Frame, Header } from './types.ts';

/** Skips GIF data sub-blocks (length-prefixed, ended by a zero length); -1 when cut off. */
function skipSubBlocks(data: Buffer, offset: number): number {
  while (offset < data.length) {
    const length = data[offset]!;
    if (length === 0) return offset + 1;
    offset += 1 + length;
  }
  return -1;
}

const colourTableBytes = (flags: number) => (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);

/**
 * Walks the blocks up to the trailer (complete when each lies within the file and the trailer is
 * reached): the logical screen and every image descriptor. Decoders grow the canvas to hold every
 * frame, offset included (libvips makes a 1×1 screen with a 65535×65535 frame 65535×65535), so
 * the frames count, not the screen alone.
 */
export function readGif(data: Buffer): Header {
  if (data.length < 13) return { complete: false, size: null, frames: [], items: [] };
  const size = { width: data.readUInt16LE(6), height: data.readUInt16LE(8) };
  const frames: Frame[] = [];
  const header = (complete: boolean): Header => ({ complete, size, frames, items: [] });
  let offset = 13 + colourTableBytes(data[10]!);
  while (offset >= 0 && offset < data.length) {
    const block = data[offset]!;
    if (block === 0x3b) return header(true); // trailer
    if (block === 0x21) {
      offset = skipSubBlocks(data, offset + 2); // extension: introducer, label, sub-blocks
    } else if (block === 0x2c) {
      if (offset + 10 > data.length) return header(false);
      frames.push({
        x: data.readUInt16LE(offset + 1),
        y: data.readUInt16LE(offset + 3),
        width: data.readUInt16LE(offset + 5),
        height: data.readUInt16LE(offset + 7),
      });
      offset += 10 + colourTableBytes(data[offset + 9]!);
      offset = skipSubBlocks(data, offset + 1); // LZW minimum code size, then the image data
    } else {
      return header(false);
    }
  }
  return header(false);
}
