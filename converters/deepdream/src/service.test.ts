import { convertOnce, modelContractSubject, type RunningConverters } from '@pixelflow/converter-kit/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { description } from './core/description.ts';

// The DeepDream service as deployed on its main thread (sizing, decoding, the notice), with the
// kit's stand-in worker in place of the network: it inverts what it is given at the size given,
// so the answer's size is the size the worker was handed.
let running: RunningConverters;
let url: string;

beforeAll(async () => {
  running = await modelContractSubject(description, { stepMs: 10 }).start();
  url = running.urls.deepdream!;
});
afterAll(() => running.close());

const photo = sharp({ create: { width: 2560, height: 1600, channels: 3, background: '#806040' } })
  .jpeg()
  .toBuffer();

async function dream(params: Record<string, unknown>) {
  const { width, height, notice } = await convertOnce(url, await photo, {
    params,
    progress: true,
    timeoutMs: 20_000,
  });
  return { width, height, notice };
}

describe('the DeepDream service', () => {
  it('publishes the largest it dreams at, and the resolution param', async () => {
    const published = (await (await fetch(`${url}/describe`)).json()) as {
      params: { properties: Record<string, unknown> };
    };
    expect(published).toMatchObject({ maxPixels: 2048 * 1280, oversize: 'downscale', cost: 'heavy' });
    expect(published.params.properties.resolution).toMatchObject({ default: 'preview' });
    expect(published).not.toHaveProperty('sizing');
  });

  it('dreams a 2560×1600 photo at the preview size by default, and says so', async () => {
    expect(await dream({})).toEqual({
      width: 915,
      height: 572,
      notice: 'DeepDream at preview size 915×572; choose full resolution for 2048×1280.',
    });
  });

  it('dreams it at full resolution when asked, up to the largest it dreams at, and says so', async () => {
    expect(await dream({ resolution: 'full' })).toEqual({
      width: 2048,
      height: 1280,
      notice: 'DeepDream at 2048×1280, the largest this installation dreams at; the image is 2560×1600.',
    });
  });
});
