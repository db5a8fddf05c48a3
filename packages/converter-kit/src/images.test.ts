import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, fitWithin, planWorkingSize } from './images.ts';
import type { ModelDescription, SizeNoticeContext } from './types.ts';

const base: ModelDescription = {
  id: 'sized',
  title: 'Sized',
  description: 'A converter whose working size depends on its params.',
  params: { type: 'object' },
  maxPixels: 100_000,
  oversize: 'downscale',
};

/** Works on `params.budget` pixels, and writes down what its notice was given. */
function sized(contexts: SizeNoticeContext[] = []): ModelDescription {
  return {
    ...base,
    sizing: {
      maxPixels: (_upload, params) => Number(params.budget),
      notice(context) {
        contexts.push(context);
        return `worked at ${context.working.width}×${context.working.height}`;
      },
    },
  };
}

const jpeg = (width: number, height: number, orientation?: number) => {
  const image = sharp({ create: { width, height, channels: 3, background: '#3080c0' } }).jpeg();
  return (orientation ? image.withMetadata({ orientation }) : image).toBuffer();
};

describe('fitWithin', () => {
  it.each([
    [2560, 1600, 2560 * 1600, 2560, 1600],
    [2560, 1600, 2048 * 1280, 2048, 1280],
    [2560, 1600, 1024 * 640, 1024, 640],
    [2560, 1600, 1024 * 512, 915, 572],
    [1600, 2560, 2048 * 1280, 1280, 2048],
    [100, 100, 50, 7, 7],
    [1, 100_000, 50_000, 1, 50_000],
    [100_000, 3, 50_000, 40_824, 1],
    [100_000, 1, 50_000, 50_000, 1],
    [10, 10, 0, 1, 1],
  ])('fits %i×%i into %i pixels as %i×%i', (width, height, maxPixels, w, h) => {
    expect(fitWithin({ width, height }, maxPixels)).toEqual({ width: w, height: h });
  });

  it('never goes over the budget, never enlarges, and keeps the aspect within a pixel', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return 1 + (seed % n);
    };
    for (let i = 0; i < 2000; i++) {
      const size = { width: next(8000), height: next(8000) };
      const budget = next(20_000_000);
      const fitted = fitWithin(size, budget);
      expect(fitted.width * fitted.height).toBeLessThanOrEqual(Math.max(budget, 1));
      expect(fitted.width).toBeLessThanOrEqual(size.width);
      expect(fitted.height).toBeLessThanOrEqual(size.height);
      if (fitted.width > 1 && fitted.height > 1 && fitted.width < size.width) {
        // Each side the same factor of its own, floored: what the service and the web app compute.
        const factor = Math.sqrt(budget / (size.width * size.height));
        expect(fitted.width).toBe(Math.floor(size.width * factor));
        expect(fitted.height).toBe(Math.floor(size.height * factor));
      }
    }
  });
});

describe('planWorkingSize', () => {
  const upload = { width: 800, height: 500 };

  it('works on the upload itself when it fits, without a notice', () => {
    expect(planWorkingSize({ width: 400, height: 250 }, base, {})).toEqual({
      working: { width: 400, height: 250 },
    });
    const small = { width: 300, height: 200 };
    expect(planWorkingSize(small, sized(), { budget: 1_000_000 })).toEqual({ working: small });
  });

  it('reduces to maxPixels without sizing, and says so', () => {
    expect(planWorkingSize(upload, base, {})).toEqual({
      working: { width: 400, height: 250 },
      notice:
        'Sized worked on a copy reduced to 400×250, the largest it takes (0.1 MP); the image is 800×500.',
    });
  });

  it("reduces to the sizing's budget for these params, with its notice and what it was given", () => {
    const contexts: SizeNoticeContext[] = [];
    const params = { budget: 40_000 };
    expect(planWorkingSize(upload, sized(contexts), params)).toEqual({
      working: { width: 252, height: 158 },
      notice: 'worked at 252×158',
    });
    const [context] = contexts;
    expect(context).toMatchObject({ upload, working: { width: 252, height: 158 }, params });
    // The same reduction for another budget, held to maxPixels as the working size is.
    expect(context!.fit(10_000)).toEqual({ width: 126, height: 79 });
    expect(context!.fit(10_000_000)).toEqual({ width: 400, height: 250 });
  });

  it("holds the sizing's budget to maxPixels", () => {
    expect(planWorkingSize(upload, sized(), { budget: 10_000_000 }).working).toEqual({
      width: 400,
      height: 250,
    });
  });
});

describe('decodeImage', () => {
  it('decodes at the planned size and carries the notice', async () => {
    const decoded = await decodeImage(await jpeg(800, 500), sized(), { budget: 40_000 });
    expect(decoded).toMatchObject({
      format: 'jpeg',
      downscaled: true,
      notice: 'worked at 252×158',
      raw: { width: 252, height: 158 },
    });
    expect(decoded.raw.data).toHaveLength(252 * 158 * 3);
  });

  it('leaves an image that fits as it is, without a notice', async () => {
    const decoded = await decodeImage(await jpeg(200, 100), base);
    expect(decoded).toMatchObject({ downscaled: false, raw: { width: 200, height: 100 } });
    expect(decoded.notice).toBeUndefined();
  });

  it('sizes a photo as it is seen: EXIF orientation applied before the reduction', async () => {
    // Stored 800×500, shown (orientation 6: turned a quarter) 500×800.
    const decoded = await decodeImage(await jpeg(800, 500, 6), sized(), { budget: 40_000 });
    expect(decoded.raw).toMatchObject({ width: 158, height: 252 });
    expect(decoded.notice).toBe('worked at 158×252');
  });

  it('refuses an image over maxPixels when the converter refuses rather than reduces', async () => {
    await expect(decodeImage(await jpeg(800, 500), { ...base, oversize: 'refuse' })).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      details: { maxPixels: 100_000, width: 800, height: 500 },
    });
  });
});
