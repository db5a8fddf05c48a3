import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { box, fullBox, ispe, u16be, u32be } from '../testing/image-bytes.ts';
import { maxPixels, refusal } from '../testing/refusal.ts';
import { inspectImage } from './image-check.ts';

// Files whose first header declares a small image while a decoder would allocate a huge one, each
// built byte by byte. Every one must be refused from its structure, before anything is decoded.

const u16le = (value: number) => Buffer.from([value & 0xff, value >> 8]);
const u24le = (value: number) => Buffer.from([value & 0xff, (value >> 8) & 0xff, value >> 16]);

// ---- GIF

interface GifFrame {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A GIF89a with a two-colour global table and frames of one pixel's worth of LZW data each. */
function gif(screen: { width: number; height: number }, frames: GifFrame[]): Buffer {
  const parts = [Buffer.from('GIF89a', 'latin1'), u16le(screen.width), u16le(screen.height)];
  parts.push(Buffer.from([0x80, 0, 0]), Buffer.from([0, 0, 0, 255, 255, 255]));
  for (const frame of frames) {
    parts.push(Buffer.from([0x2c]), u16le(frame.x), u16le(frame.y), u16le(frame.width), u16le(frame.height));
    // No local table; LZW minimum code size 2, one sub-block: clear, 0, end of information.
    parts.push(Buffer.from([0, 2, 2, 0x44, 0x01, 0]));
  }
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}

describe('GIF', () => {
  it('refuses a 1×1 logical screen holding a 65535×65535 frame (libvips decodes 65535×65535)', async () => {
    const bomb = gif({ width: 1, height: 1 }, [{ x: 0, y: 0, width: 65_535, height: 65_535 }]);
    expect((await sharp(bomb, { limitInputPixels: false }).metadata()).width).toBe(65_535);
    const error = await refusal(bomb);
    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(error.details).toEqual({ width: 65_535, height: 65_535, maxPixels });
  });

  it('refuses a 1×1 frame placed far outside a 1×1 screen (the canvas grows to hold it)', async () => {
    const bomb = gif({ width: 1, height: 1 }, [{ x: 60_000, y: 60_000, width: 1, height: 1 }]);
    expect((await sharp(bomb, { limitInputPixels: false }).metadata()).width).toBe(60_001);
    expect((await refusal(bomb)).details).toMatchObject({ width: 60_001, height: 60_001 });
  });

  it('refuses a later frame that is larger than the screen, and accepts frames within it', async () => {
    const screen = { width: 100, height: 100 };
    const within = gif(screen, [
      { x: 0, y: 0, width: 100, height: 100 },
      { x: 50, y: 50, width: 50, height: 50 },
    ]);
    expect(await inspectImage(within, { maxPixels })).toMatchObject({ width: 100, height: 100 });
    const hidden = gif(screen, [
      { x: 0, y: 0, width: 100, height: 100 },
      { x: 0, y: 0, width: 20_000, height: 20_000 },
    ]);
    expect((await refusal(hidden)).code).toBe('IMAGE_TOO_LARGE');
  });

  it('refuses an animation whose frames together pass the animation limit, each one within the limit', async () => {
    const frame = { x: 0, y: 0, width: 100, height: 100 };
    const limits = { maxPixels: 10_000, maxAnimationPixels: 50_000 };
    expect(await inspectImage(gif(frame, Array(5).fill(frame)), limits)).toMatchObject({ width: 100 });
    const error = await refusal(gif(frame, Array(6).fill(frame)), limits);
    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(error.details).toEqual({ frames: 6, framePixels: 60_000, maxAnimationPixels: 50_000 });
  });
});

// ---- PNG / APNG

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32be(data.length), body, u32be(crc32(body))]);
}

/** An APNG: IHDR of the given size, then an fcTL per frame before one tiny IDAT each. */
function apng(size: { width: number; height: number }, frames: GifFrame[]): Buffer {
  const ihdr = Buffer.concat([u32be(size.width), u32be(size.height), Buffer.from([8, 2, 0, 0, 0])]);
  const chunks = [pngChunk('IHDR', ihdr), pngChunk('acTL', Buffer.concat([u32be(frames.length), u32be(0)]))];
  frames.forEach((frame, i) => {
    const fctl = Buffer.concat([
      u32be(2 * i),
      u32be(frame.width),
      u32be(frame.height),
      u32be(frame.x),
      u32be(frame.y),
      u16be(1),
      u16be(10),
      Buffer.from([0, 0]),
    ]);
    chunks.push(pngChunk('fcTL', fctl));
    chunks.push(pngChunk('IDAT', deflateSync(Buffer.alloc(4))));
  });
  chunks.push(pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}

describe('APNG', () => {
  it('refuses a frame control (fcTL) larger than its 1×1 IHDR', async () => {
    const bomb = apng({ width: 1, height: 1 }, [{ x: 0, y: 0, width: 65_535, height: 65_535 }]);
    expect((await refusal(bomb)).details).toMatchObject({ width: 65_535, height: 65_535 });
  });

  it('refuses a frame placed far outside the IHDR canvas', async () => {
    const bomb = apng({ width: 1, height: 1 }, [{ x: 60_000, y: 60_000, width: 1, height: 1 }]);
    expect((await refusal(bomb)).code).toBe('IMAGE_TOO_LARGE');
  });

  it('counts the frames of an animation together', async () => {
    const frame = { x: 0, y: 0, width: 100, height: 100 };
    const limits = { maxPixels: 10_000, maxAnimationPixels: 50_000 };
    expect(await inspectImage(apng(frame, Array(5).fill(frame)), limits)).toMatchObject({ width: 100 });
    expect((await refusal(apng(frame, Array(6).fill(frame)), limits)).details).toMatchObject({ frames: 6 });
  });
});

// ---- WebP

function riffChunk(fourcc: string, body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return Buffer.concat([
    Buffer.from(fourcc, 'latin1'),
    size,
    body,
    body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0),
  ]);
}

