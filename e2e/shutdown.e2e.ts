import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type ServiceName } from '@pixelflow/launcher/cluster';
import { INTERNAL_TOKEN_HEADER } from '@pixelflow/service-kit';
import { PixelflowClient, photo } from '@pixelflow/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { useCluster } from './helpers/cluster.ts';
import { startEmbedded } from './helpers/embedded.ts';
import { useFaultConverters } from './helpers/faults.ts';

// SIGTERM as Kubernetes sends it at every rollout, to each service in turn (and to `pnpm start`),
// while a conversion runs, an upload was abandoned half-way and sockets are open: each exits 0
// well inside its grace period (30 s), and the conversion still ends SUCCEEDED for its subscriber.

const faults = useFaultConverters({ delayMs: 2000 });
const input = () => photo('mate/nature/Garden.jpg');

/** An upload that sends its headers and a little of its body, then nothing. */
function abandonUpload(url: string, path: string) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  // Reads (and drops) whatever comes back, so that the end of the connection is seen.
  socket.resume();
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nApollo-Require-Preflight: true\r\n` +
      'Content-Type: multipart/form-data; boundary=cut\r\nContent-Length: 4000000\r\n\r\n' +
      '--cut\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":',
  );
  return new Promise<void>((resolve) => socket.once('close', () => resolve()));
}

/** A graphql-ws socket that is acknowledged and then idle; `closed` resolves with its close code. */
async function idleSocket(
  url: string,
  payload?: Record<string, string>,
): Promise<{ closed: Promise<number> }> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) =>
    socket.addEventListener('close', (event) => resolve(event.code)),
  );
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.addEventListener('message', (event) => {
      if (JSON.parse(String(event.data)).type === 'connection_ack') resolve();
    });
    socket.addEventListener('error', () => reject(new Error('the socket failed')));
    void closed.then((code) => reject(new Error(`the socket closed (${code}) before its ack`)));
  });
  return { closed };
}

/** Resolves with the value, or 'pending' when it takes longer than ms. */
const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, sleep(ms).then(() => 'pending' as const)]);

/**
 * Three jobs in `pnpm start` with one runner: one finished (its result read), one running the slow
 * converter for 6 s, one queued behind it; each followed by a subscription.
 */
async function finishedRunningQueued(client: PixelflowClient) {
  const finished = (await client.convert(input(), 'grayscale')).data!.convertImage.id;
  await client.subscribe(finished).until((e) => e.status === 'SUCCEEDED', 10_000);
  const finishedResult = await client.result(finished);
  expect(finishedResult.status).toBe(200);
  const { data, errors } = await client.convert(input(), 'slow', { params: { delayMs: 6000 } });
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  const running = data!.convertImage.id;
  const subscription = client.subscribe(running);
  await subscription.until((e) => e.status === 'RUNNING', 10_000);
  const queued = (await client.convert(input(), 'slow', { params: { delayMs: 200 } })).data!.convertImage.id;
  const waiting = client.subscribe(queued);
  expect((await client.poll(queued)).job?.status).toBe('QUEUED');
  return { finished, finishedResult, running, subscription, waiting };
}

/**
 * After the restart: the running job was taken up again and finished, not failed (`runs` calls
 * of the converter for it, at least), the queued one ran, the finished one's result is the same.
 */
async function allThrough(
  client: PixelflowClient,
  jobs: Awaited<ReturnType<typeof finishedRunningQueued>>,
  runs: (calls: number) => void,
) {
  const done = await jobs.subscription.until((e) => e.status === 'SUCCEEDED', 30_000);
  expect(done.resultUrl).toContain(jobs.running);
  expect((await client.result(jobs.running)).status).toBe(200);
  runs(faults.calls.filter((c) => c.jobId === jobs.running).length);
  expect(jobs.subscription.events.map((e) => e.status)).not.toContain('FAILED');
  expect((await jobs.waiting.until((e) => e.status === 'SUCCEEDED', 30_000)).status).toBe('SUCCEEDED');
  const kept = await client.result(jobs.finished);
  expect([kept.status, kept.body.equals(jobs.finishedResult.body)]).toEqual([200, true]);
}

describe('pnpm start, stopped during a conversion and started again', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pixelflow-restart-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('exits 0 at once, keeps the running, the queued and the finished jobs across the restart', async () => {
    const port = await freePort();
    const env = {
      AI_CONVERTERS: 'false',
      EXTRA_CONVERTERS: `slow=${faults.urls.slow}`,
      SHUTDOWN_DRAIN_MS: '1000',
      // One job at a time: the second one waits in the queue through the restart.
      RUNNER_CONCURRENCY: '1',
    };
    let embedded = await startEmbedded({ port, dataDir, env });
    const client = new PixelflowClient(embedded.url, undefined, { reconnects: 100 });
    try {
      // A finished job (its result is kept for the retention, a restart included), a running one
      // and a queued one.
      const jobs = await finishedRunningQueued(client);
      const upload = abandonUpload(embedded.url, '/graphql');
      const socket = await idleSocket(embedded.url);
      await sleep(200);

      const stoppedAt = Date.now();
      embedded.child.kill('SIGTERM');
      expect(await embedded.exited).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);
      expect(await within(upload, 1000)).not.toBe('pending');
      // Closed with a code a graphql-ws client retries (going away / service restart).
      expect([1001, 1012]).toContain(await within(socket.closed, 1000));

      embedded = await startEmbedded({ port, dataDir, env });
      // It ran again after the restart: the first run was stopped and given back, not failed.
      await allThrough(client, jobs, (calls) => expect(calls).toBe(2));
    } finally {
      // A socket still retrying rejects its dispose with the last connection error.
      await client.close().catch(() => undefined);
      embedded.child.kill('SIGTERM');
      await embedded.exited;
    }
  });
});

describe('pnpm start, killed during a conversion and started again', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pixelflow-crash-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('takes the running job up again, runs the queued one and keeps the finished one', async () => {
    const port = await freePort();
    const env = {
      AI_CONVERTERS: 'false',
      EXTRA_CONVERTERS: `slow=${faults.urls.slow}`,
      RUNNER_CONCURRENCY: '1',
      // A dead instance's running job is reclaimed once its lease lapses: short here.
      LEASE_MS: '2000',
      HEARTBEAT_MS: '500',
    };
    let embedded = await startEmbedded({ port, dataDir, env });
    const client = new PixelflowClient(embedded.url, undefined, { reconnects: 100 });
    try {
      const jobs = await finishedRunningQueued(client);
      // The state is written every second while it changes: give it that second.
      await sleep(1500);

      embedded.child.kill('SIGKILL');
      expect(await embedded.exited).toBe('SIGKILL');
      embedded = await startEmbedded({ port, dataDir, env });

      // The running job's subscriber sees it through: taken up again once its lease lapsed.
      await allThrough(client, jobs, (calls) => expect(calls).toBeGreaterThanOrEqual(2));
    } finally {
      await client.close().catch(() => undefined);
      embedded.child.kill('SIGTERM');
      await embedded.exited;
    }
  });
});

describe('each service of the cluster, stopped during a conversion', () => {
  const env = useCluster('shutdown', {
    jobsInstances: 2,
    conversionInstances: 2,
    get extraConverters() {
      return { slow: faults.urls.slow };
    },
    serviceEnv: { conversion: { LEASE_MS: '2000', HEARTBEAT_MS: '400', SHUTDOWN_DRAIN_MS: '1500' } },
  });

  const stopped: Array<[ServiceName, string]> = [
    ['gateway', '/graphql'],
    ['conversion', '/graphql'],
    ['jobs', '/graphql'],
    ['auth', '/graphql'],
    ['gallery', '/graphql'],
    ['converters', '/grayscale/convert'],
  ];
  for (const [name, uploadPath] of stopped) {
    it(`${name}: exits 0 well inside the grace period, and the job still succeeds`, async () => {
      const client = new PixelflowClient(env.cluster.gatewayUrl, undefined, { reconnects: 100 });
      try {
        const { data, errors } = await client.convert(input(), 'slow', { params: { delayMs: 4000 } });
        expect(errors, JSON.stringify(errors)).toBeUndefined();
        const id = data!.convertImage.id;
        const subscription = client.subscribe(id);
        await subscription.until((e) => e.status === 'RUNNING', 10_000);
        const running = faults.calls.find((c) => c.jobId === id)?.runner;
        // The conversion instance to stop is the one running the job.
        const victim =
          env.cluster.instances(name).find((p) => name !== 'conversion' || p.instanceId === running) ??
          env.cluster.instances(name)[0]!;
        const upload = abandonUpload(victim.url, uploadPath);
        // The jobs service's sockets are the gateway's: they need the internal secret.
        const socket =
          name === 'gateway'
            ? await idleSocket(victim.url)
            : name === 'jobs'
              ? await idleSocket(victim.url, { [INTERNAL_TOKEN_HEADER]: env.cluster.internalSecret })
              : undefined;
        await sleep(200);

        const stoppedAt = Date.now();
        victim.child.kill('SIGTERM');
        expect(await victim.exited).toBe(0);
        expect(Date.now() - stoppedAt).toBeLessThan(15_000);
        expect(await within(upload, 1000)).not.toBe('pending');
        if (socket) expect([1001, 1012]).toContain(await within(socket.closed, 1000));

        await victim.restart();
        const done = await subscription.until((e) => e.status === 'SUCCEEDED', 30_000);
        expect(done.resultUrl).toContain(id);
        expect((await client.result(id)).status).toBe(200);
      } finally {
        await client.close().catch(() => undefined);
      }
    });
  }
});
