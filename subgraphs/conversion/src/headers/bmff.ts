import type { Header, Size } from './types.ts';

interface Box {
  type: string;
  /** Where the box's body starts (after its size and type), and where the box ends. */
  body: number;
  end: number;
}

/** The boxes between start and end; stops at the first one that does not fit. */
function boxes(data: Buffer, start: number, end: number): Box[] {
  const found: Box[] = [];
  let offset = start;
  while (offset + 8 <= end) {
    let size = data.readUInt32BE(offset);
    let header = 8;
    if (size === 1) {
      if (offset + 16 > end) break;
      size = Number(data.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = end - offset; // the last box runs to the end
    }
    if (size < header || offset + size > end) break;
    found.push({
      type: data.toString('latin1', offset + 4, offset + 8),
      body: offset + header,
      end: offset + size,
    });
    offset += size;
  }
  return found;
}

/** ISO BMFF (AVIF): top-level boxes tile the file exactly, and the pixel data box is among them. */
function bmffComplete(data: Buffer): boolean {
  let offset = 0;
  let sawMdat = false;
  while (offset + 8 <= data.length) {
    let size = data.readUInt32BE(offset);
    sawMdat ||= data.toString('latin1', offset + 4, offset + 8) === 'mdat';
    if (size === 1) {
      if (offset + 16 > data.length) return false;
      size = Number(data.readBigUInt64BE(offset + 8));
    } else if (size === 0) {
      return sawMdat; // the last box runs to the end of the file
    }
    if (size < 8) return false;
    offset += size;
  }
  return offset === data.length && sawMdat;
}

/** Reads an unsigned big-endian integer of 0, 2, 4 or 8 bytes. */
function uint(data: Buffer, offset: number, bytes: number): number {
  if (bytes === 0) return 0;
  if (bytes === 2) return data.readUInt16BE(offset);
  if (bytes === 4) return data.readUInt32BE(offset);
  return Number(data.readBigUInt64BE(offset));
}

interface ItemLocation {
  method: number;
  /** Where the item's first extent starts: in the file (method 0) or in `idat` (method 1). */
  offset: number;
}

/** `iloc`: each item's construction method and where its first extent starts. */
function itemLocations(data: Buffer, box: Box): Map<number, ItemLocation> {
  const locations = new Map<number, ItemLocation>();
  const version = data[box.body]!;
  const sizes = data.readUInt16BE(box.body + 4);
  const [offsetSize, lengthSize, baseSize] = [sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15];
  const indexSize = version >= 1 ? sizes & 15 : 0;
  let at = box.body + 6;
  const count = version < 2 ? data.readUInt16BE(at) : data.readUInt32BE(at);
  at += version < 2 ? 2 : 4;
  for (let i = 0; i < count && at < box.end; i++) {
    const id = version < 2 ? data.readUInt16BE(at) : data.readUInt32BE(at);
    at += version < 2 ? 2 : 4;
    const method = version >= 1 ? data.readUInt16BE(at) & 15 : 0;
    at += (version >= 1 ? 2 : 0) + 2; // construction method, data reference index
    const base = uint(data, at, baseSize);
    at += baseSize;
    const extents = data.readUInt16BE(at);
    at += 2;
    let first: number | undefined;
    for (let e = 0; e < extents; e++) {
      at += indexSize;
      first ??= uint(data, at, offsetSize);
      at += offsetSize + lengthSize;
    }
    locations.set(id, { method, offset: base + (first ?? 0) });
  }
  return locations;
}

/** `iinf`: the ids of the items of type `grid`. */
function gridItems(data: Buffer, box: Box): number[] {
  const version = data[box.body]!;
  const grids: number[] = [];
  for (const entry of boxes(data, box.body + (version === 0 ? 6 : 8), box.end)) {
    if (entry.type !== 'infe') continue;
    const entryVersion = data[entry.body]!;
    if (entryVersion < 2) continue;
    const wide = entryVersion >= 3;
    const id = wide ? data.readUInt32BE(entry.body + 4) : data.readUInt16BE(entry.body + 4);
    const typeAt = entry.body + (wide ? 10 : 8);
    if (data.toString('latin1', typeAt, typeAt + 4) === 'grid') grids.push(id);
  }
  return grids;
}

/** Runs a read that a length pointing past the end makes throw; what it could not read is skipped. */
function tolerant(read: () => void): void {
  try {
    read();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
}

/**
 * Every image size the file declares: each `ispe` property (the primary image, its tiles, alpha
 * plane and thumbnails), the output size of each `grid` item, and each visual sample entry of an
 * image sequence. libheif decodes more than the primary item's own pixels (a grid's tiles, an
 * alpha plane), so each of them must stay within the pixel limit.
 */
function declaredSizes(data: Buffer): Size[] {
  const sizes: Size[] = [];
  // A box cut short or out of place ends the reading of that box only: the decoder judges the rest.
  let locations = new Map<number, ItemLocation>();
  let grids: number[] = [];
  let idat: Box | undefined;
  const visit = (box: Box): void =>
    tolerant(() => {
      switch (box.type) {
        case 'meta': // a full box: version and flags first
          for (const child of boxes(data, box.body + 4, box.end)) visit(child);
          break;
        case 'moov':
        case 'trak':
        case 'mdia':
        case 'minf':
        case 'stbl':
        case 'iprp':
        case 'ipco':
          for (const child of boxes(data, box.body, box.end)) visit(child);
          break;
        case 'stsd': // version and flags, entry count, then the sample entries
          for (const child of boxes(data, box.body + 8, box.end)) visit(child);
          break;
        case 'av01':
        case 'hvc1':
        case 'hev1':
          // A visual sample entry: 8 bytes of sample entry, 16 reserved, then width and height.
          if (box.body + 28 <= box.end) {
            sizes.push({ width: data.readUInt16BE(box.body + 24), height: data.readUInt16BE(box.body + 26) });
          }
          break;
        case 'ispe':
          if (box.body + 12 <= box.end) {
            sizes.push({ width: data.readUInt32BE(box.body + 4), height: data.readUInt32BE(box.body + 8) });
          }
          break;
        case 'iloc':
          locations = itemLocations(data, box);
          break;
        case 'iinf':
          grids = gridItems(data, box);
          break;
        case 'idat':
          idat = box;
          break;
      }
    });
  for (const box of boxes(data, 0, data.length)) visit(box);
  for (const id of grids) {
    const location = locations.get(id);
    if (!location || (location.method === 1 && !idat) || location.method > 1) continue;
    const at = (location.method === 1 ? idat!.body : 0) + location.offset;
    tolerant(() => {
      // ImageGrid: version, flags (bit 0: 32-bit sizes), rows - 1, columns - 1, output width, height.
      const field = (data[at + 1]! & 1) === 1 ? 4 : 2;
      sizes.push({ width: uint(data, at + 4, field), height: uint(data, at + 4 + field, field) });
    });
  }
  return sizes;
}

/**
 * ISO BMFF (AVIF, HEIF): complete when the top-level boxes tile the file and include the pixel
 * data; the primary image's size is left to libheif (sharp's metadata), the sizes of every item
 * are read here.
 */
export function readBmff(data: Buffer): Header {
  return { complete: bmffComplete(data), size: null, frames: [], items: declaredSizes(data) };
}
