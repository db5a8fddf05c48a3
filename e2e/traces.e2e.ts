import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@pixelflow/launcher/cluster';
import {
  type OtlpReceiver,
  PixelflowClient,
  type ReceivedSpan,
  startOtelCollector,
} from '@pixelflow/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCluster } from './helpers/cluster.ts';
import { type EmbeddedProcess, startEmbedded } from './helpers/embedded.ts';

// One conversion through the multi-process stack with tracing on, every process exporting over
// OTLP/HTTP to an OpenTelemetry Collector (built from the Go module proxy; its file exporter hands
// the spans back): one trace from the client's traceparent to the subscription's event.
let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtelCollector();
});
afterAll(async () => {
  await receiver?.close();
});

const env = useCluster('traces', {
  jobsInstances: 2,
  conversionInstances: 2,
  get env() {
    return { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' };
  },
});

const hex = (bytes: number) =>
  [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');

const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;

/** The span and every span above it, nearest first. */
function lineage(span: ReceivedSpan, all: ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(all.map((s) => [s.spanId, s]));
  const line: ReceivedSpan[] = [];
  for (let at: ReceivedSpan | undefined = span; at; at = byId.get(at.parentSpanId)) line.push(at);
  return line;
}

/**
 * The spans of one trace once `done` holds for them and the tree is whole (one root): each process
 * sends its spans on its own, so a child may arrive before its parent.
 */
async function wholeTrace(traceId: string, done: (spans: ReceivedSpan[]) => boolean) {
  const inTrace = () => receiver.spans().filter((s) => s.traceId === traceId);
  const whole = () => {
    const spans = inTrace();
    const ids = new Set(spans.map((s) => s.spanId));
    return done(spans) && spans.filter((s) => !ids.has(s.parentSpanId)).length === 1;
  };
  await receiver.until(whole, 20_000).catch((error: unknown) => {
    const seen = inTrace().map((s) => `${s.service} ${s.name} ${s.spanId} ← ${s.parentSpanId}`);
    throw new Error(`${(error as Error).message}; the trace has:\n${seen.join('\n')}`);
  });
  return inTrace();
}

/** The trace as an indented tree, children by start time: for whoever reads the test's output. */
function drawTree(spans: ReceivedSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const lines: string[] = [];
  const walk = (span: ReceivedSpan, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${span.service}: ${span.name} (${span.endMs - span.startMs} ms)`);
    for (const child of spans
      .filter((s) => s.parentSpanId === span.spanId)
      .sort((a, b) => a.startMs - b.startMs)) {
      walk(child, depth + 1);
    }
  };
  for (const root of spans.filter((s) => !ids.has(s.parentSpanId))) walk(root, 0);
  return lines.join('\n');
}

describe('a conversion traced across every process', () => {
  let image: Buffer;
  let large: Buffer;
  beforeAll(async () => {
    image = await sharp({ create: { width: 48, height: 32, channels: 3, background: '#2a7' } })
      .png()
      .toBuffer();
    // A sharpen of 12 MP takes the converter a second or so: the subscription is open before the
    // job ends, so that its last state arrives as an event (a finished job is answered from the
    // store, without one).
    large = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#2a7' } })
      .png()
      .toBuffer();
  });

  it('makes one trace from the gateway through the queue, the runner and the converter to the event', async () => {
    const traceId = hex(16);
    const clientSpanId = hex(8);
    const client = new PixelflowClient(env.cluster.gatewayUrl, undefined, {
      headers: { traceparent: `00-${traceId}-${clientSpanId}-01` },
    });
    let jobId: string;
    try {
      const { data, errors } = await client.convert(large, 'sharpen', {
        params: { sigma: 5 },
        filename: 'traced.png',
      });
      if (!data) throw new Error(JSON.stringify(errors));
      jobId = data.convertImage.id;
      await client.subscribe(jobId).until((event) => event.status === 'SUCCEEDED', 30_000);
    } finally {
      await client.close();
    }

    const spans = await wholeTrace(traceId, (all) =>
      all.some((s) => s.name === 'jobUpdated event' && s.attributes['pixelflow.job_status'] === 'SUCCEEDED'),
    );
    process.stdout.write(`the conversion's trace:\n${drawTree(spans)}\n`);

    // One tree: every span's parent is in the trace, but the root's, which is the client's span.
    const ids = new Set(spans.map((s) => s.spanId));
    const roots = spans.filter((s) => !ids.has(s.parentSpanId));
    expect(roots.map((s) => [s.service, s.name, s.parentSpanId])).toEqual([
      ['gateway', 'POST /graphql', clientSpanId],
    ]);
    const [root] = roots;
    expect(root!.kind).toBe(SERVER);
    expect(new Set(spans.map((s) => s.service))).toEqual(
      new Set(['gateway', 'conversion', 'jobs', 'converter-sharp']),
    );

    // The Apollo gateway's own spans (planning, fetches) are in the gateway's request.
    const fetches = spans.filter((s) => s.service === 'gateway' && s.name === 'gateway.fetch');
    expect(fetches.length).toBeGreaterThan(0);
    for (const fetch of fetches) expect(lineage(fetch, spans)).toContain(root);

    // The request: gateway → conversion's convertImage, which creates the job at the jobs service.
    const intake = spans.find(
      (s) => s.service === 'conversion' && s.kind === SERVER && s.name === 'POST /graphql',
    );
    expect(intake, 'the conversion subgraph served the mutation').toBeDefined();
    expect(lineage(intake!, spans).at(-1)).toBe(root);
    expect(lineage(intake!, spans)[1]).toMatchObject({ service: 'gateway', kind: CLIENT });

    // The queue: the run continues the request's trace from the context stored with the job.
    const run = spans.find((s) => s.name === 'run sharpen');
    expect(run).toMatchObject({
      service: 'conversion',
      kind: CONSUMER,
      attributes: { 'pixelflow.job_id': jobId! },
    });
    expect(lineage(run!, spans)).toContain(intake);

    // The converter's HTTP call, and the converter serving it.
    const call = spans.find((s) => s.name === 'POST sharpen /convert');
    expect(call).toMatchObject({ service: 'conversion', kind: CLIENT, parentSpanId: run!.spanId });
    const converter = spans.find((s) => s.service === 'converter-sharp' && s.kind === SERVER);
    expect(converter, 'the converter served the call').toMatchObject({ parentSpanId: call!.spanId });
    expect(converter!.attributes['http.response.status_code']).toBe(200);

    // The job's last change, at the jobs service, and the subscription's event it published.
    const event = spans.find(
      (s) => s.name === 'jobUpdated event' && s.attributes['pixelflow.job_status'] === 'SUCCEEDED',
    )!;
    expect(event).toMatchObject({
      service: 'jobs',
      kind: CONSUMER,
      attributes: { 'pixelflow.delivered': true },
    });
    const change = spans.find((s) => s.spanId === event.parentSpanId)!;
    expect(change).toMatchObject({ service: 'jobs', kind: SERVER });
    expect(lineage(change, spans)).toContain(run);

    // Background work (heartbeats, health checks, the queue keeper) and probes make no traces:
    // every span the stack sent so far belongs to a request or a job.
    const all = receiver.spans();
    expect(all.filter((s) => s.kind === CLIENT && !s.parentSpanId).map((s) => s.name)).toEqual([]);
    expect(all.filter((s) => ['/healthz', '/readyz'].includes(String(s.attributes['http.route'])))).toEqual(
      [],
    );

    // Every span ended no earlier than it started, and within the test.
    for (const span of spans) expect(span.endMs).toBeGreaterThanOrEqual(span.startMs);

    // The gateway's access log line for the request names the trace.
    const logs = resolve(import.meta.dirname, '../.test-env/logs/traces');
    const gatewayLines = readdirSync(logs)
      .filter((file) => file.startsWith('gateway-'))
      .flatMap((file) => readFileSync(join(logs, file), 'utf8').split('\n'))
      .filter((line) => line.includes('"msg":"request"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(gatewayLines.some((line) => line.traceId === traceId && line.operation === 'convertImage')).toBe(
      true,
    );
  });

  it('starts a trace of its own for a request without a traceparent', async () => {
    const before = new Set(receiver.spans().map((s) => s.traceId));
    const client = new PixelflowClient(env.cluster.gatewayUrl);
    try {
      const { data } = await client.convert(image, 'flip', { filename: 'plain.png' });
      const id = data!.convertImage.id;
      await client.subscribe(id).until((event) => event.status === 'SUCCEEDED', 30_000);
      const isRun = (s: ReceivedSpan) => s.name === 'run flip' && s.attributes['pixelflow.job_id'] === id;
      const { traceId } = await receiver.until((all) => all.some(isRun)).then((all) => all.find(isRun)!);
      expect(before.has(traceId)).toBe(false);
      const spans = await wholeTrace(traceId, (all) => all.some(isRun));
      const root = lineage(spans.find(isRun)!, spans).at(-1)!;
      expect(root).toMatchObject({ service: 'gateway', name: 'POST /graphql', parentSpanId: '' });
    } finally {
      await client.close();
    }
  });
});

// `pnpm start` runs every service in one process: each still reports its spans under its own name,
// and the trace crosses them as it does the processes of a cluster.
describe('a conversion traced in pnpm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pixelflow-traces-'));
  let embedded: EmbeddedProcess;

  beforeAll(async () => {
    embedded = await startEmbedded({
      port: await freePort(),
      dataDir,
      env: {
        AI_CONVERTERS: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
    });
  });

  afterAll(async () => {
    embedded?.child.kill('SIGTERM');
    await embedded?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('names each service in one trace from the gateway to the converter', async () => {
    const traceId = hex(16);
    const client = new PixelflowClient(embedded.url, undefined, {
      headers: { traceparent: `00-${traceId}-${hex(8)}-01` },
    });
    try {
      const image = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#a27' } })
        .png()
        .toBuffer();
      const { data, errors } = await client.convert(image, 'grayscale', { filename: 'embedded.png' });
      if (!data) throw new Error(JSON.stringify(errors));
      await client.subscribe(data.convertImage.id).until((event) => event.status === 'SUCCEEDED', 30_000);
    } finally {
      await client.close();
    }
    const spans = await wholeTrace(traceId, (all) => all.some((s) => s.service === 'converter-sharp'));
    expect(new Set(spans.map((s) => s.service))).toEqual(
      new Set(['gateway', 'conversion', 'jobs', 'converter-sharp']),
    );
    const converter = spans.find((s) => s.service === 'converter-sharp' && s.kind === SERVER)!;
    const names = lineage(converter, spans).map((s) => `${s.service}: ${s.name}`);
    expect(names).toContain('conversion: run grayscale');
    expect(names.at(-1)).toBe('gateway: POST /graphql');
  });
});
