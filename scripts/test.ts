/**
 * The whole test suite, as the README and CI run it (`pnpm test`): installs PostgreSQL, Redis and
 * Chromium from Debian's packages where missing, starts throwaway servers on free local ports,
 * builds the OpenTelemetry Collector the trace tests send to (Go, cached), runs the static checks
 * (types, lint, generated-code drift, the Helm chart) and every vitest tier,
 * and stops the servers. A full run then runs the cluster tier too (scripts/cluster-tier.ts: the
 * chart on a real single-node Kubernetes cluster), whose builds run in the background meanwhile;
 * CLUSTER_TIER=0 leaves it out.
 * Arguments go to vitest alone, e.g. `pnpm test --project e2e`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNativeTensorflow } from '../packages/tfjs-backend/setup/native-tensorflow.ts';
import { ensurePackages, startTestServers } from './test-servers.ts';

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const vitestArgs = process.argv.slice(2);
const checks: Array<[string, string[]]> = [
  ['tsc', ['-p', 'tsconfig.json']],
  ['tsc', ['-p', 'web']],
  ['biome', ['check', '.']],
  ['node', ['scripts/check-drift.ts', 'compose']],
  ['node', ['scripts/check-drift.ts', 'codegen']],
  // Lints, renders and validates the Helm chart (installs helm and kubeconform with Go once).
  ['node', ['scripts/check-helm.ts']],
  // Lints the Dockerfile and checks its stages and sources (there is no Docker engine to build it).
  ['node', ['scripts/check-docker.ts']],
];

const full = vitestArgs.length === 0;
const withCluster = full && process.env.CLUSTER_TIER !== '0';
const prepareLog = join(import.meta.dirname, '..', '.test-env', 'cluster-prepare.log');

/**
 * The cluster tier's builds (Kubernetes and CoreDNS with Go, the images with Docker: about 25 min
 * on a cold 2-core machine), started now at nice 19 so that they take only the CPU the other
 * tiers leave idle; dockerd, started by them, keeps that priority. Its output goes to a log.
 */
function startPrepare(): ChildProcess {
  mkdirSync(join(prepareLog, '..'), { recursive: true });
  const out = openSync(prepareLog, 'w');
  return spawn('nice', ['-n', '19', process.execPath, 'scripts/cluster-tier.ts', '--prepare'], {
    stdio: ['ignore', out, out],
    detached: true,
  });
}

function stopPrepare(child: ChildProcess | undefined): void {
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Gone already.
    }
  }
}

ensurePackages();
// The AI converters' tests run on what `pnpm start` runs: native TensorFlow where it builds (the
// wasm fallback has tests of its own), else wasm, which the tests expect then.
ensureNativeTensorflow('cpu');
// The OpenTelemetry Collector the trace tests send to, built with Go while the static checks run
// (about 4 min on a cold 2-core machine; nothing once built).
const collector = run(process.execPath, ['packages/testing/src/otel-collector.ts', '--build']);
const prepare = withCluster ? startPrepare() : undefined;
const prepared =
  prepare && new Promise<number>((resolve) => prepare.once('exit', (status) => resolve(status ?? 1)));
if (full) {
  for (const [command, args] of checks) {
    process.stdout.write(`\n> ${command} ${args.join(' ')}\n`);
    const code = await run(command, args);
    if (code !== 0) {
      stopPrepare(prepare);
      process.exit(code);
    }
  }
}

if ((await collector) !== 0) {
  stopPrepare(prepare);
  process.exit(1);
}
const servers = await startTestServers();
process.stdout.write(`\ntest servers: ${servers.redisUrl} ${servers.databaseUrl}\n`);
let code = 1;
const stop = async () => {
  stopPrepare(prepare);
  await servers.stop();
};
process.on('SIGINT', () => void stop().then(() => process.exit(130)));
process.on('SIGTERM', () => void stop().then(() => process.exit(143)));
try {
  code = await run('vitest', ['run', ...vitestArgs], {
    ...process.env,
    REDIS_URL: servers.redisUrl,
    DATABASE_URL: servers.databaseUrl,
  });
} finally {
  await servers.stop();
}
if (prepared && code === 0) {
  process.stdout.write(`\nthe cluster tier's builds (log: ${prepareLog})…\n`);
  const started = Date.now();
  const status = await prepared;
  const tail = readFileSync(prepareLog, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
  process.stdout.write(
    `${tail}\n… built ${status === 0 ? 'completely' : `with exit code ${status} (the tier builds what is missing)`}, ${((Date.now() - started) / 1000).toFixed(0)} s after the other tiers\n`,
  );
  code = await run(process.execPath, ['scripts/cluster-tier.ts']);
}
stopPrepare(prepare);
process.exit(code);
