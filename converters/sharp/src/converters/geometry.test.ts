import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decode, noisy, pngOf, reference, referencePng } from '../test-images.ts';
import { flip, flipVertical, MAX_RESIZE_DIMENSION, resize, resizedSize, rotate } from './geometry.ts';

const [red, green, blue, white, black, grey, yellow, cyan] = reference.pixels;

async function rows(image: Buffer): Promise<number[][][]> {
  const decoded = await decode(image);
  return Array.from({ length: decoded.height }, (_, y) =>
    Array.from({ length: decoded.width }, (_, x) => decoded.at(x, y)),
  );
}

describe('flip', () => {
  it('mirrors left to right: the left column moves to the right', async () => {
    const { data } = await flip.convert(await referencePng());
    expect(await rows(data)).toEqual([
      [white, blue, green, red],
      [cyan, yellow, grey, black],
    ]);
  });
});

describe('flip-vertical', () => {
  it('mirrors top to bottom: the top row moves to the bottom', async () => {
    const { data } = await flipVertical.convert(await referencePng());
    expect(await rows(data)).toEqual([
      [black, grey, yellow, cyan],
      [red, green, blue, white],
    ]);
  });
});

describe('rotate', () => {
  it('turns 90° clockwise by default: the size swaps and the bottom-left pixel comes to the top left', async () => {
    const { data } = await rotate.convert(await referencePng());
    expect(await rows(data)).toEqual([
      [black, red],
      [grey, green],
      [yellow, blue],
      [cyan, white],
    ]);
  });

  it('turns counter-clockwise for a negative angle', async () => {
    const { data } = await rotate.convert(await referencePng(), { angle: -90 });
    expect(await rows(data)).toEqual([
      [white, cyan],
      [blue, yellow],
      [green, grey],
      [red, black],
    ]);
  });

  it('turns 180°', async () => {
    const { data } = await rotate.convert(await referencePng(), { angle: 180 });
    expect(await rows(data)).toEqual([
      [cyan, yellow, grey, black],
      [white, blue, green, red],
    ]);
  });

  it('enlarges the canvas for other angles and fills the corners with the background', async () => {
    const input = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const { data } = await rotate.convert(input, { angle: 45, background: '#ff000080' });
    const out = await decode(data);
    // A 40 px square turned 45° needs a 40·√2 ≈ 57 px canvas.
    expect(out.width).toBeGreaterThanOrEqual(56);
    expect(out.width).toBeLessThanOrEqual(58);
    expect(out.height).toBe(out.width);
    expect(out.at(0, 0)).toEqual([255, 0, 0, 128]);
    expect(out.at(28, 28)).toEqual([255, 255, 255, 255]);
  });

  it('refuses angles beyond a full turn and colours that are not hex', async () => {
    const png = await referencePng();
    await expect(rotate.convert(png, { angle: 400 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(rotate.convert(png, { background: 'red' })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
  });
});

describe('resize', () => {
  it('gives the requested width, keeping the aspect ratio', async () => {
    const { data } = await resize.convert(await noisy(400, 300), { width: 100 });
    expect(await sharp(data).metadata()).toMatchObject({ width: 100, height: 75, format: 'jpeg' });
  });

  it('gives the requested height', async () => {
    const { data } = await resize.convert(await noisy(400, 300), { height: 60 });
    expect(await sharp(data).metadata()).toMatchObject({ width: 80, height: 60 });
  });

  it('fits inside a box by default and fills it exactly with fit fill, cover or contain', async () => {
    const input = await noisy(400, 300);
    const inside = await resize.convert(input, { width: 200, height: 200 });
    expect(await sharp(inside.data).metadata()).toMatchObject({ width: 200, height: 150 });
    for (const fit of ['fill', 'cover', 'contain']) {
      const { data } = await resize.convert(input, { width: 200, height: 200, fit });
      expect(await sharp(data).metadata()).toMatchObject({ width: 200, height: 200 });
    }
  });

  it('pads with the background colour for fit contain', async () => {
    const input = await pngOf(2, 1, [
      [0, 0, 255],
      [0, 0, 255],
    ]);
    const { data } = await resize.convert(input, {
      width: 20,
      height: 20,
      fit: 'contain',
      background: '#00ff00',
    });
    const out = await decode(data);
    expect(out.at(10, 0)).toEqual([0, 255, 0]);
    expect(out.at(10, 10)).toEqual([0, 0, 255]);
  });

  it('keeps a smaller image as it is with withoutEnlargement', async () => {
    const { data } = await resize.convert(await noisy(40, 30), { width: 400, withoutEnlargement: true });
    expect(await sharp(data).metadata()).toMatchObject({ width: 40, height: 30 });
  });

  it('needs a width or a height, within bounds', async () => {
    const input = await noisy(40, 30);
    await expect(resize.convert(input, {})).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(resize.convert(input, { width: 0 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(resize.convert(input, { width: 10.5 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(resize.convert(input, { width: MAX_RESIZE_DIMENSION + 1 })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
    await expect(resize.convert(input, { width: 10, fit: 'stretch' })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
  });

  it('refuses a result over the pixel limit, though each side is within bounds', async () => {
    // 1 × 400 to width 8192 would be 8192 × 3 276 800 pixels.
    const tall = await sharp({ create: { width: 1, height: 400, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await expect(resize.convert(tall, { width: MAX_RESIZE_DIMENSION })).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      details: { width: 8192, height: 3_276_800, maxPixels: 50_000_000 },
    });
    await expect(
      resize.convert(tall, { width: 100, height: 100 }, { maxPixels: 5000 }),
    ).resolves.toBeDefined();
    await expect(
      resize.convert(tall, { width: 100, height: 100, fit: 'fill' }, { maxPixels: 5000 }),
    ).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' });
  });

  it('predicts the size sharp makes', async () => {
    const sources = [
      { width: 40, height: 30 },
      { width: 37, height: 91 },
      { width: 10, height: 200 },
    ];
    const requests = [
      { width: 10 },
      { height: 77 },
      { width: 120, height: 120 },
      { width: 100 },
      { width: 60, height: 250 },
      { width: 25, height: 25 },
      { width: 20, height: 90 },
    ];
    for (const source of sources) {
      const input = await sharp({ create: { ...source, channels: 3, background: '#888' } })
        .png()
        .toBuffer();
      for (const request of requests) {
        for (const fit of ['inside', 'outside', 'cover', 'contain', 'fill'] as const) {
          for (const withoutEnlargement of [false, true]) {
            const params = { ...request, fit, withoutEnlargement };
            // sharp itself: the converter would refuse the largest of these.
            const actual = await sharp(input)
              .resize(params)
              .raw()
              .toBuffer({ resolveWithObject: true })
              .then((r) => r.info);
            const predicted = resizedSize(source, params);
            const label = JSON.stringify({ source, params });
            // An upper bound is what the pixel check needs; sharp rounds within a pixel.
            expect(Math.abs(actual.width - predicted.width), label).toBeLessThanOrEqual(1);
            expect(Math.abs(actual.height - predicted.height), label).toBeLessThanOrEqual(1);
          }
        }
      }
    }
  });
});
