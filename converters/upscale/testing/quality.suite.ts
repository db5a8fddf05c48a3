import type { RawImage } from '@pixelflow/converter-kit';
import type { BackendOptions } from '@pixelflow/tfjs-backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUpscaler } from '../src/core/index.ts';
import type { ModelChoice, UpscaleParams } from '../src/core/upscaler.ts';
import {
  alignedBicubic,
  decodePhoto,
  mostDetailedCrop,
  psnr,
  type SharpKernel,
  sharpResize,
} from './images.ts';

/**
 * Super-resolution on real photos: the most detailed crop of each is shrunk by the scale factor
 * (sharp, bicubic: the degradation the networks were trained on), enlarged again, and compared
 * with the crop it came from.
 */
const PHOTOS = [
  'mate/nature/Garden.jpg',
  'mate/nature/LadyBird.jpg',
  'mate/nature/Dune.jpg',
  'mate/nature/Wood.jpg',
];
const CROP = 192;
const KERNELS: SharpKernel[] = ['nearest', 'linear', 'cubic', 'mitchell', 'lanczos3'];

interface Sample {
  name: string;
  original: RawImage;
  small: Record<2 | 4, RawImage>;
}

/** The best PSNR of a plain sharp resize of `small` back to the original's size, any kernel. */
async function bestPlainResize(sample: Sample, scale: 2 | 4): Promise<number> {
  const scores = await Promise.all(
    KERNELS.map(async (kernel) =>
      psnr(sample.original, await sharpResize(sample.small[scale], CROP, CROP, kernel)),
    ),
  );
  return Math.max(...scores);
}

/**
 * The criterion: dB of PSNR over the best plain resize; −Infinity unless `result` has exactly
 * the original's size.
 */
async function gainOverPlainResize(sample: Sample, scale: 2 | 4, result: RawImage): Promise<number> {
  if (result.width !== CROP || result.height !== CROP) return Number.NEGATIVE_INFINITY;
  return psnr(sample.original, result) - (await bestPlainResize(sample, scale));
}

/**
 * The quality suite on one TensorFlow.js backend: `pnpm test` runs it on the default choice
 * (native TensorFlow where built) and on wasm, so that both stay right.
 */
export function describeUpscalingQuality(backendName: string, backend: BackendOptions = {}): void {
  describe(`upscaling quality on photos (${backendName})`, () => {
    const samples: Sample[] = [];
    const upscaler = createUpscaler({
      backend,
      models: [
        { variant: 'slim', scale: 2 },
        { variant: 'medium', scale: 2 },
        { variant: 'medium', scale: 4 },
        { variant: 'thick', scale: 4 },
      ],
    });
    const upscale = (sample: Sample, params: UpscaleParams) =>
      upscaler.convert(sample.small[params.scale], params, {
        progress() {},
        signal: new AbortController().signal,
      });

    beforeAll(async () => {
      await upscaler.setup();
      for (const name of PHOTOS) {
        const original = mostDetailedCrop(await decodePhoto(name), CROP);
        const shrink = (scale: number) => sharpResize(original, CROP / scale, CROP / scale, 'cubic');
        samples.push({ name, original, small: { 2: await shrink(2), 4: await shrink(4) } });
      }
    }, 60_000);

    it.each(
      PHOTOS.flatMap((name) => (['slim', 'medium', 'auto'] as const).map((model) => [name, model] as const)),
    )('×2 of %s with %s beats every plain resize by over 1 dB PSNR', async (name, model: ModelChoice) => {
      const sample = samples.find((s) => s.name === name)!;
      const result = await upscale(sample, { scale: 2, model });
      expect([result.width, result.height]).toEqual([CROP, CROP]);
      expect(await gainOverPlainResize(sample, 2, result)).toBeGreaterThan(1);
      // What these weights are worth at ×2: about as good as a pixel-aligned bicubic (measured
      // −1.6 to +0.5 dB), which sharp's enlargement is not (it is offset by half an output pixel).
      expect(psnr(sample.original, result)).toBeGreaterThan(
        psnr(sample.original, alignedBicubic(sample.small[2], 2)) - 2,
      );
    });

    it.each(PHOTOS)(
      '×4 of %s (auto: thick) beats every plain resize and a pixel-aligned bicubic',
      async (name) => {
        const sample = samples.find((s) => s.name === name)!;
        const result = await upscale(sample, { scale: 4, model: 'auto' });
        expect([result.width, result.height]).toEqual([CROP, CROP]);
        expect(await gainOverPlainResize(sample, 4, result)).toBeGreaterThan(0.3);
        expect(psnr(sample.original, result)).toBeGreaterThan(
          psnr(sample.original, alignedBicubic(sample.small[4], 4)),
        );
      },
      30_000,
    );

    it.each(PHOTOS)('×4 of %s with medium stays close to a plain resize (within 1.5 dB)', async (name) => {
      const sample = samples.find((s) => s.name === name)!;
      const result = await upscale(sample, { scale: 4, model: 'medium' });
      expect(await gainOverPlainResize(sample, 4, result)).toBeGreaterThan(-1.5);
    });

    it('fails what is no upscaling: the input as it is, a plain resize, nearest neighbour', async () => {
      for (const sample of samples) {
        expect(await gainOverPlainResize(sample, 2, sample.small[2])).toBe(Number.NEGATIVE_INFINITY);
        for (const kernel of KERNELS) {
          const plain = await sharpResize(sample.small[2], CROP, CROP, kernel);
          expect(await gainOverPlainResize(sample, 2, plain)).toBeLessThanOrEqual(0);
        }
      }
    });
  });
}
