/**
 * The Docker build context as `docker build .` sends it, and what the services' code imports, for
 * the image checks (scripts/check-docker.ts, scripts/docker-context.test.ts and
 * launcher/src/services.test.ts). One reading of .dockerignore: @balena/dockerignore, a port of
 * Docker's own matcher (`abc` is only ./abc, `**` spans folders, a matched folder takes its files).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import dockerignoreModule, { type Ignore } from '@balena/dockerignore';

/** The repository's root, where `docker build .` runs. */
export const root = fileURLToPath(new URL('../', import.meta.url));

// A CommonJS module whose types declare an ES default export: `.default` is the same function.
const ignore = dockerignoreModule.default;

/** .dockerignore's rules, matched as Docker matches them. */
export const dockerignore = (): Ignore => ignore().add(readFileSync(join(root, '.dockerignore'), 'utf8'));

/**
 * The repository's files, relative to its root: those git tracks and the new ones it does not
 * ignore (what a clean checkout would hold once they are committed).
 */
export function repositoryFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
    .split('\0')
    .filter((file) => file && existsSync(join(root, file)));
}

/** The files `docker build .` sends: the repository's less what .dockerignore leaves out. */
export const buildContext = (files = repositoryFiles()): string[] => dockerignore().filter(files);

const code = /\.(?:[cm]?[jt]s|tsx)$/;
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/**
 * Whether a file is test code by the convention written at the top of .dockerignore: in a
 * `testing/` folder, a test or a reusable suite by its name, or a module that imports vitest.
 */
export function isTestCode(file: string): boolean {
  if (/(?:^|\/)testing\/|\.test\.tsx?$|\.suite\.ts$/.test(file)) return true;
  return code.test(file) && specifiersOf(read(file)).some((s) => s === 'vitest' || s.startsWith('vitest/'));
}

// Static imports and re-exports, dynamic imports and requires of a literal, and the files a module
// finds beside itself (`new URL('./worker.ts', import.meta.url)`: workers, schemas).
const patterns = [
  /^\s*(?:import|export)\s(?:[\w*{}\s,$]*?from\s*)?['"]([^'"]+)['"]/gm,
  /\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\bnew URL\(\s*['"`]([^'"`$]+)['"`]\s*,\s*import\.meta\.url\s*\)/g,
];

/** The module specifiers and `import.meta.url`-relative paths a module's text names. */
export const specifiersOf = (text: string): string[] =>
  patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]!));

interface WorkspacePackage {
  dir: string;
  exports: Record<string, string | { import?: string; default?: string }>;
}

/** The workspace's packages by name, from every package.json of the repository. */
export function workspacePackages(files = repositoryFiles()): Map<string, WorkspacePackage> {
  const packages = new Map<string, WorkspacePackage>();
  for (const file of files.filter((f) => f === 'package.json' || f.endsWith('/package.json'))) {
    const manifest = JSON.parse(read(file)) as { name?: string; exports?: WorkspacePackage['exports'] };
    if (manifest.name) packages.set(manifest.name, { dir: dirname(file), exports: manifest.exports ?? {} });
  }
  return packages;
}

/** The file a package's export (`.`, `./testing`) points at. */
const exportedFile = ({ dir, exports }: WorkspacePackage, subpath: string): string | undefined => {
  const target = exports[subpath];
  const path = typeof target === 'string' ? target : (target?.import ?? target?.default);
  return path === undefined ? undefined : join(dir, path);
};

/** Every file a workspace package exports. */
export const exportedFiles = (files = repositoryFiles()): string[] =>
  [...workspacePackages(files).values()].flatMap((workspace) =>
    Object.keys(workspace.exports).flatMap((subpath) => exportedFile(workspace, subpath) ?? []),
  );

/**
 * Every file of the repository that `entries` need at run time, themselves included: what they
 * import, transitively, by relative path or from a workspace package (with that package's
 * package.json), and the files they open beside themselves. Packages from the registry are left
 * out: the image installs them.
 */
export function importClosure(entries: readonly string[], files = repositoryFiles()): string[] {
  const packages = workspacePackages(files);
  const resolve = (from: string, specifier: string): string[] => {
    if (specifier.startsWith('.')) return [normalize(join(dirname(from), specifier))];
    const [scope, name, ...rest] = specifier.split('/');
    const workspace = packages.get(scope!.startsWith('@') ? `${scope}/${name}` : scope!);
    if (!workspace) return [];
    const subpath = ['.', ...(scope!.startsWith('@') ? rest : [name, ...rest].filter(Boolean))].join('/');
    const manifest = join(workspace.dir, 'package.json');
    // An export that does not exist is as missing as a file: named so, it is in no context.
    return [manifest, exportedFile(workspace, subpath) ?? `${specifier} (no such export in ${manifest})`];
  };
  const needed = new Set<string>();
  const pending = [...entries];
  while (pending.length > 0) {
    const file = normalize(pending.pop()!);
    if (needed.has(file)) continue;
    needed.add(file);
    if (!code.test(file) || !existsSync(join(root, file))) continue;
    for (const specifier of specifiersOf(read(file))) pending.push(...resolve(file, specifier));
  }
  return [...needed].sort();
}
