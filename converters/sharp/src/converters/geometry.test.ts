import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decode, noisy, pngOf, reference, referencePng } from '../../testing/images.ts';
import {
  flip,
  flipVertical,
  MAX_RESIZE_DIMENSION,
  resize,
  resizedSize,
  rotate,
  rotatedSize,
} from './geometry.ts';

/** A one-colour PNG: a few hundred bytes whatever its size. */
const plain = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();

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

  it('refuses a canvas larger than both the output limit and the input, before decoding', async () => {
    const square = await plain(100, 100);
    // 100 × 100 turned 45° needs 142 × 142: more than the input and more than the limit.
    await expect(rotate.convert(square, { angle: 45 }, { maxOutputPixels: 15_000 })).rejects.toMatchObject({
      code: 'WORK_TOO_LARGE',
      details: { width: 142, height: 142, maxOutputPixels: 15_000 },
    });
    await expect(rotate.convert(square, { angle: 45 }, { maxOutputPixels: 20_164 })).resolves.toBeDefined();
    // A quarter turn keeps the pixel count: allowed however low the limit.
    const turned = await rotate.convert(square, { angle: 90 }, { maxOutputPixels: 100 });
    expect(await sharp(turned.data).metadata()).toMatchObject({ width: 100, height: 100 });
  });

  it('predicts the canvas sharp makes', async () => {
    for (const source of [
      { width: 40, height: 30 },
      { width: 7, height: 93 },
    ]) {
      const input = await plain(source.width, source.height);
      for (const angle of [0, 1, 30, 45, 89.5, 90, 135, 180, -30, -90, 270, 359]) {
        const { info } = await sharp(input).rotate(angle).raw().toBuffer({ resolveWithObject: true });
        const predicted = rotatedSize(source, angle);
        const label = JSON.stringify({ source, angle, predicted, actual: [info.width, info.height] });
        // An upper bound within a pixel or two is what the check needs.
        expect(predicted.width - info.width, label).toBeGreaterThanOrEqual(0);
        expect(predicted.width - info.width, label).toBeLessThanOrEqual(2);
        expect(predicted.height - info.height, label).toBeGreaterThanOrEqual(0);
        expect(predicted.height - info.height, label).toBeLessThanOrEqual(2);
      }
    }
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

  it('refuses a result over the output limit, though each side is within bounds', async () => {
    // 1 × 400 to width 8192 would be 8192 × 3 276 800 pixels.
    const tall = await plain(1, 400);
    await expect(resize.convert(tall, { width: MAX_RESIZE_DIMENSION })).rejects.toMatchObject({
      code: 'WORK_TOO_LARGE',
      details: { width: 8192, height: 3_276_800, maxOutputPixels: 25_000_000 },
    });
    await expect(
      resize.convert(tall, { width: 100, height: 100 }, { maxOutputPixels: 5000 }),
    ).resolves.toBeDefined();
    await expect(
      resize.convert(tall, { width: 100, height: 100, fit: 'fill' }, { maxOutputPixels: 5000 }),
    ).rejects.toMatchObject({ code: 'WORK_TOO_LARGE' });
  });

  it('refuses to blow a tiny image up to 7000 × 7000 (49 MP, under the 50 MP input limit)', async () => {
    const tiny = await plain(1, 1);
    expect(tiny.length).toBeLessThan(100);
    const error = await resize.convert(tiny, { width: 7000, height: 7000, fit: 'fill' }).catch((e) => e);
    expect(error).toMatchObject({
      code: 'WORK_TOO_LARGE',
      details: { width: 7000, height: 7000, maxOutputPixels: 25_000_000 },
    });
    // Up to the limit is fine: 5000 × 5000.
    const { data } = await resize.convert(tiny, { width: 5000, height: 5000, fit: 'fill' });
    expect(await sharp(data).metadata()).toMatchObject({ width: 5000, height: 5000 });
  });

  it('allows a result over the output limit when it is no larger than the input', async () => {
    const input = await plain(200, 100);
    const { data } = await resize.convert(input, { width: 150 }, { maxOutputPixels: 1000 });
    expect(await sharp(data).metadata()).toMatchObject({ width: 150, height: 75 });
    await expect(resize.convert(input, { width: 201 }, { maxOutputPixels: 1000 })).rejects.toMatchObject({
      code: 'WORK_TOO_LARGE',
    });
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
