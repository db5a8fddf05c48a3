import { createLogger } from '@pixelflow/logger';
import { createHttpService, type HttpService, tracingFrom, Upstream } from '@pixelflow/service-kit';
import {
  contextOf,
  currentTraceparent,
  injectContext,
  SpanKind,
  startTracing,
  tracingEnabled,
  withSpan,
} from '@pixelflow/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from './otlp-receiver.ts';

// Tracing is per process: this file turns it on once, against a real OTLP/HTTP receiver, and
// checks what the service kit's servers and clients make of it.
const hex = (bytes: number) =>
  [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');

let receiver: OtlpReceiver;
let edge: HttpService;
let inner: HttpService;
let tracing: { close(): Promise<void> } | undefined;
let edgeUrl: string;
let innerUrl: string;
let outside: () => Promise<unknown>;
const logger = createLogger({ service: 'test', level: 'silent' });

describe('before tracing starts', () => {
  it('makes no span and adds no header: the helpers only run the work', async () => {
    expect(tracingEnabled()).toBe(false);
    const headers = { accept: 'application/json' };
    expect(injectContext(headers)).toBe(headers);
    expect(currentTraceparent()).toBeUndefined();
    const span = await withSpan('test', 'nothing', {}, async (given) => given);
    expect(span).toBeUndefined();
  });
});

describe('tracing against an OTLP receiver', () => {
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const settings = tracingFrom({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '20',
    });
    expect(settings.endpoint).toBe(`${receiver.url}/v1/traces`);
    tracing = await startTracing('edge', settings);
    inner = createHttpService({ name: 'inner', logger });
    // A converter's probes under its prefix, as converter-kit mounts them.
    inner.app.get('/sharp/healthz', async () => ({ status: 'ok' }));
    inner.app.get('/sharp/readyz', async () => ({ status: 'ready' }));
    inner.app.get('/work', async (request) => ({
      traceparent: request.headers.traceparent ?? null,
      tracestate: request.headers.tracestate ?? null,
    }));
    innerUrl = (await inner.listen()).url;
    const upstream = new Upstream({ urls: [innerUrl], name: 'inner' });
    edge = createHttpService({ name: 'edge', logger, edge: true });
    edge.app.get('/start', async () => {
      const response = await upstream.request('/work');
      return response.body.json();
    });
    outside = () => upstream.request('/work').then((response) => response.body.json());
    edgeUrl = (await edge.listen()).url;
  });

  afterAll(async () => {
    await edge?.close();
    await inner?.close();
    await tracing?.close();
    await receiver?.close();
  });

  it('continues a client trace through the edge, the client call and the next service', async () => {
    const traceId = hex(16);
    const clientSpan = hex(8);
    const response = await fetch(`${edgeUrl}/start`, {
      // A client's tracestate is not carried on: it would travel with every span.
      headers: { traceparent: `00-${traceId}-${clientSpan}-01`, tracestate: `vendor=${'x'.repeat(200)}` },
    });
    expect(response.status).toBe(200);
    // The next service got the client span's context, not the client's.
    const { traceparent, tracestate } = (await response.json()) as { traceparent: string; tracestate: null };
    expect(tracestate).toBeNull();
    expect(traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    const spans = await receiver.until((all) => all.filter((s) => s.traceId === traceId).length >= 3);
    const trace = spans.filter((s) => s.traceId === traceId);
    const server = trace.find((s) => s.service === 'edge' && s.kind === 2)!;
    const client = trace.find((s) => s.service === 'edge' && s.kind === 3)!;
    const next = trace.find((s) => s.service === 'inner' && s.kind === 2)!;
    expect(server).toMatchObject({ name: 'GET /start', parentSpanId: clientSpan });
    expect(server.attributes).toMatchObject({ 'http.route': '/start', 'http.response.status_code': 200 });
    expect(client).toMatchObject({ name: 'GET inner', parentSpanId: server.spanId });
    expect(client.attributes['url.path']).toBe('/work');
    expect(next).toMatchObject({ name: 'GET /work', parentSpanId: client.spanId });
    expect(traceparent.split('-')[2]).toBe(client.spanId);
  });

  it("decides sampling at the edge, not by the client's flag; inside, the caller's flag holds", async () => {
    // A client asking not to be sampled is sampled anyway under always_on: the edge decides.
    const unsampled = hex(16);
    await fetch(`${edgeUrl}/start`, { headers: { traceparent: `00-${unsampled}-${hex(8)}-00` } });
    await receiver.until((all) => all.some((s) => s.traceId === unsampled && s.service === 'inner'));
    // A service behind the edge follows its caller: flag 00 from a caller means no span.
    const skipped = hex(16);
    const response = await fetch(`${innerUrl}/work`, {
      headers: { traceparent: `00-${skipped}-${hex(8)}-00` },
    });
    expect(response.status).toBe(200);
    // Spans leave in order: once a later sampled request's span is in, a span of the skipped one
    // would be too.
    const later = hex(16);
    await fetch(`${innerUrl}/work`, { headers: { traceparent: `00-${later}-${hex(8)}-01` } });
    await receiver.until((all) => all.some((s) => s.traceId === later));
    expect(receiver.spans().filter((s) => s.traceId === skipped)).toEqual([]);
  });

  it('makes a trace root without a traceparent, and a garbled one counts as none', async () => {
    const before = new Set(receiver.spans().map((s) => s.traceId));
    for (const header of ['garbage', `00-${'0'.repeat(32)}-${hex(8)}-01`, `ff-${hex(16)}-${hex(8)}-01`]) {
      const response = await fetch(`${edgeUrl}/start`, { headers: { traceparent: header } });
      expect(response.status).toBe(200);
    }
    const roots = await receiver.until(
      (all) =>
        all.filter((s) => !before.has(s.traceId) && s.service === 'edge' && s.kind === 2 && !s.parentSpanId)
          .length >= 3,
    );
    const fresh = roots.filter((s) => !before.has(s.traceId) && s.kind === 2 && s.service === 'edge');
    expect(new Set(fresh.map((s) => s.traceId)).size).toBe(fresh.length);
  });

  it('leaves probes, scrapes and calls made outside any request untraced', async () => {
    const marker = hex(16);
    for (const path of ['/healthz', '/readyz', '/sharp/healthz', '/sharp/readyz']) {
      const response = await fetch(`${innerUrl}${path}`, {
        headers: { traceparent: `00-${hex(16)}-${hex(8)}-01` },
      });
      expect(response.status).toBe(200);
    }
    // A call from no request (a heartbeat, a health check) is no trace: no client span, and the
    // next service is not told of one.
    expect(await outside()).toEqual({ traceparent: null, tracestate: null });
    await fetch(`${innerUrl}/work`, { headers: { traceparent: `00-${marker}-${hex(8)}-01` } });
    await receiver.until((all) => all.some((s) => s.traceId === marker));
    const routes = receiver.spans().map((s) => s.attributes['http.route']);
    expect(routes).not.toContain('/healthz');
    expect(routes).not.toContain('/readyz');
    expect(routes).not.toContain('/sharp/healthz');
    expect(routes).not.toContain('/sharp/readyz');
    expect(receiver.spans().filter((s) => s.kind === 3 && !s.parentSpanId)).toEqual([]);
  });

  it('carries a trace through stored work: a traceparent kept and continued later', async () => {
    let stored: string | undefined;
    await withSpan('edge', 'enqueue', { kind: SpanKind.PRODUCER }, async () => {
      stored = currentTraceparent();
    });
    expect(stored).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await withSpan('worker', 'run', { kind: SpanKind.CONSUMER, parent: contextOf(stored) }, async () => {});
    const [, traceId, parentId] = stored!.split('-');
    const spans = await receiver.until((all) => all.some((s) => s.name === 'run' && s.traceId === traceId));
    expect(spans.find((s) => s.name === 'run')).toMatchObject({
      service: 'worker',
      parentSpanId: parentId,
      kind: 5,
    });
  });

  it('records a failure on the span and still answers', async () => {
    await expect(
      withSpan('edge', 'fails', {}, async () => {
        throw Object.assign(new Error('broken'), { code: 'CONVERTER_FAILED' });
      }),
    ).rejects.toThrow('broken');
    const spans = await receiver.until((all) => all.some((s) => s.name === 'fails'));
    expect(spans.find((s) => s.name === 'fails')).toMatchObject({
      statusCode: 2,
      attributes: { 'error.type': 'CONVERTER_FAILED' },
    });
  });
});
