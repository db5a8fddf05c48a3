import type { Frame, Header, Size } from './types.ts';

/**
 * Walks the chunks up to IEND (complete when each lies within the file and IEND is reached):
 * the size in IHDR and the frames of an APNG (fcTL). The default image (IDAT) is a frame of its
 * own unless an fcTL precedes it; decoders without APNG support decode only that one.
 */
export function readPng(data: Buffer): Header {
  let size: Size | null = null;
  const frames: Frame[] = [];
  let sawData = false;
  let defaultIsFrame = false;
  const header = (complete: boolean): Header => ({
    complete,
    size,
    frames: size && frames.length > 0 && !defaultIsFrame ? [{ x: 0, y: 0, ...size }, ...frames] : frames,
    items: [],
  });
  let offset = 8;
  while (offset + 12 <= data.length) {
    const length = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    const body = offset + 8;
    if (body + length + 4 > data.length) return header(false);
    if (type === 'IHDR' && offset === 8 && length >= 8) {
      size = { width: data.readUInt32BE(body), height: data.readUInt32BE(body + 4) };
    } else if (type === 'fcTL' && length >= 26) {
      frames.push({
        width: data.readUInt32BE(body + 4),
        height: data.readUInt32BE(body + 8),
        x: data.readUInt32BE(body + 12),
        y: data.readUInt32BE(body + 16),
      });
      if (!sawData) defaultIsFrame = true;
    } else if (type === 'IDAT') {
      sawData = true;
    }
    offset = body + length + 4;
    if (type === 'IEND') return header(true);
  }
  return header(false);
}