const riff = (chunks: Buffer[]) => {
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), ...chunks]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), size, body]);
};

/** A VP8L (lossless) bitstream header declaring width × height (the pixel data is not there). */
function vp8l(width: number, height: number): Buffer {
  const bits = Buffer.alloc(4);
  bits.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14));
  return riffChunk('VP8L', Buffer.concat([Buffer.from([0x2f]), bits, Buffer.alloc(8)]));
}

const vp8x = (width: number, height: number, flags = 0) =>
  riffChunk('VP8X', Buffer.concat([Buffer.from([flags, 0, 0, 0]), u24le(width - 1), u24le(height - 1)]));

function anmf(frame: GifFrame, bitstream: Buffer): Buffer {
  const head = Buffer.concat([
    u24le(frame.x / 2),
    u24le(frame.y / 2),
    u24le(frame.width - 1),
    u24le(frame.height - 1),
    u24le(100),
    Buffer.from([0]),
  ]);
  return riffChunk('ANMF', Buffer.concat([head, bitstream]));
}

describe('WebP', () => {
  it('refuses an animation frame (ANMF) larger than its 1×1 canvas', async () => {
    const bomb = riff([
      vp8x(1, 1, 0x02),
      riffChunk('ANIM', Buffer.alloc(6)),
      anmf({ x: 0, y: 0, width: 16_000, height: 16_000 }, vp8l(1, 1)),
    ]);
    expect((await refusal(bomb)).details).toMatchObject({ width: 16_000, height: 16_000 });
  });

  it('refuses a frame placed far outside the canvas, and a frame whose bitstream is larger than it says', async () => {
    const outside = riff([
      vp8x(1, 1, 0x02),
      riffChunk('ANIM', Buffer.alloc(6)),
      anmf({ x: 16_000, y: 16_000, width: 1, height: 1 }, vp8l(1, 1)),
    ]);
    expect((await refusal(outside)).code).toBe('IMAGE_TOO_LARGE');
    const lying = riff([
      vp8x(1, 1, 0x02),
      riffChunk('ANIM', Buffer.alloc(6)),
      anmf({ x: 0, y: 0, width: 1, height: 1 }, vp8l(16_000, 16_000)),
    ]);
    expect((await refusal(lying)).code).toBe('IMAGE_TOO_LARGE');
  });

  it('refuses a still image whose bitstream is larger than its 1×1 canvas', async () => {
    const bomb = riff([vp8x(1, 1), vp8l(16_000, 16_000)]);
    expect((await refusal(bomb)).details).toMatchObject({ width: 16_000, height: 16_000 });
  });

  it('counts the frames of an animation together', async () => {
    const frame = { x: 0, y: 0, width: 100, height: 100 };
    const animation = (count: number) =>
      riff([
        vp8x(100, 100, 0x02),
        riffChunk('ANIM', Buffer.alloc(6)),
        ...Array(count).fill(anmf(frame, vp8l(100, 100))),
      ]);
    const limits = { maxPixels: 10_000, maxAnimationPixels: 50_000 };
    expect(await inspectImage(animation(5), limits)).toMatchObject({ width: 100, height: 100 });
    expect((await refusal(animation(6), limits)).details).toMatchObject({ frames: 6, framePixels: 60_000 });
  });
});

// ---- AVIF (ISO BMFF)

/** Adds `extra` at the end of the `ipco` box of a real AVIF, growing its parents' sizes. */
function withExtraProperty(avif: Buffer, extra: Buffer): Buffer {
  const path = ['meta', 'iprp', 'ipco'];
  const starts: number[] = [];
  let offset = 0;
  let end = avif.length;
  for (const [depth, type] of path.entries()) {
    while (avif.toString('latin1', offset + 4, offset + 8) !== type) offset += avif.readUInt32BE(offset);
    starts.push(offset);
    end = offset + avif.readUInt32BE(offset);
    offset += depth === 0 ? 12 : 8; // meta is a full box
  }
  const out = Buffer.concat([avif.subarray(0, end), extra, avif.subarray(end)]);
  for (const start of starts) out.writeUInt32BE(out.readUInt32BE(start) + extra.length, start);
  return out;
}

