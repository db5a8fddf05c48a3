import { EnvError } from '@pixelflow/config';
import { createLogger } from '@pixelflow/logger';
import { configureMetrics, serveMetrics } from '@pixelflow/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpService, type HttpService } from './http-service.ts';
import { metricsFrom, tracingFrom } from './main.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  configureMetrics({ enabled: true });
});

async function start(name: string): Promise<{ service: HttpService; url: string }> {
  const service = createHttpService({ name, logger, host: '127.0.0.1' });
  service.app.get('/things/:id', async () => ({ ok: true }));
  closers.push(() => service.close());
  const { url } = await service.listen();
  return { service, url };
}

const scrape = async (url: string) => {
  const response = await fetch(`${url}/metrics`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
};

describe('/metrics on every service', () => {
  it('counts requests by route pattern and status, with the service on every series', async () => {
    const { url } = await start('metrics-a');
    await fetch(`${url}/healthz`);
    await fetch(`${url}/things/1`);
    await fetch(`${url}/things/2`);
    const { status, type, text } = await scrape(url);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain(
      'pixelflow_http_requests_total{service="metrics-a",method="GET",route="/healthz",status="200"} 1',
    );
    // Two paths, one pattern: one series.
    expect(text).toContain(
      'pixelflow_http_requests_total{service="metrics-a",method="GET",route="/things/:id",status="200"} 2',
    );
    expect(text).toMatch(
      /pixelflow_http_request_duration_seconds_count\{service="metrics-a",method="GET",route="\/things\/:id"\} 2/,
    );
    // Node's process metrics, named after the first service of this process.
    expect(text).toMatch(/process_resident_memory_bytes\{service="[^"]+"\} \d+/);
  });

  it('puts a path no route matches under "unmatched": a client cannot add series', async () => {
    const { url } = await start('metrics-b');
    for (const path of ['/nope', '/%2e%2e/etc/passwd', `/${'x'.repeat(500)}`]) await fetch(`${url}${path}`);
    const { text } = await scrape(url);
    expect(text).toContain(
      'pixelflow_http_requests_total{service="metrics-b",method="GET",route="unmatched",status="404"} 3',
    );
    expect(text).not.toContain('passwd');
    expect(text).not.toContain('xxxx');
  });

  it('puts the methods beyond the usual ones under OTHER', async () => {
    const { url } = await start('metrics-m');
    for (const method of ['PROPFIND', 'MKCOL', 'PURGE', 'LOCK']) await fetch(`${url}/nope`, { method });
    const { text } = await scrape(url);
    expect(text).toContain(
      'pixelflow_http_requests_total{service="metrics-m",method="OTHER",route="unmatched",status="404"} 4',
    );
    expect(text).not.toMatch(/service="metrics-m",method="(PROPFIND|MKCOL|PURGE|LOCK)"/);
  });

  it('shows every service of a process in each /metrics, told apart by service', async () => {
    const first = await start('metrics-c');
    const second = await start('metrics-d');
    await fetch(`${second.url}/healthz`);
    const { text } = await scrape(first.url);
    expect(text).toContain('service="metrics-d",method="GET",route="/healthz",status="200"');
  });

  it('serves /metrics on a port of its own when one is set, and no longer on the service', async () => {
    const own = await serveMetrics(0, '127.0.0.1');
    closers.push(() => own.close());
    configureMetrics({ enabled: true, port: own.port });
    const { url } = await start('metrics-e');
    await fetch(`${url}/healthz`);
    expect((await scrape(url)).status).toBe(404);
    const scraped = await scrape(`http://127.0.0.1:${own.port}`);
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain('service="metrics-e",method="GET",route="/healthz",status="200"');
    const other = await fetch(`http://127.0.0.1:${own.port}/anything`);
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'only GET /metrics here' } });
  });

  it('has no /metrics and counts nothing with METRICS=false', async () => {
    configureMetrics({ enabled: false });
    const { url } = await start('metrics-f');
    await fetch(`${url}/healthz`);
    expect((await scrape(url)).status).toBe(404);
    configureMetrics({ enabled: true });
    const { url: other } = await start('metrics-g');
    expect((await scrape(other)).text).not.toContain('service="metrics-f"');
  });
});

describe('metricsFrom', () => {
  it('reads METRICS, METRICS_PORT and METRICS_HOST', () => {
    expect(metricsFrom({})).toEqual({ enabled: true, port: undefined, host: '0.0.0.0' });
    expect(metricsFrom({ METRICS: 'false', METRICS_PORT: '9464', METRICS_HOST: '127.0.0.1' })).toEqual({
      enabled: false,
      port: 9464,
      host: '127.0.0.1',
    });
  });

  it('refuses a port that is not one, naming the variable', () => {
    for (const bad of [{ METRICS_PORT: 'abc' }, { METRICS_PORT: '70000' }, { METRICS: 'yes' }]) {
      expect(() => metricsFrom(bad)).toThrow(EnvError);
      expect(() => metricsFrom(bad)).toThrow(Object.keys(bad)[0]!);
    }
  });
});

describe('tracingFrom', () => {
  it('is off without an endpoint, and with one unless disabled', () => {
    expect(tracingFrom({}).endpoint).toBeUndefined();
    const on = tracingFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    expect(on).toMatchObject({
      endpoint: 'http://collector:4318/v1/traces',
      sampler: 'parentbased_always_on',
      ratio: 1,
    });
    expect(tracingFrom({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c/x/traces' }).endpoint).toBe(
      'https://c/x/traces',
    );
    for (const off of [{ OTEL_SDK_DISABLED: 'true' }, { OTEL_TRACES_EXPORTER: 'none' }]) {
      expect(
        tracingFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', ...off }).endpoint,
      ).toBeUndefined();
    }
  });

  it('reads the sampler, its ratio and the headers (values URL-encoded)', () => {
    const settings = tracingFrom({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-team = pixels ,broken',
    });
    expect(settings).toMatchObject({ sampler: 'parentbased_traceidratio', ratio: 0.1 });
    expect(settings.headers).toEqual({ authorization: 'Bearer abc', 'x-team': 'pixels' });
  });

  it('refuses, while on, what is not a setting, naming the variable', () => {
    const on = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    for (const bad of [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://collector' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' },
      { ...on, OTEL_TRACES_SAMPLER: 'sometimes' },
      { ...on, OTEL_TRACES_SAMPLER_ARG: '1.5' },
      { ...on, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=100%' },
    ]) {
      const named = Object.keys(bad).at(-1)!;
      expect(() => tracingFrom(bad)).toThrow(EnvError);
      expect(() => tracingFrom(bad)).toThrow(named);
    }
  });

  it('leaves the variables alone while off: settings meant for another SDK stop nothing', () => {
    for (const env of [
      { OTEL_TRACES_SAMPLER: 'jaeger_remote', OTEL_TRACES_SAMPLER_ARG: 'endpoint=http://x' },
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_SDK_DISABLED: 'TRUE',
        OTEL_TRACES_SAMPLER: 'xray',
      },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'console' },
    ]) {
      expect(tracingFrom(env).endpoint).toBeUndefined();
    }
    expect(
      tracingFrom({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_TRACES_EXPORTER: 'console, otlp',
      }).endpoint,
    ).toBe('http://collector:4318/v1/traces');
  });
});
