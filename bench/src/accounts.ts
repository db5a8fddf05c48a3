/**
 * Accounts and the gallery, through the gateway of a local cluster (real PostgreSQL and Redis):
 * logins per second at the chosen argon2id cost, the memory that cost takes, and the latency of a
 * 24-image gallery page with 10,000 images in the account.
 */
import { randomUUID } from 'node:crypto';
import { PASSWORD_HASH_OPTIONS } from '@pixelflow/auth';
import { GalleryClient } from '@pixelflow/gallery-api';
import { startCluster } from '@pixelflow/launcher/cluster';
import { PixelflowClient } from '@pixelflow/testing';
import sharp from 'sharp';
import { startTestServers } from '../../scripts/test-servers.ts';
import { fmt, median, peakRss, percentile, pool, rssMiB } from './lib.ts';

const IMAGES = 10_000;
const password = 'a benchmark passphrase';

export async function benchAccounts(): Promise<string> {
  const servers = await startTestServers();
  const cluster = await startCluster({
    redisUrl: servers.redisUrl,
    databaseUrl: servers.databaseUrl,
    gatewayPort: 0,
    jobsInstances: 1,
    conversionInstances: 1,
    logLevel: 'warn',
    // The benchmark signs in thousands of times from one address.
    serviceEnv: { auth: { LOGIN_ADDRESS_MAX_ATTEMPTS: '1000000' } },
  });
  try {
    const anonymous = new PixelflowClient(cluster.gatewayUrl);
    const email = `bench-${randomUUID()}@example.test`;
    const registered = await anonymous.graphql<{ register: { accessToken: string; user: { id: string } } }>(
      `mutation($e: String!, $p: String!) { register(email: $e, password: $p) { accessToken user { id } } }`,
      { e: email, p: password },
    );
    const { accessToken, user } = registered.data!.register;
    const login = async () => {
      const result = await anonymous.graphql(
        `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
        { e: email, p: password },
      );
      if (result.errors) throw new Error(JSON.stringify(result.errors));
    };

    const auth = cluster.instances('auth')[0]!;
    await pool(10, 2, login);
    const idleMiB = rssMiB(auth.child.pid!);
    const rates: Record<number, number> = {};
    let loadMiB = 0;
    for (const concurrency of [1, 2, 4]) {
      const total = 30 * concurrency;
      const started = performance.now();
      const { peakMiB } = await peakRss(auth.child.pid!, () => pool(total, concurrency, login));
      rates[concurrency] = total / ((performance.now() - started) / 1000);
      loadMiB = Math.max(loadMiB, peakMiB);
    }

    // 10,000 images in one account, saved the way the conversion service saves them.
    const gallery = new GalleryClient({
      urls: cluster.instances('gallery').map((p) => p.url),
      internalSecret: cluster.internalSecret,
    });
    const tiny = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#4488cc' } })
      .png()
      .toBuffer();
    await pool(IMAGES / 2, 8, async () => {
      const image = { data: tiny, contentType: 'image/png' };
      await gallery.saveConversion({
        jobId: randomUUID(),
        owner: user.id,
        converter: 'flip',
        original: image,
        result: image,
      });
    });
    const owner = new PixelflowClient(cluster.gatewayUrl, accessToken);
    const pageQuery = `query($after: String) { me { images(first: 24, after: $after) {
      edges { cursor node { id kind converter url thumbnailUrl width height format bytes createdAt } }
      pageInfo { hasNextPage endCursor } } } }`;
    type Page = { me: { images: { edges: unknown[]; pageInfo: { endCursor: string } } } };
    const fetchPage = async (after?: string) => {
      const result = await owner.graphql<Page>(pageQuery, { after });
      if (result.data?.me.images.edges.length !== 24) throw new Error(JSON.stringify(result).slice(0, 300));
      return result.data.me.images.pageInfo.endCursor;
    };
    let cursor: string | undefined;
    for (let i = 0; i < 200; i++) cursor = await fetchPage(cursor); // page 201 of 417: deep in the gallery
    await pool(10, 1, () => fetchPage().then(() => {}));
    const firstPage = await pool(60, 1, () => fetchPage().then(() => {}));
    const deepPage = await pool(60, 1, () => fetchPage(cursor).then(() => {}));

    return [
      '## Accounts and the gallery',
      '',
      `Through the gateway of a local cluster (one process per service, PostgreSQL 15, Redis). Passwords are hashed with argon2id at m = ${PASSWORD_HASH_OPTIONS.memoryCost / 1024} MiB, t = ${PASSWORD_HASH_OPTIONS.timeCost}, p = ${PASSWORD_HASH_OPTIONS.parallelism} (OWASP's recommendation).`,
      '',
      '| measure | value |',
      '| --- | --- |',
      `| logins per second, 1 / 2 / 4 at once | ${fmt(rates[1]!)} / ${fmt(rates[2]!)} / ${fmt(rates[4]!)} |`,
      `| resident memory of the auth process, idle / peak while signing in 4 at once | ${fmt(idleMiB, 0)} / ${fmt(loadMiB, 0)} MiB |`,
      `| memory one argon2id hash takes | ${fmt(PASSWORD_HASH_OPTIONS.memoryCost / 1024)} MiB |`,
      `| gallery page of 24 with ${IMAGES.toLocaleString('en')} images: median (p90), first page | ${fmt(median(firstPage))} ms (${fmt(percentile(firstPage, 90))} ms) |`,
      `| the same, page 201 | ${fmt(median(deepPage))} ms (${fmt(percentile(deepPage, 90))} ms) |`,
      '',
    ].join('\n');
  } finally {
    await cluster.stop();
    await servers.stop();
  }
}
