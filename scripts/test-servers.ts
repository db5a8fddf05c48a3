/**
 * Throwaway PostgreSQL and Redis servers on free local ports, for the int and e2e tiers and for
 * `pnpm cluster`. Installs Debian's packages (and Chromium, for the browser tests, and Python with
 * Pillow, for the converter in Python) where missing.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../launcher/src/cluster.ts';

export const has = (command: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/** Debian's PostgreSQL binaries live outside PATH, under /usr/lib/postgresql/<major>/bin. */
function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : undefined;
}

export function asRoot(args: string[]): void {
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const [command, ...rest] = [...sudo, ...args];
  execFileSync(command!, rest, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/**
 * A Python 3 that imports Pillow, for converters/python-pillow. Debian's python3-pil serves Debian's
 * /usr/bin/python3 only, which another python3 (pyenv, a venv) may hide on the PATH.
 */
export function pythonWithPillow(): string | undefined {
  return ['python3', '/usr/bin/python3'].find(
    (python) => spawnSync(python, ['-c', 'import PIL']).status === 0,
  );
}

/** Whether `python3 -m pip` runs (Debian's python3 has no pip without python3-pip). */
function pythonHasPip(): boolean {
  return spawnSync('python3', ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Installs what is missing from Debian's packages: PostgreSQL, Redis, Python with Pillow,
 * Chromium, and pip, make and g++ for native TensorFlow.
 */
export function ensurePackages({ chromium = true }: { chromium?: boolean } = {}): void {
  const missing = [
    ...(postgresBin() ? [] : ['postgresql']),
    ...(has('redis-server') ? [] : ['redis-server']),
    ...(pythonWithPillow() ? [] : ['python3', 'python3-pil']),
    ...(chromium && !has('chromium') ? ['chromium'] : []),
    // Native TensorFlow's addon (packages/tfjs-backend/setup): the wheel with pip, the build
    // with node-gyp.
    ...(pythonHasPip() ? [] : ['python3-pip']),
    ...(has('make') ? [] : ['make']),
    ...(has('g++') ? [] : ['g++']),
  ];
  if (missing.length === 0) return;
  process.stdout.write(`installing ${missing.join(', ')} from Debian's packages\n`);
  asRoot(['apt-get', 'update', '-qq']);
  asRoot(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing]);
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs} ms`);
    await sleep(100);
  }
}

export interface TestServers {
  redisUrl: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

export async function startTestServers(): Promise<TestServers> {
  const dir = mkdtempSync(join(tmpdir(), 'pixelflow-servers-'));
  chmodSync(dir, 0o755);
  const stops: Array<() => void> = [];
  const stop = async () => {
    for (const fn of stops.reverse()) {
      try {
        fn();
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const redisPort = await freePort();
    const redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    stops.push(() => redis.kill('SIGTERM'));
    await waitFor(
      () =>
        spawnSync('redis-cli', ['-p', String(redisPort), 'ping'])
          .stdout?.toString()
          .trim() === 'PONG',
      'redis-server',
    );

    const bin = postgresBin();
    if (!bin) throw new Error('PostgreSQL is not installed');
    const pgPort = await freePort();
    const data = join(dir, 'pg');
    mkdirSync(data);
    // PostgreSQL refuses to run as root; Debian's package made a postgres user for it.
    const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
    if (asUser.length > 0) execFileSync('chown', ['-R', 'postgres', dir]);
    const run = (command: string, args: string[]) => {
      const [first, ...rest] = [...asUser, command, ...args];
      return { first: first!, rest };
    };
    const initdb = run(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    execFileSync(initdb.first, initdb.rest, { stdio: 'ignore' });
    const postgres = run(join(bin, 'postgres'), [
      '-D',
      data,
      '-p',
      String(pgPort),
      '-h',
      '127.0.0.1',
      '-k',
      dir,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ]);
    const pg = spawn(postgres.first, postgres.rest, { stdio: 'ignore' });
    stops.push(() => pg.kill('SIGINT'));
    await waitFor(
      () => spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(pgPort)]).status === 0,
      'postgres',
    );
    return {
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      databaseUrl: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
