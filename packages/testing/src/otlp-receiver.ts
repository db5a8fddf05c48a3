import { createServer, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** One span as an OTLP receiver got it, flattened: ids in hex, attributes as plain values. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  startMs: number;
  endMs: number;
}

export interface OtlpReceiver {
  /** The base URL for OTEL_EXPORTER_OTLP_ENDPOINT (spans arrive on `/v1/traces`). */
  url: string;
  /** Every span received so far. */
  spans(): ReceivedSpan[];
  /** Waits until `done` holds for the spans received, or fails after `timeoutMs`. */
  until(done: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

// OTLP/JSON as the OpenTelemetry SDKs send it (ExportTraceServiceRequest, protojson mapping).
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
export interface ExportRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId?: string;
        spanId?: string;
        parentSpanId?: string;
        name?: string;
        kind?: number;
        attributes?: KeyValue[];
        status?: { code?: number };
        startTimeUnixNano?: string | number;
        endTimeUnixNano?: string | number;
      }>;
    }>;
  }>;
}

function plain(value: AnyValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain);
  return undefined;
}

const attributesOf = (list: KeyValue[] | undefined) =>
  Object.fromEntries((list ?? []).map(({ key, value }) => [key, plain(value)]));

/** OTLP/JSON ids are hex; protojson's default (base64) is read too. */
function hexId(id: string | undefined): string {
  if (!id) return '';
  if (/^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}

const millis = (nanos: string | number | undefined) => Number(BigInt(nanos ?? 0) / 1_000_000n);

/** The spans of one OTLP/JSON ExportTraceServiceRequest, flattened. */
export function spansIn(request: ExportRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? '');
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        spans.push({
          service,
          traceId: hexId(span.traceId),
          spanId: hexId(span.spanId),
          parentSpanId: hexId(span.parentSpanId),
          name: span.name ?? '',
          kind: span.kind ?? 0,
          attributes: attributesOf(span.attributes),
          statusCode: span.status?.code ?? 0,
          startMs: millis(span.startTimeUnixNano),
          endMs: millis(span.endTimeUnixNano),
        });
      }
    }
  }
  return spans;
}

/** Polls `spans` until `done` holds for them, or fails after `timeoutMs`. */
export async function untilSpans(
  spans: () => ReceivedSpan[],
  done: (spans: ReceivedSpan[]) => boolean,
  timeoutMs: number,
): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  while (!done(spans())) {
    if (Date.now() > deadline) {
      throw new Error(
        `the spans expected did not arrive within ${timeoutMs} ms (${spans().length} received)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return spans();
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

/**
 * An OTLP/HTTP receiver for tests: takes the JSON encoding of `POST /v1/traces` (what
 * @opentelemetry/exporter-trace-otlp-http sends) and keeps every span, so that a test can assert
 * the trace a request made across processes. Anything else is answered 404 or 400.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    const answer = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.method !== 'POST' || request.url !== '/v1/traces') return answer(404, { error: 'not found' });
    if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) {
      return answer(415, { error: 'only OTLP/JSON here' });
    }
    bodyOf(request).then(
      (body) => {
        let parsed: ExportRequest;
        try {
          parsed = JSON.parse(body.toString('utf8')) as ExportRequest;
        } catch {
          return answer(400, { error: 'not JSON' });
        }
        received.push(...spansIn(parsed));
        answer(200, { partialSuccess: {} });
      },
      () => answer(400, { error: 'unreadable body' }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...received],
    until: (done, timeoutMs = 15_000) => untilSpans(() => [...received], done, timeoutMs),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
