/**
 * The OpenTelemetry Collector for tests: built from the Go module proxy (tools/otelcol: the OTLP
 * receiver and the file exporter only) into ~/.cache/pixelflow, once, and started per test file
 * on a free port. What it receives it writes as OTLP/JSON lines, read back here as spans.
 *
 *   node packages/testing/src/otel-collector.ts --build    builds it where missing (pnpm test does)
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type ExportRequest,
  type OtlpReceiver,
  type ReceivedSpan,
  spansIn,
  untilSpans,
} from './otlp-receiver.ts';

const VERSION = '0.161.0';
const source = resolve(import.meta.dirname, '../../../tools/otelcol');
const cache = join(homedir(), '.cache', 'pixelflow', 'otelcol');
const binary = join(cache, `otelcol-${VERSION}`);
const stampFile = `${binary}.stamp`;

/** What the binary is built from: a change to the module or its main rebuilds it. */
function stamp(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(source, file)));
  return hash.digest('hex');
}

/** Builds the collector unless the one in the cache is built from these sources; its path. */
export function ensureOtelCollector(): string {
  const want = stamp();
  if (existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === want) return binary;
  mkdirSync(cache, { recursive: true });
  const started = Date.now();
  process.stdout.write(
    `building the OpenTelemetry Collector ${VERSION} (about 4 min the first time on 2 cores)…\n`,
  );
  const built = spawnSync('go', ['build', '-trimpath', '-ldflags=-s', '-o', binary, '.'], {
    cwd: source,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      GOTOOLCHAIN: 'local',
      GOFLAGS: '-mod=readonly',
      CGO_ENABLED: '0',
      GOCACHE: join(cache, 'gocache'),
      GOMODCACHE: join(cache, 'gomodcache'),
    },
  });
  if (built.error)
    throw new Error(`Go is needed to build the OpenTelemetry Collector: ${built.error.message}`);
  if (built.status !== 0)
    throw new Error(`building the OpenTelemetry Collector failed (exit ${built.status})`);
  writeFileSync(stampFile, want);
  process.stdout.write(`OpenTelemetry Collector built in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return binary;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

function config(port: number, file: string): string {
  return JSON.stringify({
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
    exporters: { file: { path: file, format: 'json', flush_interval: '100ms' } },
    service: {
      telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } },
      pipelines: { traces: { receivers: ['otlp'], exporters: ['file'] } },
    },
  });
}

/** Resolves once the receiver answers, or rejects when the process ends first. */
async function answering(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the collector stopped (${child.exitCode}): ${output()}`);
    const ready = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`the collector did not answer within 20 s: ${output()}`);
}

/**
 * Starts the collector on a free port (another, should a process take the port first); its spans
 * are read from the file it writes. The same interface as the in-process receiver.
 */
export async function startOtelCollector(): Promise<OtlpReceiver> {
  const path = ensureOtelCollector();
  const dir = mkdtempSync(join(tmpdir(), 'pixelflow-otelcol-'));
  const file = join(dir, 'spans.jsonl');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    writeFileSync(join(dir, 'config.json'), config(port, file));
    // A JSON document is YAML: the collector reads it as its config file.
    const child = spawn(path, [`--config=file:${join(dir, 'config.json')}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        output = `${output}${chunk}`.slice(-4000);
      });
    }
    const url = `http://127.0.0.1:${port}`;
    try {
      await answering(url, child, () => output);
    } catch (error) {
      child.kill('SIGKILL');
      if (attempt < 3 && /address already in use/.test(output)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    const spans = (): ReceivedSpan[] => {
      if (!existsSync(file)) return [];
      // Complete lines only: the collector may be writing the last one.
      return readFileSync(file, 'utf8')
        .split('\n')
        .slice(0, -1)
        .filter(Boolean)
        .flatMap((line) => spansIn(JSON.parse(line) as ExportRequest));
    };
    return {
      url,
      spans,
      until: (done, timeoutMs = 15_000) => untilSpans(spans, done, timeoutMs),
      async close() {
        if (child.exitCode === null) {
          const exited = new Promise((done) => child.once('exit', done));
          child.kill('SIGTERM');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

if (import.meta.main && process.argv.includes('--build')) ensureOtelCollector();
