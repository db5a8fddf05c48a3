import { readFileSync } from 'node:fs';
import { photo } from '@pixelflow/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { useCluster } from './helpers/cluster.ts';

// A photo of the size people upload, upscaled through the whole system: the converter takes it,
// reduces it so that the result fits the size it makes at most, and the job says so.
const env = useCluster('ai-sizes', {
  jobsInstances: 1,
  conversionInstances: 1,
  aiConverters: true,
});

const noticeQuery = 'query($id: ID!) { job(id: $id) { ... on JobDone { job { notice } } } }';

describe('AI converters on photos of the size people upload', () => {
  it('upscales a 2560×1600 photo to 4096×2560 from a reduced copy, and the job says so', async () => {
    const input = readFileSync(photo('mate/nature/Garden.jpg'));
    expect(await sharp(input).metadata()).toMatchObject({ width: 2560, height: 1600 });
    const started = performance.now();
    // ×4 with slim: the cap's largest result in about 10 s of 2 cores (×2 with medium, the
    // default, takes minutes: see converters/upscale/bench/photo-size.bench.ts).
    const { data, errors } = await env.client.convert(input, 'upscale', {
      filename: 'garden.jpg',
      params: { scale: 4, model: 'slim' },
    });
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const id = data!.convertImage.id;
    const done = await env.client
      .subscribe(id)
      .until((e) => e.status === 'SUCCEEDED' || e.status === 'FAILED', 150_000);
    const seconds = (performance.now() - started) / 1000;
    expect(done.status, JSON.stringify(done.error)).toBe('SUCCEEDED');
    process.stdout.write(`upscale ×4 (slim) of 2560×1600, upload to SUCCEEDED: ${seconds.toFixed(1)} s\n`);

    const result = await env.client.result(id);
    expect(await sharp(result.body).metadata()).toMatchObject({ format: 'jpeg', width: 4096, height: 2560 });
    const polled = await env.client.graphql<{ job: { job: { notice: string | null } } }>(noticeQuery, { id });
    expect(polled.data?.job.job.notice).toBe(
      'Upscaled ×4 to 4096×2560; the image was first reduced to 1024×640, the largest this installation upscales ×4.',
    );
  }, 180_000);
});
