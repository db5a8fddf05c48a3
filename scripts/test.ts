/**
 * The whole test suite, as the README and CI run it (`pnpm test`): installs PostgreSQL, Redis and
 * Chromium from Debian's packages where missing, starts throwaway servers on free local ports,
 * runs the static checks (types, lint, generated-code drift, the Helm chart) and every test tier, then stops the
 * servers. Arguments go to vitest, e.g. `pnpm test --project e2e`.
 */
import { spawn } from 'node:child_process';
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

ensurePackages();
// The AI converters' tests run on what `pnpm start` runs: native TensorFlow where it builds (the
// wasm fallback has tests of its own), else wasm, which the tests expect then.
ensureNativeTensorflow('cpu');
if (vitestArgs.length === 0) {
  for (const [command, args] of checks) {
    process.stdout.write(`\n> ${command} ${args.join(' ')}\n`);
    const code = await run(command, args);
    if (code !== 0) process.exit(code);
  }
}

const servers = await startTestServers();
process.stdout.write(`\ntest servers: ${servers.redisUrl} ${servers.databaseUrl}\n`);
let code = 1;
const stop = async () => {
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
  await stop();
}
process.exit(code);
