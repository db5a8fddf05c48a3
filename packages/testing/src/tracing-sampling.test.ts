import { createLogger } from '@pixelflow/logger';
import { createHttpService, tracingFrom } from '@pixelflow/service-kit';
import { startTracing } from '@pixelflow/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from './otlp-receiver.ts';

// The ratio samplers at the edge, against a client that tries to be traced more often than the
// ratio says: it sets the sampled flag and picks trace ids that a trace-id ratio sampler always
// takes (their 32-bit words XOR to almost nothing), a fresh one per request. Each sampler in turn
// in this process (tracing is per process; close() lets the next one register).
const REQUESTS = 1000;
const RATIO = 0.1;
const favoured = (n: number) => `${'0'.repeat(26)}${n.toString(16).padStart(6, '0')}`;
const hex = (bytes: number) =>
  [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');

let receiver: OtlpReceiver;
const logger = createLogger({ service: 'test', level: 'silent' });

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

describe.each(['traceidratio', 'parentbased_traceidratio'])('%s at 10 % at the edge', (sampler) => {
  it('traces about one request in ten from a client that asks for every one', async () => {
    const tracing = await startTracing(
      `edge-${sampler}`,
      tracingFrom({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_TRACES_SAMPLER: sampler,
        OTEL_TRACES_SAMPLER_ARG: String(RATIO),
        OTEL_BSP_SCHEDULE_DELAY: '20',
      }),
    );
    const edge = createHttpService({ name: `edge-${sampler}`, logger, edge: true });
    edge.app.get('/start', async () => ({ ok: true }));
    const { url } = await edge.listen();
    try {
      for (let batch = 0; batch < REQUESTS / 50; batch++) {
        await Promise.all(
          Array.from({ length: 50 }, async (_, i) => {
            const traceparent = `00-${favoured(batch * 50 + i + 1)}-${hex(8)}-01`;
            const response = await fetch(`${url}/start`, { headers: { traceparent } });
            expect(response.status).toBe(200);
            await response.arrayBuffer();
          }),
        );
      }
    } finally {
      await edge.close();
      await tracing?.close();
    }
    const spans = receiver.spans().filter((s) => s.service === `edge-${sampler}` && s.kind === 2);
    // 1000 requests at 10 %: 100 expected, σ ≈ 9.5; 50–150 is over five σ either side, and a
    // client with its way would get 190 (the ratio twice) or all 1000.
    expect(spans.length).toBeGreaterThan(50);
    expect(spans.length).toBeLessThan(150);
    if (sampler === 'traceidratio') {
      // Decided by the trace id alone, a client's id is never kept.
      expect(spans.filter((s) => s.traceId.startsWith('0'.repeat(26)))).toEqual([]);
    }
  });
});
