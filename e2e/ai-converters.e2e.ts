import { photo } from '@pixelflow/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { useCluster } from './helpers/cluster.ts';

// DeepDream and upscaling through the whole system: their converters run as their own processes,
// report progress, and the job's subscribers see it rise.
const env = useCluster('ai-converters', { jobsInstances: 1, conversionInstances: 1, aiConverters: true });

async function smallPhoto(size: number): Promise<Buffer> {
  return sharp(photo('mate/nature/Garden.jpg')).resize(size, size, { fit: 'cover' }).jpeg().toBuffer();
}

describe('AI converters', () => {
  it('lists DeepDream and upscaling with their params, healthy once the models are loaded', async () => {
    const { data } = await env.client.graphql<{
      converters: Array<{ id: string; healthy: boolean; params: { properties?: Record<string, unknown> } }>;
    }>('{ converters { id healthy params } }');
    for (const id of ['deepdream', 'upscale']) {
      const converter = data!.converters.find((c) => c.id === id);
      expect(converter?.healthy).toBe(true);
      expect(Object.keys(converter?.params.properties ?? {}).length).toBeGreaterThan(0);
    }
  });

  it('dreams, with progress rising from 0 to 1', async () => {
    // Long enough (a second or two) for progress to be forwarded between start and end: the
    // runner passes it on at most every 250 ms.
    const input = await smallPhoto(256);
    const { data, errors } = await env.client.convert(input, 'deepdream', {
      filename: 'garden.jpg',
      params: { octaves: 2, steps: 8 },
    });
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const subscription = env.client.subscribe(data!.convertImage.id);
    const done = await subscription.until((e) => e.status === 'SUCCEEDED', 120_000);
    const progress = subscription.events.map((e) => e.progress ?? 0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
    expect(done.progress).toBe(1);
    const result = await env.client.result(done.id);
    const [before, after] = await Promise.all(
      [input, result.body].map((image) => sharp(image).resize(128, 128).raw().toBuffer()),
    );
    let difference = 0;
    for (let i = 0; i < before!.length; i++) difference += Math.abs(before![i]! - after![i]!);
    expect(difference / before!.length).toBeGreaterThan(4);
  });

  it('upscales ×2', async () => {
    const input = await smallPhoto(64);
    const { data, errors } = await env.client.convert(input, 'upscale', {
      filename: 'small.jpg',
      params: { scale: 2 },
    });
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const done = await env.client
      .subscribe(data!.convertImage.id)
      .until((e) => e.status === 'SUCCEEDED', 120_000);
    const result = await env.client.result(done.id);
    expect(await sharp(result.body).metadata()).toMatchObject({ width: 128, height: 128 });
  });

  it('refuses params out of bounds before making a job', async () => {
    const response = await env.client.convert(await smallPhoto(64), 'deepdream', {
      filename: 'x.jpg',
      params: { octaves: 1000 },
    });
    expect(response.errors?.[0]?.extensions?.code).toBe('INVALID_PARAMS');
  });
});
