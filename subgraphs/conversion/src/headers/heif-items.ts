import { type Box, boxes, tolerant, uint } from './bmff-boxes.ts';
import type { DecodeWork, Size } from './types.ts';

/** The boxes of `meta` that describe its image items; each one is optional. */
export interface ItemBoxes {
  iinf?: Box;
  iloc?: Box;
  iref?: Box;
  ipco?: Box;
  ipma?: Box;
  idat?: Box;
}

export interface HeifItems {
  /** The output size that each grid and overlay declares in its own data (its `ispe` may say less). */
  canvases: Size[];
  /** What decoding the costliest item takes, its references followed. */
  decodes: DecodeWork;
}

/**
 * Derived items: libheif decodes every image they reference (`dimg`), once per reference, into
 * a canvas of their own: a grid pastes its tiles, an overlay (`iovl`) draws its inputs at their
 * offsets, an identity item (`iden`) transforms its one input. Nothing stops a reference from
 * repeating, so a few hundred bytes can ask for thousands of decodes.
 */
const derivedTypes = new Set(['grid', 'iovl', 'iden']);

/** libheif refuses a file of more items than this (its max_items); a longer chain is no image. */
const maxItemDepth = 1000;

/** Reads the item graph of an HEIF `meta` box: the sizes it declares and the decode work it implies. */
export function readHeifItems(data: Buffer, found: ItemBoxes): HeifItems {
  const read = <T>(box: Box | undefined, parse: (data: Buffer, box: Box) => T, empty: T): T => {
    let value = empty;
    if (box) tolerant(() => (value = parse(data, box)));
    return value;
  };
  const types = read(found.iinf, itemTypes, new Map<number, string>());
  const locations = read(found.iloc, itemLocations, new Map<number, ItemLocation>());
  const references = read(found.iref, itemReferences, []);
  const properties = found.ipco ? boxes(data, found.ipco.body, found.ipco.end) : [];
  const associations = read(found.ipma, propertyAssociations, new Map<number, number[]>());

  const canvases = new Map<number, Size>();
  for (const [id, type] of types) {
    if (type !== 'grid' && type !== 'iovl') continue;
    const at = itemDataOffset(locations.get(id), found.idat);
    if (at !== undefined) tolerant(() => canvases.set(id, derivedCanvas(data, at, type)));
  }

  const inputs = new Map<number, number[]>();
  const alphaPlanes = new Map<number, number[]>();
  const add = (lists: Map<number, number[]>, key: number, value: number) => {
    const list = lists.get(key);
    if (list) list.push(value);
    else lists.set(key, [value]);
  };
  for (const { type, from, to } of references) {
    // dimg: from the derived item to its inputs; auxl: from an auxiliary image (alpha) to its master.
    if (type === 'dimg') for (const input of to) add(inputs, from, input);
    if (type === 'auxl') for (const master of to) add(alphaPlanes, master, from);
  }
  const ownSize = (id: number): Size | undefined => {
    if (canvases.has(id)) return canvases.get(id);
    for (const index of associations.get(id) ?? []) {
      const property = properties[index - 1];
      if (property?.type === 'ispe' && property.body + 12 <= property.end) {
        return { width: data.readUInt32BE(property.body + 4), height: data.readUInt32BE(property.body + 8) };
      }
    }
    return undefined;
  };

  const work = new Map<number, DecodeWork>();
  const visiting = new Set<number>();
  const cost = (id: number): DecodeWork => {
    const known = work.get(id);
    if (known) return known;
    // libheif refuses a cycle when it meets it, after decoding what came before.
    if (visiting.has(id)) return { images: 0, pixels: 0 };
    // Deeper than any file libheif reads: counted as unbounded rather than followed (the stack).
    if (visiting.size >= maxItemDepth) return { images: Infinity, pixels: Infinity };
    visiting.add(id);
    const size = ownSize(id);
    const derived = derivedTypes.has(types.get(id) ?? '');
    const total = { images: derived ? 0 : 1, pixels: size ? size.width * size.height : 0 };
    for (const input of [...(derived ? (inputs.get(id) ?? []) : []), ...(alphaPlanes.get(id) ?? [])]) {
      const part = cost(input);
      total.images += part.images;
      total.pixels += part.pixels;
    }
    visiting.delete(id);
    work.set(id, total);
    return total;
  };
  const decodes = { images: 0, pixels: 0 };
  for (const id of new Set([...types.keys(), ...inputs.keys()])) {
    const { images, pixels } = cost(id);
    decodes.images = Math.max(decodes.images, images);
    decodes.pixels = Math.max(decodes.pixels, pixels);
  }
  return { canvases: [...canvases.values()], decodes };
}

