/**
 * Benchmarks a converter as deployed: `node <main>` in a fresh process per params (sizing and
 * decoding on its main thread, the model in its worker, HTTP), one conversion each. A row gives
 * wall seconds, the process's CPU seconds (all its threads: on a busy machine wall time grows, CPU
 * time much less), its peak resident memory, the result's size, the notice, and the load average
 * before and after.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { convertOnce } from './convert-once.ts';

export interface ProcessBenchOptions {
  /** The converter's entry point, run with this Node. */
  main: string;
  /** The image sent, as a JPEG. */
  input: Buffer;
  /** One process and one conversion per entry. */
  cases: Record<string, unknown>[];
  /** The table's heading. */
  title: string;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** CPU seconds (user + system, all threads) and peak resident MiB of a process, from /proc. */
function usage(pid: number): { cpuSeconds: number; peakMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    cpuSeconds: (Number(stat[11]) + Number(stat[12])) / 100,
    peakMiB: Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]) / 1024,
  };
}

const isReady = (url: string) =>
  fetch(`${url}/readyz`).then(
    (response) => response.status === 200,
    () => false,
  );

async function measure(main: string, input: Buffer, params: Record<string, unknown>): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    while (!(await isReady(url))) await sleep(200);
    const before = usage(child.pid!);
    const load = loadavg()[0]!;
    const begin = performance.now();
    const result = await convertOnce(url, input, { params, timeoutMs: 1_800_000 });
    const seconds = (performance.now() - begin) / 1000;
    const after = usage(child.pid!);
    return (
      `| \`${JSON.stringify(params)}\` | ${seconds.toFixed(1)} s | ${(after.cpuSeconds - before.cpuSeconds).toFixed(0)} s | ` +
      `${after.peakMiB.toFixed(0)} MiB | ${result.width}×${result.height}, ${(result.data.length / 2 ** 20).toFixed(1)} MiB | ` +
      `${result.notice ?? '–'} | ${load.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} |`
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
  }
}

/** Runs every case in turn, prints each row to stderr as it comes and the markdown table at the end. */
export async function benchConverterProcess({
  main,
  input,
  cases,
  title,
}: ProcessBenchOptions): Promise<void> {
  const rows = [
    '| params | wall | CPU | peak RSS | result | notice | load average |',
    '| --- | ---: | ---: | ---: | --- | --- | --- |',
  ];
  for (const params of cases) {
    rows.push(await measure(main, input, params));
    process.stderr.write(`${rows.at(-1)}\n`);
  }
  process.stdout.write(`## ${title}\n\n${rows.join('\n')}\n`);
}
