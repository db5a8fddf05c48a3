import { MAX_PIXELS } from '@pixelflow/product';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Av1Image,
  av1Image,
  gridData,
  heifFile,
  ispe,
  overlayData,
  progressiveJpeg,
} from '../testing/image-bytes.ts';
import { maxPixels, refusal } from '../testing/refusal.ts';
import { DEFAULT_MAX_JPEG_SCANS, inspectImage } from './image-check.ts';

// Files whose decode work grows with a count their structure chooses, while their size and pixel
// count stay small: each must be refused from its structure, before anything is decoded.

describe('JPEG scans', () => {
  it('builds progressive JPEGs that libjpeg decodes, whatever their number of scans', async () => {
    const jpeg = progressiveJpeg(64, 48, 150);
    expect(jpeg.length).toBeLessThan(5000);
    const { info } = await sharp(jpeg, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 64, height: 48 });
  });

  it(`accepts ${DEFAULT_MAX_JPEG_SCANS} scans and refuses one more as UNSUPPORTED_IMAGE`, async () => {
    // One DC scan, then AC scans: a scan bomb of 5000 of them over 50 MP keeps libjpeg busy for 20 s.
    const atLimit = progressiveJpeg(64, 48, DEFAULT_MAX_JPEG_SCANS - 1);
    expect(await inspectImage(atLimit, { maxPixels })).toMatchObject({ format: 'jpeg', width: 64 });
    const error = await refusal(progressiveJpeg(64, 48, DEFAULT_MAX_JPEG_SCANS));
    expect(error.code).toBe('UNSUPPORTED_IMAGE');
    expect(error.details).toEqual({
      scans: DEFAULT_MAX_JPEG_SCANS + 1,
      maxJpegScans: DEFAULT_MAX_JPEG_SCANS,
    });
  });

  it('refuses 5000 scans over 8000×6250 from the markers alone, in milliseconds', async () => {
    const bomb = progressiveJpeg(8000, 6250, 5000);
    expect(bomb.length).toBeLessThan(500_000);
    const started = performance.now();
    expect((await refusal(bomb, { maxPixels: MAX_PIXELS })).code).toBe('UNSUPPORTED_IMAGE');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('takes the limit from its option, and accepts what sharp and mozjpeg write', async () => {
    const jpeg = progressiveJpeg(16, 16, 10);
    expect((await refusal(jpeg, { maxPixels, maxJpegScans: 10 })).details).toMatchObject({ scans: 11 });
    const pixels = Buffer.alloc(40 * 30 * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) & 0xff;
    for (const options of [{ progressive: true }, { progressive: true, mozjpeg: true }]) {
      const real = await sharp(pixels, { raw: { width: 40, height: 30, channels: 3 } })
        .jpeg(options)
        .toBuffer();
      expect(await inspectImage(real, { maxPixels, maxJpegScans: 20 })).toMatchObject({ width: 40 });
    }
  });
});

describe('AVIF derived items', () => {
  let tile: Av1Image;
  let largeTile: Av1Image;
  beforeAll(async () => {
    tile = await av1Image(64, 64);
    largeTile = await av1Image(1024, 1024);
  });

  const coded = (id: number, image: Av1Image) => ({
    id,
    type: 'av01',
    properties: [image.av1C, ispe(image.width, image.height)],
  });

  /** A grid whose `references` tiles are all one coded image, pasted into one tile's area. */
  const repeatingGrid = (image: Av1Image, references: number) =>
    heifFile({
      primary: 2,
      coded: image,
      items: [
        coded(1, image),
        {
          id: 2,
          type: 'grid',
          data: gridData(references, 1, image.width, image.height),
          properties: [ispe(image.width, image.height)],
        },
      ],
      references: [{ type: 'dimg', from: 2, to: Array(references).fill(1) }],
    });

  it('refuses an overlay (iovl) whose canvas is 16384×16384 though its ispe says 64×64', async () => {
    const bomb = heifFile({
      primary: 2,
      coded: tile,
      items: [
        coded(1, tile),
        { id: 2, type: 'iovl', data: overlayData(16_384, 16_384, [[0, 0]]), properties: [ispe(64, 64)] },
      ],
      references: [{ type: 'dimg', from: 2, to: [1] }],
    });
    expect(bomb.length).toBeLessThan(1000);
    // sharp reports the ispe; libheif allocates the canvas (268 Mpx, 800 MB).
    expect(await sharp(bomb).metadata()).toMatchObject({ width: 64, height: 64 });
    const error = await refusal(bomb);
    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(error.details).toEqual({ width: 16_384, height: 16_384, maxPixels });
  });

  it('accepts an overlay whose canvas is within the limit', async () => {
    const overlay = heifFile({
      primary: 2,
      coded: tile,
      items: [
        coded(1, tile),
        { id: 2, type: 'iovl', data: overlayData(128, 64, [[0, 0]]), properties: [ispe(128, 64)] },
      ],
      references: [{ type: 'dimg', from: 2, to: [1] }],
    });
    expect(await inspectImage(overlay, { maxPixels })).toMatchObject({
      format: 'avif',
      width: 128,
      height: 64,
    });
  });

  it('counts every reference of a grid as a decode: libheif decodes each tile, repeats too', async () => {
    const grid = repeatingGrid(tile, 64);
    // A valid file: libheif decodes it (64 decodes for a 64×64 result).
    const { info } = await sharp(grid, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 64, height: 64 });
    expect(await inspectImage(grid, { maxPixels, maxDecodedImages: 64 })).toMatchObject({ width: 64 });
    const error = await refusal(grid, { maxPixels, maxDecodedImages: 63 });
    expect(error.code).toBe('UNSUPPORTED_IMAGE');
    expect(error.details).toEqual({ decodedImages: 64, maxDecodedImages: 63 });
  });

  it('follows references through nested items: an overlay of a grid decodes every tile each time', async () => {
    // An overlay of two references to a grid of 256 tiles: 512 decodes (512 Mpx with 1024 × 1024
    // tiles, about 3 s) from under a kilobyte. libheif 1.23 stops such chains somewhat further on
    // ("possible reference amplification"); the intake does not count on the decoder's version.
    const nested = heifFile({
      primary: 3,
      coded: tile,
      items: [
        coded(1, tile),
        { id: 2, type: 'grid', data: gridData(256, 1, 64, 64), properties: [ispe(64, 64)] },
        {
          id: 3,
          type: 'iovl',
          data: overlayData(64, 64, [
            [0, 0],
            [0, 0],
          ]),
          properties: [ispe(64, 64)],
        },
      ],
      references: [
        { type: 'dimg', from: 2, to: Array(256).fill(1) },
        { type: 'dimg', from: 3, to: [2, 2] },
      ],
    });
    expect(nested.length).toBeLessThan(1024);
    const { info } = await sharp(nested, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 64, height: 64 });
    expect(await inspectImage(nested, { maxPixels, maxDecodedImages: 512 })).toMatchObject({ width: 64 });
    const error = await refusal(nested, { maxPixels, maxDecodedImages: 511 });
    expect(error.code).toBe('UNSUPPORTED_IMAGE');
    expect(error.details).toEqual({ decodedImages: 512, maxDecodedImages: 511 });
  });

  it('holds the pixels of every decoded tile together to the animation limit', async () => {
    // 16 decodes of 1024×1024 for a 1024×1024 result: 17 Mpx decoded, each image only 1 Mpx.
    const grid = repeatingGrid(largeTile, 16);
    const limits = { maxPixels, maxAnimationPixels: 17 * 1024 * 1024 };
    expect(await inspectImage(grid, limits)).toMatchObject({ width: 1024, height: 1024 });
    const error = await refusal(grid, { ...limits, maxAnimationPixels: 17 * 1024 * 1024 - 1 });
    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(error.details).toMatchObject({ decodedPixels: 17 * 1024 * 1024 });
  });

  it('refuses a chain of 20000 derived items, longer than libheif reads, without following it all', async () => {
    // Listed from the top down, so that following it would recurse 20000 deep.
    const chain = Array.from({ length: 20_000 }, (_, i) => ({
      id: 20_001 - i,
      type: 'iden',
      properties: [],
    }));
    const bomb = heifFile({
      primary: 20_001,
      coded: tile,
      items: [...chain, coded(1, tile)],
      references: chain.map(({ id }) => ({ type: 'dimg', from: id, to: [id - 1] })),
    });
    const error = await refusal(bomb);
    expect(error.code).toBe('UNSUPPORTED_IMAGE');
    expect(error.details).toMatchObject({ decodedImages: Number.POSITIVE_INFINITY });
  });

  it('ends at a cycle of references, which libheif refuses where it meets it', async () => {
    const cyclic = heifFile({
      primary: 2,
      coded: tile,
      items: [
        coded(1, tile),
        { id: 2, type: 'grid', data: gridData(2, 1, 64, 64), properties: [ispe(64, 64)] },
        { id: 3, type: 'grid', data: gridData(2, 1, 64, 64), properties: [ispe(64, 64)] },
      ],
      references: [
        { type: 'dimg', from: 2, to: [1, 3] },
        { type: 'dimg', from: 3, to: [1, 2] },
      ],
    });
    expect(await inspectImage(cyclic, { maxPixels })).toMatchObject({ format: 'avif' });
  });
});
