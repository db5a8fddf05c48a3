/**
 * What metrics, traces and logs cost: the end-to-end grayscale throughput (bench/src/grayscale.ts's
 * clients) of `pnpm start` with everything off (metrics off, no tracing, logs at warn), with
 * metrics on (the default), with metrics on and tracing at 10 % and at 100 % sampling (spans sent
 * over OTLP/HTTP to a receiver in this process), and with metrics on and every request and job
 * logged at info, in alternating rounds against processes that run side by side, so that the
 * machine's drift falls on all of them alike.
 */
import { readFileSync } from 'node:fs';
import { type OtlpReceiver, photo, startOtlpReceiver } from '@pixelflow/testing';
import { Agent } from 'undici';
import { BenchClient, multipart } from './grayscale.ts';
import { type EmbeddedProcess, fmt, median, pool, startEmbeddedProcess } from './lib.ts';

const CLIENTS = 16;
const PER_ROUND = 160;
const ROUNDS = 8;

const quotas = { CONVERT_RATE_ANONYMOUS: '1000000', MAX_ACTIVE_JOBS_ANONYMOUS: String(CLIENTS) };
const tracing = (receiver: OtlpReceiver, ratio: number) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: String(ratio),
});
const configurations = (receiver: OtlpReceiver) => [
  { name: 'metrics off, no tracing, logs at warn', env: { ...quotas, METRICS: 'false' }, logLevel: 'warn' },
  { name: 'metrics on (default), logs at warn', env: quotas, logLevel: 'warn' },
  {
    name: 'metrics on, tracing with 10 % sampling, logs at warn',
    env: { ...quotas, ...tracing(receiver, 0.1) },
    logLevel: 'warn',
  },
  {
    name: 'metrics on, tracing with every request sampled, logs at warn',
    env: { ...quotas, ...tracing(receiver, 1) },
    logLevel: 'warn',
  },
  { name: 'metrics on, every request and job logged (info)', env: quotas, logLevel: 'info' },
];

export async function benchObservability(): Promise<string> {
  // A real OTLP/HTTP endpoint that keeps the spans, so that exporting costs what it costs.
  const receiver = await startOtlpReceiver();
  const configured = configurations(receiver);
  const body = multipart(readFileSync(photo('mate/abstract/Elephants.jpg')));
  const servers: EmbeddedProcess[] = [];
  const agent = new Agent({ connections: CLIENTS * 2 * configured.length });
  const clients: BenchClient[][] = [];
  try {
    for (const { env, logLevel } of configured) {
      const server = await startEmbeddedProcess(env, { logLevel, output: 'ignore' });
      servers.push(server);
      clients.push(Array.from({ length: CLIENTS }, () => new BenchClient(server.url, body, agent)));
    }
    // Warm-up: the JIT, sharp, the sockets.
    for (const group of clients) await pool(48, 8, (i) => group[i % CLIENTS]!.convert());
    const rates: number[][] = configured.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with another configuration, so that none always runs first (after the
      // bench's own pause) or right after the same neighbour.
      for (let step = 0; step < clients.length; step++) {
        const index = (round + step) % clients.length;
        const group = clients[index]!;
        const start = performance.now();
        await pool(PER_ROUND, CLIENTS, (i) => group[i % CLIENTS]!.convert());
        rates[index]!.push(PER_ROUND / ((performance.now() - start) / 1000));
      }
    }
    const baseline = median(rates[0]!);
    const rows = configured.map(({ name }, index) => {
      const all = rates[index]!;
      // Each round's rate against the first configuration's in the same round: the processes ran
      // within the same minute or two, so the machine's drift mostly cancels out.
      const paired = all.map((rate, round) => rate / rates[0]![round]!);
      return `| ${name} | ${fmt(median(all))} (${fmt(Math.min(...all))}–${fmt(Math.max(...all))}) | ${fmt(median(all) / baseline, 3)} | ${fmt(median(paired), 3)} (${fmt(Math.min(...paired), 2)}–${fmt(Math.max(...paired), 2)}) |`;
    });
    return [
      '## What metrics, traces and logs cost',
      '',
      `End-to-end grayscale (as above: upload, jobUpdated over graphql-ws, result download) with ${CLIENTS} clients, ${ROUNDS} rounds of ${PER_ROUND} conversions against each of ${configured.length} \`pnpm start\` processes in turn (each round starting with the next one), all running side by side; the traced ones send their spans over OTLP/HTTP to a receiver in the bench's process (${receiver.spans().length} spans received).`,
      '',
      '| configuration | conversions/s: median of the rounds (range) | ratio of the medians to the first | median of the per-round ratios to the first (range; goal ≥ 0.95) |',
      '| --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n');
  } finally {
    await Promise.all(clients.flat().map((client) => client.close()));
    await agent.close();
    await Promise.all(servers.map((server) => server.stop()));
    await receiver.close();
  }
}
