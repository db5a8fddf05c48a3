import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PixelflowClient, startLoad } from '@pixelflow/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployments, gatewayUrl, helm, kubectl, pods, release } from './release.ts';

// One Helm release of the chart on the local single-node cluster (scripts/cluster/tier.ts installs
// it with `helm install --wait` and uninstalls it after), exercised from inside the cluster's
// network: the tests run in order and change the release as they go.

let image: Buffer;
let photo: Buffer;
let client: PixelflowClient;

beforeAll(async () => {
  image = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#36a' } })
    .png()
    .toBuffer();
  // A noisy 1600×1000 photo-sized image: a blur of it takes long enough to be in flight.
  photo = await sharp(Buffer.from(Array.from({ length: 1600 * 1000 * 3 }, (_, i) => (i * 7919) % 251)), {
    raw: { width: 1600, height: 1000, channels: 3 },
  })
    .jpeg({ quality: 90 })
    .toBuffer();
  client = new PixelflowClient(gatewayUrl(), undefined, { reconnects: 50 });
});

afterAll(async () => {
  await client?.close().catch(() => undefined);
});

async function convertAndFollow(c: PixelflowClient, converter = 'grayscale', file = image) {
  const { data, errors } = await c.convert(file, converter, { filename: 'cluster.png' });
  if (!data) throw new Error(`convertImage failed: ${JSON.stringify(errors)}`);
  const id = data.convertImage.id;
  const done = await c
    .subscribe(id)
    .until((event) => ['SUCCEEDED', 'FAILED'].includes(event.status), 120_000);
  return { id, done };
}

describe(`the release on a real cluster`, () => {
  it('converts an image through the gateway Service: convertImage over HTTP, progress over graphql-ws, the result', async () => {
    const { id, done } = await convertAndFollow(client);
    expect(done.status).toBe('SUCCEEDED');
    const result = await client.result(id);
    expect(result.status).toBe(200);
    const { width, height, channels } = await sharp(result.body).metadata();
    expect([width, height]).toEqual([64, 48]);
    expect(channels).toBeLessThanOrEqual(2);
  });

  it("keeps a signed-in user's conversion in their gallery", async () => {
    const anonymous = new PixelflowClient(gatewayUrl());
    const email = `cluster-${randomUUID().slice(0, 8)}@example.test`;
    const { data, errors } = await anonymous.graphql<{ register: { accessToken: string } }>(
      'mutation($email: String!, $password: String!) { register(email: $email, password: $password) { accessToken } }',
      { email, password: 'correct horse battery staple' },
    );
    if (!data?.register) throw new Error(`register failed: ${JSON.stringify(errors)}`);
    const user = new PixelflowClient(gatewayUrl(), data.register.accessToken);
    try {
      const { done } = await convertAndFollow(user);
      expect(done.status).toBe('SUCCEEDED');
      const gallery = await user.graphql<{ me: { images: { edges: unknown[] } } }>(
        '{ me { images(first: 10) { edges { cursor } } } }',
      );
      // The original and the result.
      expect(gallery.data?.me.images.edges.length).toBe(2);
    } finally {
      await user.close();
      await anonymous.close();
    }
  });

  it('rolls every pod whose configuration a helm upgrade changes, and works after', () => {
    const before = new Map(pods().map((pod) => [pod.name, pod.uid]));
    helm(
      'upgrade',
      release(),
      process.env.PIXELFLOW_CHART!,
      '--reuse-values',
      '--set',
      'config.logLevel=debug',
      '--wait',
      '--timeout',
      '10m',
    );
    const after = pods().filter((pod) => ['gateway', 'jobs', 'conversion'].includes(pod.component));
    expect(after.length).toBeGreaterThan(0);
    for (const pod of after) expect(before.has(pod.name)).toBe(false);
  });

  it('restarts every Deployment with kubectl rollout restart under load: no failed request, no lost job', async () => {
    const load = startLoad(gatewayUrl(), { clients: 4, image });
    await sleep(3000);
    for (const name of deployments()) {
      kubectl('rollout', 'restart', `deployment/${name}`);
      kubectl('rollout', 'status', `deployment/${name}`, '--timeout', '5m');
    }
    await sleep(3000);
    const report = await load.stop();
    process.stdout.write(
      `rolling restart under load: ${JSON.stringify({ ...report, failedRequests: report.failedRequests.slice(0, 5) })}\n`,
    );
    expect(report.jobs).toBeGreaterThan(10);
    expect(report.failedRequests).toEqual([]);
    expect(report.failedJobs).toEqual([]);
    expect(report.lost).toEqual([]);
  });

  it('finishes every job when a pod of each service is deleted mid-job', async () => {
    // Jobs in flight: blurs of a photo-sized image, started before the deletions.
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { data, errors } = await client.convert(photo, 'blur', {
        params: { sigma: 20 },
        filename: 'photo.jpg',
      });
      if (!data) throw new Error(`convertImage failed: ${JSON.stringify(errors)}`);
      ids.push(data.convertImage.id);
    }
    for (const component of ['gateway', 'jobs', 'conversion', 'gallery', 'auth']) {
      const victim = pods().find((pod) => pod.component === component);
      if (victim) kubectl('delete', 'pod', victim.name, '--wait=false');
    }
    for (const id of ids) {
      const deadline = Date.now() + 300_000;
      let outcome = '';
      while (Date.now() < deadline) {
        // The gateway may be between pods: a failed poll is retried, a lost job is not.
        outcome = await client.poll(id).then(
          (state) => state.outcome,
          () => 'unreachable',
        );
        if (outcome === 'JobDone' || outcome === 'JobFailed' || outcome === 'JobNotFound') break;
        await sleep(500);
      }
      expect(`${id}: ${outcome}`).toBe(`${id}: JobDone`);
    }
  });

  it('passes helm test', () => {
    const output = helm('test', release(), '--timeout', '5m');
    expect(output).toMatch(/Phase:\s+Succeeded/);
  });
});
