import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PixelflowClient, startLoad } from '@pixelflow/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployments, gatewayUrl, helm, kubectl, pods, release } from './release.ts';

// One Helm release of the chart on the local single-node cluster (scripts/cluster-tier.ts installs
// it with `helm install --wait` and uninstalls it after), exercised from inside the cluster's
// network: the tests run in order and change the release as they go.

let image: Buffer;
let large: Buffer;
let client: PixelflowClient;

beforeAll(async () => {
  image = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#36a' } })
    .png()
    .toBuffer();
  // 12 MP in a small upload: a sharpen of it takes about a second of CPU.
  large = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#6a8' } })
    .png()
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

  it("serves each workload's metrics on its metrics port, and none on the gateway's", async () => {
    type Item = {
      metadata: { labels: Record<string, string> };
      spec: {
        clusterIP?: string;
        ports?: Array<{ name: string; port: number }>;
        containers?: Array<{ ports?: Array<{ name: string; containerPort: number }> }>;
      };
      status?: { podIP?: string };
    };
    const list = async (kind: string) =>
      (
        JSON.parse(
          await kubectl('get', kind, '-l', `app.kubernetes.io/instance=${release()}`, '-o', 'json'),
        ) as {
          items: Item[];
        }
      ).items;
    // Every Service with a metrics port answers on it.
    const withPort = (await list('services')).filter((service) =>
      service.spec.ports?.some((p) => p.name === 'metrics'),
    );
    for (const service of withPort) {
      const port = service.spec.ports!.find((p) => p.name === 'metrics')!.port;
      expect((await fetch(`http://${service.spec.clusterIP}:${port}/metrics`)).status).toBe(200);
    }
    // Every pod's own series, by component (two pods each: the conversion went through one of them).
    const scraped = new Map<string, string>();
    for (const pod of await list('pods')) {
      const port = pod.spec.containers?.flatMap((c) => c.ports ?? []).find((p) => p.name === 'metrics');
      if (!port || !pod.status?.podIP) continue;
      const component = pod.metadata.labels['app.kubernetes.io/component']!;
      const text = await (await fetch(`http://${pod.status.podIP}:${port.containerPort}/metrics`)).text();
      scraped.set(component, `${scraped.get(component) ?? ''}${text}`);
    }
    const components = ['auth', 'conversion', 'converter-sharp', 'gallery', 'gateway', 'jobs'];
    expect([...scraped.keys()].sort()).toEqual(components);
    expect(withPort.map((service) => service.metadata.labels['app.kubernetes.io/component']).sort()).toEqual(
      components,
    );
    expect(scraped.get('gateway')).toMatch(
      /^pixelflow_graphql_operations_total\{service="gateway",type="mutation",operation="convertImage",outcome="ok"\} [1-9]/m,
    );
    expect(scraped.get('converter-sharp')).toMatch(
      /^pixelflow_conversions_total\{service="converter-sharp",converter="grayscale",outcome="ok"\} [1-9]/m,
    );
    expect(scraped.get('jobs')).toMatch(
      /^pixelflow_jobs_finished_total\{service="jobs",converter="grayscale",outcome="SUCCEEDED",code=""\} [1-9]/m,
    );
    // Not on the port the Ingress routes to.
    expect((await fetch(`${gatewayUrl()}/metrics`)).status).toBe(404);
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

  it('rolls every pod whose configuration a helm upgrade changes, and works after', async () => {
    const before = new Map((await pods()).map((pod) => [pod.name, pod.uid]));
    await helm(
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
    // config.logLevel is in every workload's environment: each of their pods is new; the
    // datastores', which do not read it, are the same pods.
    const after = await pods();
    const datastores = ['postgres', 'redis'];
    const rolled = after.filter((pod) => !datastores.includes(pod.component));
    expect(new Set(rolled.map((pod) => pod.component))).toEqual(
      new Set(['gateway', 'auth', 'jobs', 'gallery', 'conversion', 'converter-sharp', 'web']),
    );
    for (const pod of rolled) expect(before.has(pod.name), pod.name).toBe(false);
    const kept = after.filter((pod) => datastores.includes(pod.component));
    expect(kept.length).toBe(2);
    for (const pod of kept) expect(before.get(pod.name), pod.name).toBe(pod.uid);
  });

  it('restarts every Deployment with kubectl rollout restart under load: no failed request, no lost job', async () => {
    const load = startLoad(gatewayUrl(), { clients: 4, image });
    await sleep(3000);
    const before = load.report.requests;
    for (const name of await deployments()) {
      await kubectl('rollout', 'restart', `deployment/${name}`);
      await kubectl('rollout', 'status', `deployment/${name}`, '--timeout', '5m');
    }
    // The load went on while the pods rolled (not only before and after).
    const during = load.report.requests - before;
    await sleep(3000);
    const report = await load.stop();
    process.stdout.write(
      `rolling restart under load: ${JSON.stringify({ ...report, requestsDuringRollout: during, failedRequests: report.failedRequests.slice(0, 5) })}\n`,
    );
    expect(report.jobs).toBeGreaterThan(10);
    expect(during).toBeGreaterThan(100);
    expect(report.failedRequests).toEqual([]);
    expect(report.failedJobs).toEqual([]);
    expect(report.lost).toEqual([]);
  });

  it('finishes every job when a pod of each service is deleted mid-job', async () => {
    // Twelve sharpens of a 12 MP image, about a second of CPU each on this node: with four
    // converter slots (two pods, two in flight each) some run and the rest wait when the pods go.
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { data, errors } = await client.convert(large, 'sharpen', {
        params: { sigma: 5 },
        filename: 'large.png',
      });
      if (!data) throw new Error(`convertImage failed: ${JSON.stringify(errors)}`);
      ids.push(data.convertImage.id);
    }
    const before = await Promise.all(ids.map((id) => client.poll(id)));
    const unfinished = before.filter((state) => state.outcome === 'JobPending');
    // Otherwise nothing was mid-job and the test would prove nothing.
    expect(unfinished.length).toBeGreaterThan(0);
    const deleted: string[] = [];
    for (const component of ['gateway', 'jobs', 'conversion', 'gallery', 'auth', 'converter-sharp']) {
      const victim = (await pods()).find((pod) => pod.component === component);
      if (victim) {
        await kubectl('delete', 'pod', victim.name, '--wait=false');
        deleted.push(component);
      }
    }
    expect(deleted).toEqual(['gateway', 'jobs', 'conversion', 'gallery', 'auth', 'converter-sharp']);
    process.stdout.write(
      `pods deleted with ${unfinished.length} of ${ids.length} jobs unfinished (${unfinished.filter((state) => state.job?.status === 'RUNNING').length} running)\n`,
    );
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

  it('passes helm test', async () => {
    const output = await helm('test', release(), '--timeout', '5m');
    expect(output).toMatch(/Phase:\s+Succeeded/);
  });
});
