import type { Header, Size } from './types.ts';

// SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
const isStartOfFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
const isStandalone = (marker: number) => (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01;

/** The offset of the marker after the entropy-coded data at `offset`, or -1 when the file ends first. */
function afterScan(data: Buffer, offset: number): number {
  for (let i = data.indexOf(0xff, offset); i !== -1; i = data.indexOf(0xff, i + 1)) {
    if (i + 1 >= data.length) return -1;
    const next = data[i + 1]!;
    // 0xFF00 is a stuffed data byte, RSTn a restart marker inside the scan, 0xFFFF fill.
    if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return i;
  }
  return -1;
}

/**
 * Walks every marker, through the entropy-coded data of each scan, up to EOI: complete when EOI
 * is reached, every frame header (SOF) on the way, and the scans (SOS). libjpeg refuses a second
 * SOF, but a file that has one is still sized by its largest. What follows EOI (trailing bytes)
 * is not read. Restart markers, tables (DHT, DQT) and other segments cost the decoder no more
 * than their bytes; each scan costs a pass over every block, however few bytes it has.
 */
export function readJpeg(data: Buffer): Header {
  const frames: Size[] = [];
  let scans = 0;
  const header = (complete: boolean): Header => ({
    complete,
    size: frames[0] ?? null,
    frames: [],
    items: frames,
    scans,
  });
  let offset = 2;
  while (offset + 2 <= data.length) {
    if (data[offset] !== 0xff) return header(false);
    const marker = data[offset + 1]!;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    if (marker === 0xd9) return header(true);
    if (isStandalone(marker)) {
      offset += 2;
      continue;
    }
    if (offset + 4 > data.length) return header(false);
    const length = data.readUInt16BE(offset + 2);
    if (isStartOfFrame(marker) && offset + 9 <= data.length) {
      frames.push({ height: data.readUInt16BE(offset + 5), width: data.readUInt16BE(offset + 7) });
    }
    offset += 2 + length;
    if (marker === 0xda) {
      scans++;
      offset = afterScan(data, offset);
      if (offset === -1) return header(false);
    }
  }
  return header(false);
}
