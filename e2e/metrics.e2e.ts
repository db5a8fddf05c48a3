import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@pixelflow/launcher/cluster';
import { PixelflowClient } from '@pixelflow/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedProcess, startEmbedded } from './helpers/embedded.ts';

/** The value of the one series whose name and labels match, or undefined. */
function sample(text: string, name: string, labels: Record<string, string | RegExp>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const fits = Object.entries(labels).every(([key, want]) =>
      typeof want === 'string' ? have[key] === want : want.test(have[key] ?? ''),
    );
    if (fits) return Number(match[3]);
  }
  return undefined;
}

/** The code of a GraphQL answer's first error. */
const codeOf = async (response: Response) =>
  ((await response.json()) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions
    ?.code;

// `pnpm start` runs every service in one process: the gateway's /metrics has every service's
// series, told apart by `service`.
describe('metrics of pnpm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pixelflow-metrics-'));
  let embedded: EmbeddedProcess;
  let image: Buffer;

  beforeAll(async () => {
    image = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c63' } })
      .png()
      .toBuffer();
    embedded = await startEmbedded({ port: await freePort(), dataDir, env: { AI_CONVERTERS: 'false' } });
  });

  afterAll(async () => {
    embedded?.child.kill('SIGTERM');
    await embedded?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const scrape = async () => {
    const response = await fetch(`${embedded.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return response.text();
  };

  it('counts a conversion at every hop: gateway, conversion, jobs and the converter', async () => {
    const client = new PixelflowClient(embedded.url);
    try {
      const { data, errors } = await client.convert(image, 'grayscale', { filename: 'a.png' });
      if (!data) throw new Error(JSON.stringify(errors));
      const subscription = client.subscribe(data.convertImage.id);
      await subscription.until((event) => event.status === 'SUCCEEDED', 30_000);
      const during = await scrape();
      // The socket the subscription runs on, still open.
      expect(sample(during, 'pixelflow_ws_sockets', { service: 'gateway' })).toBeGreaterThanOrEqual(1);
    } finally {
      await client.close();
    }
    const text = await scrape();
    expect(
      sample(text, 'pixelflow_graphql_operations_total', {
        service: 'gateway',
        type: 'mutation',
        operation: 'convertImage',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(
      sample(text, 'pixelflow_graphql_operations_total', {
        service: 'conversion',
        operation: 'convertImage',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(
      sample(text, 'pixelflow_http_requests_total', {
        service: 'gateway',
        method: 'POST',
        route: '/graphql',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'pixelflow_jobs_created_total', { service: 'jobs', converter: 'grayscale' })).toBe(1);
    expect(
      sample(text, 'pixelflow_jobs_finished_total', {
        service: 'jobs',
        converter: 'grayscale',
        outcome: 'SUCCEEDED',
        code: '',
      }),
    ).toBe(1);
    expect(
      sample(text, 'pixelflow_job_duration_seconds_count', { converter: 'grayscale', outcome: 'SUCCEEDED' }),
    ).toBe(1);
    expect(sample(text, 'pixelflow_job_queue_wait_seconds_count', { converter: 'grayscale' })).toBe(1);
    expect(
      sample(text, 'pixelflow_conversions_total', { converter: 'grayscale', outcome: 'ok', service: /\w/ }),
    ).toBe(1);
    expect(
      sample(text, 'pixelflow_converter_backend_info', { converter: 'grayscale', backend: 'native' }),
    ).toBe(1);
    expect(sample(text, 'pixelflow_converter_healthy', { converter: 'grayscale' })).toBe(1);
    expect(sample(text, 'pixelflow_runner_slots', { service: 'conversion' })).toBeGreaterThan(0);
    // Node's process metrics, once, for the one process.
    expect(sample(text, 'process_resident_memory_bytes', { service: 'pixelflow' })).toBeGreaterThan(0);
  });

  it('counts a refused conversion by its error code, and a hostile path as "unmatched"', async () => {
    const client = new PixelflowClient(embedded.url);
    try {
      const { errors } = await client.convert(image, 'grayscale', {
        params: { nonsense: 1 },
        filename: 'a.png',
      });
      expect(errors?.[0]?.extensions?.code).toBe('INVALID_PARAMS');
    } finally {
      await client.close();
    }
    await fetch(`${embedded.url}/${'%2e'.repeat(20)}/secret-path-${Date.now()}`);
    const text = await scrape();
    expect(
      sample(text, 'pixelflow_graphql_operations_total', {
        service: 'gateway',
        operation: 'convertImage',
        outcome: 'INVALID_PARAMS',
      }),
    ).toBe(1);
    expect(text).not.toContain('secret-path');
  });

  it("counts a subgraph's refusal by its code, and the gateway's refusals before any operation runs", async () => {
    const graphql = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${embedded.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const wrong = await graphql({
      query: 'mutation { login(email: "nobody@example.com", password: "not the password") { accessToken } }',
    });
    expect(await codeOf(wrong)).toBe('INVALID_CREDENTIALS');
    // Refused at the gateway before Apollo: too deep, and a token nobody signed.
    const tooDeep = await graphql({ query: `{ ${'me { '.repeat(40)}id${' }'.repeat(40)} }` });
    expect(await codeOf(tooDeep)).toBe('QUERY_TOO_DEEP');
    const forged = await graphql({ query: '{ me { email } }' }, { authorization: 'Bearer not.a.token' });
    expect(forged.status).toBe(401);
    const text = await scrape();
    expect(
      sample(text, 'pixelflow_graphql_operations_total', {
        service: 'auth',
        operation: 'login',
        outcome: 'INVALID_CREDENTIALS',
      }),
    ).toBe(1);
    expect(
      sample(text, 'pixelflow_graphql_operations_total', {
        service: 'gateway',
        operation: 'login',
        outcome: 'INVALID_CREDENTIALS',
      }),
    ).toBe(1);
    for (const outcome of ['QUERY_TOO_DEEP', 'INVALID_TOKEN']) {
      expect(
        sample(text, 'pixelflow_graphql_operations_total', { service: 'gateway', type: 'invalid', outcome }),
      ).toBe(1);
    }
  });
});
