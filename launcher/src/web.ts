/**
 * The web app's build for `pnpm start` and `pnpm cluster`: built on first start and again whenever
 * its sources changed since the last build, so that the two README commands are all a user runs.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const webRoot = join(root, 'web');
export const webDist = join(webRoot, 'dist');
const stampFile = join(webDist, '.source-hash');

/** A hash of everything the build reads: sources, HTML entries, configs and the lockfile. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (['node_modules', 'dist'].includes(entry.name) || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(relative(webRoot, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  walk(webRoot);
  hash.update(readFileSync(join(root, 'pnpm-lock.yaml')));
  // Bump when the way of building changes, so that older builds are made again.
  hash.update('build 2: NODE_ENV=production');
  return hash.digest('hex');
}

/**
 * Builds web/dist unless it is up to date; returns its path, or undefined (after saying why on
 * stderr) when there is no web app to serve, so that the API still starts.
 */
export function ensureWebApp(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {
  if (!existsSync(join(webRoot, 'package.json'))) return undefined;
  const hash = sourceHash();
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) return webDist;
  log('building the web app (web/dist) …');
  const started = Date.now();
  let vite: string;
  try {
    vite = join(createRequire(join(webRoot, 'package.json')).resolve('vite/package.json'), '../bin/vite.js');
  } catch {
    log(
      'the web app cannot be built here (Vite is not installed; pnpm install brings it); serving the API only',
    );
    return undefined;
  }
  const build = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: webRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
    // Vite builds React's development flavour when NODE_ENV says so (vitest sets it to "test").
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (build.status !== 0) {
    log('the web app did not build; serving the API only');
    return undefined;
  }
  writeFileSync(stampFile, hash);
  log(`web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return webDist;
}
