import sharp from 'sharp';

// Image files built byte by byte for the intake's tests: each is what a hostile upload could be.

export const u16be = (value: number) => Buffer.from([(value >> 8) & 0xff, value & 0xff]);
export const u32be = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
};

// ---- JPEG

const segment = (marker: number, payload: Buffer) =>
  Buffer.concat([Buffer.from([0xff, marker]), u16be(payload.length + 2), payload]);

/** Writes bits most significant first, stuffing a zero after each 0xFF byte as JPEG requires. */
function entropyCoded(write: (put: (value: number, bits: number) => void) => void): Buffer {
  const bytes: number[] = [];
  let byte = 0;
  let filled = 0;
  const put = (value: number, bits: number) => {
    for (let i = bits - 1; i >= 0; i--) {
      byte = (byte << 1) | ((value >> i) & 1);
      if (++filled === 8) {
        bytes.push(byte);
        if (byte === 0xff) bytes.push(0);
        byte = 0;
        filled = 0;
      }
    }
  };
  write(put);
  if (filled > 0) put((1 << (8 - filled)) - 1, 8 - filled); // pad with ones
  return Buffer.from(bytes);
}

/**
 * A progressive grayscale JPEG (SOF2): one DC scan, then `acScans` AC scans that each end every
 * block at once (end-of-band runs of up to 32767 blocks, as the tester's scan bomb has them). Every
 * AC scan costs libjpeg a pass over every block, and a few bytes.
 */
export function progressiveJpeg(width: number, height: number, acScans: number): Buffer {
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  // Huffman tables with two codes: '0' for the first symbol, '10' for the second.
  const twoCodes = Buffer.from([1, 1, ...Array(14).fill(0)]);
  const dc = entropyCoded((put) => {
    for (let i = 0; i < blocks; i++) put(0, 1); // DC difference category 0
  });
  const ac = entropyCoded((put) => {
    for (let left = blocks; left > 0; ) {
      const run = Math.min(left, 32_767);
      if (run >= 16_384) {
        put(0, 1); // symbol 0xE0: a run of 2^14 blocks plus the next 14 bits
        put(run - 16_384, 14);
      } else {
        for (let i = 0; i < run; i++) put(0b10, 2); // symbol 0x00: end of band, one block
      }
      left -= run;
    }
  });
  const acScan = Buffer.concat([segment(0xda, Buffer.from([1, 1, 0x00, 1, 63, 0x00])), ac]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)])),
    segment(
      0xc2,
      Buffer.concat([Buffer.from([8]), u16be(height), u16be(width), Buffer.from([1, 1, 0x11, 0])]),
    ),
    segment(0xc4, Buffer.concat([Buffer.from([0x00]), twoCodes, Buffer.from([0, 1])])),
    segment(0xc4, Buffer.concat([Buffer.from([0x10]), twoCodes, Buffer.from([0xe0, 0x00])])),
    segment(0xda, Buffer.from([1, 1, 0x00, 0, 0, 0x00])),
    dc,
    ...Array<Buffer>(acScans).fill(acScan),
    Buffer.from([0xff, 0xd9]),
  ]);
}

// ---- HEIF (AVIF)

export function box(type: string, ...body: Buffer[]): Buffer {
  const content = Buffer.concat(body);
  return Buffer.concat([u32be(8 + content.length), Buffer.from(type, 'latin1'), content]);
}
export const fullBox = (type: string, version: number, ...body: Buffer[]) =>
  box(type, Buffer.from([version, 0, 0, 0]), ...body);
export const ispe = (width: number, height: number) => fullBox('ispe', 0, u32be(width), u32be(height));

/** ImageGrid data: `rows` × `columns` tiles pasted into a width × height canvas. */
export const gridData = (rows: number, columns: number, width: number, height: number) =>
  Buffer.concat([Buffer.from([0, 0, rows - 1, columns - 1]), u16be(width), u16be(height)]);

