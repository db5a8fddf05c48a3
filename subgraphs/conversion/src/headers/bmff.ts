import { type Box, boxes, tolerant } from './bmff-boxes.ts';
import { type ItemBoxes, readHeifItems } from './heif-items.ts';
import type { DecodeWork, Header, Size } from './types.ts';

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

/**
 * Every image size the file declares, and what decoding its items costs. The sizes: each `ispe`
 * property (the primary image, its tiles, alpha plane and thumbnails), the canvas of each grid and
 * overlay (`iovl`) item, read from the item's own data since libheif allocates that whatever `ispe`
 * says, and each visual sample entry of an image sequence. libheif decodes more than the primary
 * item's own pixels (a grid's tiles, an overlay's inputs, an alpha plane), so each of them must
 * stay within the pixel limit, and all of them together within the work limits.
 */
function declaredItems(data: Buffer): { sizes: Size[]; decodes: DecodeWork } {
  const sizes: Size[] = [];
  const items: ItemBoxes = {};
  // A box cut short or out of place ends the reading of that box only: the decoder judges the rest.
  const visit = (box: Box): void =>
    tolerant(() => {
      switch (box.type) {
        case 'meta': // a full box: version and flags first
          for (const child of boxes(data, box.body + 4, box.end)) visit(child);
          break;
        case 'ipco':
          items.ipco = box;
          for (const child of boxes(data, box.body, box.end)) visit(child);
          break;
        case 'moov':
        case 'trak':
        case 'mdia':
        case 'minf':
        case 'stbl':
        case 'iprp':
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
        case 'iinf':
        case 'iloc':
        case 'iref':
        case 'ipma':
        case 'idat':
          items[box.type] = box;
          break;
      }
    });
  for (const box of boxes(data, 0, data.length)) visit(box);
  const { canvases, decodes } = readHeifItems(data, items);
  return { sizes: [...sizes, ...canvases], decodes };
}

/**
 * ISO BMFF (AVIF, HEIF): complete when the top-level boxes tile the file and include the pixel
 * data; the primary image's size is left to libheif (sharp's metadata), the sizes of every item
 * and the work of decoding them are read here.
 */
export function readBmff(data: Buffer): Header {
  const { sizes, decodes } = declaredItems(data);
  return { complete: bmffComplete(data), size: null, frames: [], items: sizes, decodes };
}
