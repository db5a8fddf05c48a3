import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@pixelflow/launcher/cluster';
import { startLoad } from '@pixelflow/testing';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbedded } from './helpers/embedded.ts';

// The load generator that the cluster tier's "zero failed requests, zero lost jobs" claims rest
// on: it must see a healthy installation as healthy and a dying one as failing.
describe('the load generator (startLoad)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pixelflow-load-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = {
    AI_CONVERTERS: 'false',
    CONVERT_RATE_ANONYMOUS: '100000',
    MAX_ACTIVE_JOBS_ANONYMOUS: '100',
  };

  it('counts every job as done against a healthy installation, and every failure once it dies', async () => {
    const image = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7' } })
      .png()
      .toBuffer();
    const embedded = await startEmbedded({ port: await freePort(), dataDir, env });
    try {
      const healthy = startLoad(embedded.url, { clients: 3, image, pollMs: 50 });
      await sleep(3000);
      const report = await healthy.stop();
      expect(report.failedRequests).toEqual([]);
      expect(report.failedJobs).toEqual([]);
      expect(report.lost).toEqual([]);
      expect(report.jobs).toBeGreaterThan(3);
      expect(report.succeeded).toBe(report.jobs);
      expect(report.requests).toBeGreaterThanOrEqual(2 * report.jobs);

      const dying = startLoad(embedded.url, { clients: 3, image, pollMs: 50, jobTimeoutMs: 2000 });
      await sleep(1000);
      embedded.child.kill('SIGKILL');
      await embedded.exited;
      await sleep(500);
      const after = await dying.stop();
      expect(after.succeeded).toBeGreaterThan(0);
      // Every request after the kill failed (connection refused), and is counted as such.
      expect(after.failedRequests.length).toBeGreaterThan(0);
      expect(
        after.failedRequests.every((line) => /TypeError|fetch failed|ECONNREFUSED|HTTP/.test(line)),
      ).toBe(true);
    } finally {
      embedded.child.kill('SIGKILL');
    }
  });
});
