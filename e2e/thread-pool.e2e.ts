import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@pixelflow/launcher/cluster';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { register } from './helpers/accounts.ts';
import { startEmbedded } from './helpers/embedded.ts';

// In `pnpm start` every sharp conversion holds a thread of libuv's pool for its whole length, and
// the same pool checks access tokens. With four threads, four slow conversions held every
// signed-in request until one of them ended (a `{ me { id } }` took 39 s).

describe('pnpm start while slow conversions run', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pixelflow-pool-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('answers a signed-in request at once: the conversions leave threads free', async () => {
    const port = await freePort();
    const env = { AI_CONVERTERS: 'false', MAX_ACTIVE_JOBS_USER: '8' };
    const embedded = await startEmbedded({ port, dataDir, env });
    try {
      const { client } = await register(embedded.url);
      // Every signed-in request has its token checked on the pool: each one is timed.
      let slowest = 0;
      const timed = async <T>(request: () => Promise<T>): Promise<T> => {
        const started = performance.now();
        const result = await request();
        slowest = Math.max(slowest, performance.now() - started);
        return result;
      };
      const me = async () => {
        const { data } = await timed(() => client.graphql<{ me: { id: string } }>('{ me { id } }'));
        expect(data?.me.id).toBeDefined();
      };
      await me();
      slowest = 0;
      // A 49 MP sharpen takes seconds; a flat PNG keeps the upload small.
      const image = await sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#808080' } })
        .png()
        .toBuffer();
      const started = performance.now();
      const jobs = await Promise.all(
        Array.from({ length: 4 }, () => client.convert(image, 'sharpen', { params: { sigma: 5 } })),
      );
      const ids = jobs.map((job) => job.data!.convertImage.id);
      const finished = async () => {
        const outcomes = await Promise.all(ids.map((id) => timed(() => client.poll(id))));
        return outcomes.every(({ outcome }) => outcome === 'JobDone');
      };
      while (!(await finished())) {
        await me();
        await sleep(100);
      }
      const conversionsMs = performance.now() - started;
      // With every thread taken, a request waits about as long as the conversions run.
      expect(slowest, `slowest request ${slowest} ms while converting for ${conversionsMs} ms`).toBeLessThan(
        conversionsMs / 4,
      );
    } finally {
      embedded.child.kill('SIGTERM');
      await embedded.exited;
    }
  });
});
