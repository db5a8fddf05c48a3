/** Small helpers of scripts/cluster: running commands, logging, waiting. */
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

export const seconds = (startedMs: number): string => `${((Date.now() - startedMs) / 1000).toFixed(1)} s`;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command and returns its exit code and output; throws only when it cannot start. */
export function run(command: string, args: string[], options: SpawnSyncOptions = {}): RunResult {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  return {
    code: result.status ?? 1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
  };
}

/** Runs a command that must succeed; its output on failure goes into the error. */
export function must(command: string, args: string[], options: SpawnSyncOptions = {}): string {
  const result = run(command, args, options);
  if (result.code !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().slice(-4000);
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}\n${output}`);
  }
  return result.stdout;
}

export const has = (command: string): boolean => run('sh', ['-c', `command -v ${command}`]).code === 0;

/** Polls `check` until it returns a value other than false/undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | false | undefined | Promise<T | false | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(intervalMs);
  }
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the local Kubernetes cluster needs root (network namespaces, mounts, cgroups): run it as root',
    );
  }
}
