import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { embeddedEnv, embeddedNodeFlags } from '@pixelflow/launcher/runtime';

const root = resolve(import.meta.dirname, '../..');

export interface EmbeddedProcess {
  url: string;
  child: ChildProcess;
  /** The exit code (or signal name) once the process ended. */
  exited: Promise<number | string>;
}

/**
 * `pnpm start` as its own process, as the package script runs it, on the given port and data
 * directory (so that a test can stop it and start it again on the same state). Resolves once it
 * is ready.
 */
export async function startEmbedded(options: {
  port: number;
  dataDir: string;
  env?: Record<string, string>;
}): Promise<EmbeddedProcess> {
  const child = spawn(process.execPath, [...embeddedNodeFlags, join(root, 'launcher/src/embedded.ts')], {
    cwd: root,
    env: {
      ...process.env,
      ...embeddedEnv,
      PORT: String(options.port),
      DATA_DIR: options.dataDir,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the embedded process exited (${child.exitCode}) while starting`);
    let answer: { service?: unknown } | undefined;
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.status === 200) answer = (await response.json()) as { service?: unknown };
    } catch {
      // not listening yet
    }
    // Another process on the port (it was free when chosen) must not pass for this one.
    if (answer?.service === 'gateway') break;
    if (answer) throw new Error(`${url} answers as ${String(answer.service)}, not as the gateway`);
    if (Date.now() > deadline) throw new Error('the embedded process did not start within 60 s');
    await sleep(100);
  }
  return { url, child, exited };
}
