import { convertOnce, modelContractSubject, type RunningConverters } from '@pixelflow/converter-kit/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { description } from './core/description.ts';

// The upscale service as deployed on its main thread (sizing, decoding, the notice), with the
// kit's stand-in worker in place of the model: it inverts what it is given at the size given, so
// the answer's size is the size the worker was handed.
let running: RunningConverters;
let url: string;

beforeAll(async () => {
  running = await modelContractSubject(description, { stepMs: 10 }).start();
  url = running.urls.upscale!;
});
afterAll(() => running.close());

const jpeg = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#507090' } })
    .jpeg()
    .toBuffer();

async function upscale(input: Buffer, params: Record<string, unknown>, progress: boolean) {
  const { width, height, notice } = await convertOnce(url, input, { params, progress, timeoutMs: 20_000 });
  return { width, height, notice };
}

describe('the upscale service', () => {
  it('publishes its limits, and not the code that applies them', async () => {
    const published = (await (await fetch(`${url}/describe`)).json()) as Record<string, unknown>;
    expect(published).toMatchObject({
      maxPixels: 2048 * 1280,
      maxOutputPixels: 4096 * 2560,
      oversize: 'downscale',
      cost: 'heavy',
      progress: true,
    });
    expect(published).not.toHaveProperty('sizing');
  });

  it.each([false, true])(
    'hands the worker a 2560×1600 photo reduced for ×2, and says so (progress answer: %s)',
    async (progress) => {
      expect(await upscale(await jpeg(2560, 1600), { scale: 2 }, progress)).toEqual({
        width: 2048,
        height: 1280,
        notice:
          'Upscaled ×2 to 4096×2560; the image was first reduced to 2048×1280, the largest this installation upscales ×2.',
      });
    },
  );

  it('hands over an image that fits as it is, without a notice', async () => {
    expect(await upscale(await jpeg(1024, 640), { scale: 4 }, true)).toEqual({
      width: 1024,
      height: 640,
      notice: null,
    });
  });
});