/** A HEIF structure whose primary item is a `grid` with a 1×1 ispe but a 65535×65535 output. */
function gridBomb(): Buffer {
  const gridData = Buffer.concat([Buffer.from([0, 0, 0, 0]), u16be(65_535), u16be(65_535)]);
  const meta = fullBox(
    'meta',
    0,
    fullBox('hdlr', 0, Buffer.alloc(4), Buffer.from('pict', 'latin1'), Buffer.alloc(13)),
    fullBox('pitm', 0, u16be(1)),
    fullBox('iinf', 0, u16be(1), fullBox('infe', 2, u16be(1), u16be(0), Buffer.from('grid\0', 'latin1'))),
    // iloc v1: 4-byte offsets and lengths, no base offset; item 1 in idat (construction method 1).
    fullBox(
      'iloc',
      1,
      Buffer.from([0x44, 0x00]),
      u16be(1),
      u16be(1),
      u16be(1),
      u16be(0),
      u16be(1),
      u32be(0),
      u32be(gridData.length),
    ),
    box('idat', gridData),
    box('iprp', box('ipco', ispe(1, 1)), fullBox('ipma', 0, u32be(1), u16be(1), Buffer.from([1, 0x81]))),
  );
  const ftyp = box('ftyp', Buffer.from('avif', 'latin1'), u32be(0), Buffer.from('mif1avif', 'latin1'));
  return Buffer.concat([ftyp, meta, box('mdat', Buffer.alloc(4))]);
}

describe('AVIF', () => {
  it('refuses an image property (ispe) of 65535×65535 beside a small primary image', async () => {
    const avif = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#123456' } })
      .avif({ effort: 0 })
      .toBuffer();
    expect(await inspectImage(avif, { maxPixels })).toMatchObject({ width: 40, height: 30 });
    const bomb = withExtraProperty(avif, ispe(65_535, 65_535));
    expect((await refusal(bomb)).details).toEqual({ width: 65_535, height: 65_535, maxPixels });
  });

  it('refuses a grid whose output size is 65535×65535 though its ispe says 1×1', async () => {
    const error = await refusal(gridBomb());
    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(error.details).toMatchObject({ width: 65_535, height: 65_535 });
  });
});

// ---- JPEG

/** The offset of the n-th (0-based) start-of-scan marker of a JPEG. */
function scanOffset(jpeg: Buffer, n: number): number {
  let offset = 2;
  let seen = 0;
  for (;;) {
    const marker = jpeg[offset + 1]!;
    if (marker === 0xda && seen++ === n) return offset;
    offset += 2 + jpeg.readUInt16BE(offset + 2);
    if (marker === 0xda) {
      // Past the entropy-coded data: the next 0xFF not followed by 0x00 or a restart marker.
      while (
        !(
          jpeg[offset] === 0xff &&
          jpeg[offset + 1] !== 0 &&
          !(jpeg[offset + 1]! >= 0xd0 && jpeg[offset + 1]! <= 0xd7)
        )
      )
        offset++;
    }
  }
}

/** A baseline frame header (SOF0) declaring width × height, three components. */
const sof0 = (width: number, height: number) =>
  Buffer.concat([
    Buffer.from([0xff, 0xc0]),
    u16be(17),
    Buffer.from([8]),
    u16be(height),
    u16be(width),
    Buffer.from([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]),
  ]);

const insertAt = (data: Buffer, offset: number, extra: Buffer) =>
  Buffer.concat([data.subarray(0, offset), extra, data.subarray(offset)]);

describe('JPEG', () => {
  it('refuses a second frame header (SOF) declaring 65535×65535 before the scan', async () => {
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#804020' } })
      .jpeg()
      .toBuffer();
    const bomb = insertAt(jpeg, scanOffset(jpeg, 0), sof0(65_535, 65_535));
    expect((await refusal(bomb)).details).toEqual({ width: 65_535, height: 65_535, maxPixels });
  });

  it('refuses a frame header hidden between the scans of a progressive JPEG', async () => {
    const pixels = Buffer.alloc(40 * 30 * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) & 0xff;
    const jpeg = await sharp(pixels, { raw: { width: 40, height: 30, channels: 3 } })
      .jpeg({ progressive: true })
      .toBuffer();
    expect(await inspectImage(jpeg, { maxPixels })).toMatchObject({ width: 40, height: 30 });
    const bomb = insertAt(jpeg, scanOffset(jpeg, 1), sof0(65_535, 65_535));
    expect((await refusal(bomb)).code).toBe('IMAGE_TOO_LARGE');
  });
});
