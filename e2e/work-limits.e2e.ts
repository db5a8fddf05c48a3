import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@pixelflow/launcher/cluster';
import { eventually, PixelflowClient } from '@pixelflow/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedProcess, startEmbedded } from './helpers/embedded.ts';

// Conversions that ask libvips for more than it can do fail at once with the reason, through the
// whole system: the converter answers 4xx, so the job is not retried as a converter failure.

describe('a conversion whose params ask for too much', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pixelflow-work-'));
  let embedded: EmbeddedProcess;
  beforeAll(async () => {
    embedded = await startEmbedded({ port: await freePort(), dataDir, env: { AI_CONVERTERS: 'false' } });
  });
  afterAll(async () => {
    embedded.child.kill('SIGTERM');
    await embedded.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails WORK_TOO_LARGE at once: a 1 × 40000 image covered to 8192 × 1', async () => {
    const client = new PixelflowClient(embedded.url);
    const tall = await sharp({ create: { width: 1, height: 40_000, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const started = performance.now();
    const { data, errors } = await client.convert(tall, 'resize', {
      params: { width: 8192, height: 1, fit: 'cover' },
      filename: 'tall.png',
    });
    expect(errors).toBeUndefined();
    const { job } = await eventually(async () => {
      const polled = await client.poll(data!.convertImage.id);
      return polled.outcome === 'JobFailed' ? polled : undefined;
    });
    expect(job?.error?.code).toBe('WORK_TOO_LARGE');
    // Three converter tries and their back-off would take over a second.
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
