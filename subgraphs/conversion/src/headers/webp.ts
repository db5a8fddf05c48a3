import type { Frame, Header, Size } from './types.ts';

/** The size in a VP8 (lossy) or VP8L (lossless) bitstream whose chunk body starts at `body`. */
function bitstreamSize(data: Buffer, fourcc: string, body: number, end: number): Size | null {
  if (fourcc === 'VP8 ' && body + 10 <= end) {
    // The key frame's start code, then 14-bit width and height.
    if (data[body + 3] !== 0x9d || data[body + 4] !== 0x01 || data[body + 5] !== 0x2a) return null;
    return { width: data.readUInt16LE(body + 6) & 0x3fff, height: data.readUInt16LE(body + 8) & 0x3fff };
  }
  if (fourcc === 'VP8L' && body + 5 <= end) {
    // A signature byte, then width-1 and height-1 in 14 bits each.
    if (data[body] !== 0x2f) return null;
    const bits = data.readUInt32LE(body + 1);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return null;
}

/** Calls `visit` with each RIFF chunk between start and end (bodies padded to an even length). */
function eachChunk(
  data: Buffer,
  start: number,
  end: number,
  visit: (fourcc: string, body: number, bodyEnd: number) => void,
): void {
  let offset = start;
  while (offset + 8 <= end) {
    const size = data.readUInt32LE(offset + 4);
    const body = offset + 8;
    visit(data.toString('latin1', offset, offset + 4), body, Math.min(end, body + size));
    offset = body + size + (size & 1);
  }
}

const uint24 = (data: Buffer, offset: number) => data.readUIntLE(offset, 3);

/**
 * The canvas (VP8X) or the bitstream's size (simple format), and each frame of an animation
 * (ANMF: its place and size, and the size of the bitstream inside it, whichever is larger).
 * Complete when the RIFF size lies within the file.
 */
export function readWebp(data: Buffer): Header {
  const complete = data.length >= 12 && data.readUInt32LE(4) + 8 <= data.length;
  const end = data.length >= 12 ? Math.min(data.length, data.readUInt32LE(4) + 8) : 0;
  let size: Size | null = null;
  const frames: Frame[] = [];
  const items: Size[] = [];
  eachChunk(data, 12, end, (fourcc, body, bodyEnd) => {
    if (fourcc === 'VP8X' && body + 10 <= bodyEnd) {
      size = { width: uint24(data, body + 4) + 1, height: uint24(data, body + 7) + 1 };
    } else if (fourcc === 'ANMF' && body + 16 <= bodyEnd) {
      const frame = {
        x: uint24(data, body) * 2,
        y: uint24(data, body + 3) * 2,
        width: uint24(data, body + 6) + 1,
        height: uint24(data, body + 9) + 1,
      };
      eachChunk(data, body + 16, bodyEnd, (inner, innerBody, innerEnd) => {
        const stream = bitstreamSize(data, inner, innerBody, innerEnd);
        if (stream) {
          frame.width = Math.max(frame.width, stream.width);
          frame.height = Math.max(frame.height, stream.height);
        }
      });
      frames.push(frame);
    } else {
      const stream = bitstreamSize(data, fourcc, body, bodyEnd);
      if (stream) {
        size ??= stream;
        items.push(stream);
      }
    }
  });
  return { complete, size, frames, items };
}