/** `iinf`: each item's type (item info entries of version 2 and 3; older ones name no type). */
function itemTypes(data: Buffer, box: Box): Map<number, string> {
  const types = new Map<number, string>();
  const version = data[box.body]!;
  for (const entry of boxes(data, box.body + (version === 0 ? 6 : 8), box.end)) {
    if (entry.type !== 'infe') continue;
    const entryVersion = data[entry.body]!;
    if (entryVersion < 2) continue;
    const wide = entryVersion >= 3;
    const id = wide ? data.readUInt32BE(entry.body + 4) : data.readUInt16BE(entry.body + 4);
    const typeAt = entry.body + (wide ? 10 : 8);
    types.set(id, data.toString('latin1', typeAt, typeAt + 4));
  }
  return types;
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

function itemDataOffset(location: ItemLocation | undefined, idat: Box | undefined): number | undefined {
  if (location?.method === 0) return location.offset;
  if (location?.method === 1 && idat) return idat.body + location.offset;
  return undefined;
}

interface Reference {
  type: string;
  from: number;
  to: number[];
}

/** `iref`: each reference box (its type, the referring item and the items it names, repeats kept). */
function itemReferences(data: Buffer, box: Box): Reference[] {
  const idSize = data[box.body] === 0 ? 2 : 4;
  const references: Reference[] = [];
  for (const entry of boxes(data, box.body + 4, box.end)) {
    tolerant(() => {
      const from = uint(data, entry.body, idSize);
      const count = data.readUInt16BE(entry.body + idSize);
      const to: number[] = [];
      for (
        let i = 0, at = entry.body + idSize + 2;
        i < count && at + idSize <= entry.end;
        i++, at += idSize
      ) {
        to.push(uint(data, at, idSize));
      }
      references.push({ type: entry.type, from, to });
    });
  }
  return references;
}

/** `ipma`: the (1-based) indices of the `ipco` properties associated with each item. */
function propertyAssociations(data: Buffer, box: Box): Map<number, number[]> {
  const associations = new Map<number, number[]>();
  const version = data[box.body]!;
  const wideIndex = (data[box.body + 3]! & 1) === 1;
  const count = data.readUInt32BE(box.body + 4);
  let at = box.body + 8;
  for (let i = 0; i < count && at < box.end; i++) {
    const id = version < 1 ? data.readUInt16BE(at) : data.readUInt32BE(at);
    at += version < 1 ? 2 : 4;
    const indices: number[] = [];
    const entries = data[at++]!;
    for (let e = 0; e < entries; e++) {
      // The top bit marks an essential property; the rest is the index.
      indices.push(wideIndex ? data.readUInt16BE(at) & 0x7fff : data[at]! & 0x7f);
      at += wideIndex ? 2 : 1;
    }
    associations.set(id, indices);
  }
  return associations;
}

/**
 * The output size in a grid's or an overlay's data. ImageGrid: version, flags (bit 0: 32-bit
 * sizes), rows - 1, columns - 1, width, height. ImageOverlay: version, flags (the same bit), four
 * 16-bit fill colour channels, width, height, then each input's offset.
 */
function derivedCanvas(data: Buffer, at: number, type: string): Size {
  const field = (data[at + 1]! & 1) === 1 ? 4 : 2;
  const sizeAt = at + (type === 'grid' ? 4 : 10);
  return { width: uint(data, sizeAt, field), height: uint(data, sizeAt + field, field) };
}