/** ImageOverlay data: a width × height canvas (filled opaque black), one offset per input. */
export const overlayData = (width: number, height: number, offsets: Array<[number, number]>) =>
  Buffer.concat([
    Buffer.from([0, 0]),
    u16be(0),
    u16be(0),
    u16be(0),
    u16be(0xffff),
    u16be(width),
    u16be(height),
    ...offsets.flatMap(([x, y]) => [u16be(x), u16be(y)]),
  ]);

/** A coded AV1 image, as sharp encodes it: its configuration property and its bitstream. */
export interface Av1Image {
  av1C: Buffer;
  bitstream: Buffer;
  width: number;
  height: number;
}

export async function av1Image(width: number, height: number): Promise<Av1Image> {
  const avif = await sharp({ create: { width, height, channels: 3, background: '#336699' } })
    .avif({ effort: 0 })
    .toBuffer();
  const boxAt = (type: string) => {
    const start = avif.indexOf(type, 0, 'latin1') - 4;
    return avif.subarray(start, start + avif.readUInt32BE(start));
  };
  return { av1C: boxAt('av1C'), bitstream: boxAt('mdat').subarray(8), width, height };
}

export interface HeifItem {
  id: number;
  /** `av01` for the coded image (its bitstream in `mdat`), `grid`, `iovl` or `iden` for derived ones. */
  type: string;
  /** A derived item's own data (kept in `idat`). */
  data?: Buffer;
  properties: Buffer[];
}

/**
 * An AVIF file of the given items, every coded one sharing `coded`'s bitstream, and references
 * (`dimg`: a derived item's inputs in order, repeats allowed).
 */
export function heifFile(options: {
  primary: number;
  items: HeifItem[];
  references: Array<{ type: string; from: number; to: number[] }>;
  coded: Av1Image;
}): Buffer {
  const { primary, items, references, coded } = options;
  const infe = items.map((item) =>
    fullBox('infe', 2, u16be(item.id), u16be(0), Buffer.from(`${item.type}\0`, 'latin1')),
  );
  const properties: Buffer[] = [];
  const associations = items.map((item) => {
    const indices = item.properties.map((property) => properties.push(property));
    return Buffer.concat([u16be(item.id), Buffer.from([indices.length, ...indices.map((i) => 0x80 | i)])]);
  });
  const idatOffsets = new Map<number, number>();
  let idatLength = 0;
  for (const item of items) {
    if (!item.data) continue;
    idatOffsets.set(item.id, idatLength);
    idatLength += item.data.length;
  }
  const meta = (mdatOffset: number) => {
    // iloc version 1, 4-byte offsets and lengths: derived items in idat (method 1), coded ones in mdat.
    const locations = items.map((item) =>
      item.data
        ? Buffer.concat([u16be(item.id), u16be(1), u16be(0), u16be(1), u32be(idatOffsets.get(item.id)!)])
        : Buffer.concat([u16be(item.id), u16be(0), u16be(0), u16be(1), u32be(mdatOffset)]),
    );
    const lengths = items.map((item) => u32be(item.data?.length ?? coded.bitstream.length));
    return fullBox(
      'meta',
      0,
      fullBox('hdlr', 0, u32be(0), Buffer.from('pict', 'latin1'), Buffer.alloc(13)),
      fullBox('pitm', 0, u16be(primary)),
      fullBox(
        'iloc',
        1,
        Buffer.from([0x44, 0x00]),
        u16be(items.length),
        ...locations.flatMap((location, i) => [location, lengths[i]!]),
      ),
      fullBox('iinf', 0, u16be(items.length), ...infe),
      fullBox(
        'iref',
        0,
        ...references.map(({ type, from, to }) => box(type, u16be(from), u16be(to.length), ...to.map(u16be))),
      ),
      box('iprp', box('ipco', ...properties), fullBox('ipma', 0, u32be(items.length), ...associations)),
      box('idat', ...items.flatMap((item) => (item.data ? [item.data] : []))),
    );
  };
  const ftyp = box('ftyp', Buffer.from('avif', 'latin1'), u32be(0), Buffer.from('mif1avifmiaf', 'latin1'));
  const head = Buffer.concat([ftyp, meta(0)]);
  return Buffer.concat([ftyp, meta(head.length + 8), box('mdat', coded.bitstream)]);
}
