import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@pixelflow/launcher/cluster';
import { embeddedEnv, embeddedNodeFlags } from '@pixelflow/launcher/runtime';
import { request } from 'undici';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** Resident set size of a process, in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

/** Peak RSS of a process while `work` runs, sampled every 50 ms. */
export async function peakRss<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ result: T; peakMiB: number }> {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid));
  }, 50);
  try {
    const result = await work();
    return { result, peakMiB: Math.max(peak, rssMiB(pid)) };
  } finally {
    clearInterval(timer);
  }
}

/** Runs `task` `total` times with at most `concurrency` at once; returns each run's duration (ms). */
export async function pool(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<number[]> {
  const durations: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const start = performance.now();
        await task(i);
        durations.push(performance.now() - start);
      }
    }),
  );
  return durations;
}

export interface EmbeddedProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * `pnpm start` as its own process (so that its memory is its own), on a free port.
 * BENCH_NODE_OPTIONS passes flags to it, e.g. `--cpu-prof` to profile the server under load;
 * `env` adds to its environment (a benchmark's limits).
 */
export async function startEmbeddedProcess(
  env: Record<string, string> = {},
  /** Its log level, and whether its output is shown (at info it logs every request and job). */
  { logLevel = 'warn', output = 'inherit' }: { logLevel?: string; output?: 'inherit' | 'ignore' } = {},
): Promise<EmbeddedProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'pixelflow-bench-'));
  const extra = process.env.BENCH_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [];
  // As `pnpm start` runs it.
  const child = spawn(
    process.execPath,
    [...embeddedNodeFlags, ...extra, join(root, 'launcher/src/embedded.ts')],
    {
      env: {
        ...process.env,
        ...embeddedEnv,
        ...env,
        PORT: String(port),
        DATA_DIR: dataDir,
        LOG_LEVEL: logLevel,
      },
      stdio: ['ignore', output, 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('the embedded process exited while starting');
    try {
      const response = await request(`${url}/readyz`);
      await response.body.dump();
      if (response.statusCode === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('the embedded process did not start');
    await sleep(100);
  }
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const fmt = (value: number, digits = 1) => value.toFixed(digits);
