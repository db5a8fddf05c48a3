/**
 * What the cluster is made of, made once and cached: Debian's packages (containerd, runc, etcd, CNI
 * plugins, iptables…), the Kubernetes binaries and CoreDNS built from the Go module proxy, helm, and
 * the local images (the pod sandbox "pause" image and a busybox image for the smoke check).
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  busyboxImage,
  cachePaths,
  corednsVersion,
  helmVersion,
  kubernetesVersion,
  pauseImage,
  testEnvBin,
} from './config.ts';
import { has, log, must, run, seconds } from './util.ts';

// --- Debian's packages ------------------------------------------------------------------------------

/** Debian package → a file it installs (present = installed). */
const packages: Record<string, string> = {
  containerd: '/usr/bin/containerd',
  runc: '/usr/sbin/runc',
  'etcd-server': '/usr/bin/etcd',
  'containernetworking-plugins': '/usr/lib/cni/bridge',
  iptables: '/usr/sbin/iptables',
  conntrack: '/usr/sbin/conntrack',
  socat: '/usr/bin/socat',
  'busybox-static': '/bin/busybox',
  openssl: '/usr/bin/openssl',
  iproute2: '/usr/sbin/ip',
  'util-linux': '/usr/bin/nsenter',
  gcc: '/usr/bin/gcc',
  'libc6-dev': '/usr/lib/x86_64-linux-gnu/libc.a',
};

/** dpkg-query's format: the package's status field. */
const statusFormat = ['-f=$', '{Status}'].join('');
const installed = (pkg: string): boolean =>
  run('dpkg-query', ['-W', statusFormat, pkg]).stdout.includes('install ok installed');

export function ensurePackages(): void {
  const missing = Object.entries(packages)
    .filter(([pkg, file]) => !existsSync(file) || !installed(pkg))
    .map(([pkg]) => pkg);
  if (missing.length === 0) return;
  const started = Date.now();
  log(`installing ${missing.join(', ')} from Debian's packages…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  // Quiet unless it fails (must() puts the output into the error then).
  must('apt-get', [...lock, 'update', '-qq'], { env });
  must('apt-get', [...lock, 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  log(`  installed in ${seconds(started)}`);
}

// --- Go builds --------------------------------------------------------------------------------------

export const kubernetesBinaries = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubelet',
  'kube-proxy',
  'kubectl',
] as const;

function goEnv(): NodeJS.ProcessEnv {
  const paths = cachePaths();
  return {
    ...process.env,
    GOCACHE: paths.gocache,
    GOMODCACHE: paths.gomodcache,
    GOFLAGS: '-mod=mod -buildvcs=false',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
}

/** The module version a Go binary was built from, or null when it is missing. */
function builtVersion(path: string): string | null {
  if (!existsSync(path)) return null;
  const info = run('go', ['version', '-m', path]).stdout;
  return /^\s*mod\s+\S+\s+(\S+)/m.exec(info)?.[1] ?? null;
}

/** The version each Kubernetes binary reports, baked in with -ldflags. */
function versionLdflags(): string {
  const [major, minor] = kubernetesVersion.split('.');
  const vars = {
    gitVersion: `v${kubernetesVersion}`,
    gitMajor: major!,
    gitMinor: minor!,
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
  };
  const flags = ['-s', '-w'];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    for (const [name, value] of Object.entries(vars)) flags.push(`-X ${pkg}.${name}=${value}`);
  }
  return flags.join(' ');
}

/**
 * `go install k8s.io/kubernetes/cmd/...@v1.34.4` is refused (the module replaces its staging modules
 * with ./staging/...). A wrapper module requires k8s.io/kubernetes and replaces each staging module
 * with its published v0.<minor>.<patch>.
 */
export function writeWrapperModule(): string {
  const paths = cachePaths();
  mkdirSync(paths.wrapper, { recursive: true });
  const download = JSON.parse(
    must('go', ['mod', 'download', '-json', `k8s.io/kubernetes@v${kubernetesVersion}`], {
      cwd: paths.wrapper,
      env: goEnv(),
    }),
  ) as { GoMod?: string; Error?: string };
  if (!download.GoMod) throw new Error(`k8s.io/kubernetes@v${kubernetesVersion}: ${download.Error}`);
  const staging = [
    ...readFileSync(download.GoMod, 'utf8').matchAll(/^\s*(k8s\.io\/\S+)\s+=>\s+\.\/staging\//gm),
  ]
    .map((match) => match[1]!)
    .sort();
  const published = `v0.${kubernetesVersion.split('.').slice(1).join('.')}`;
  const goMod = [
    'module pixelflow.local/kubernetes-build',
    '',
    'go 1.24.0',
    '',
    `require k8s.io/kubernetes v${kubernetesVersion}`,
    '',
    'replace (',
    ...staging.map((module) => `\t${module} => ${module} ${published}`),
    ')',
    '',
  ].join('\n');
  const file = join(paths.wrapper, 'go.mod');
  if (!existsSync(file) || readFileSync(file, 'utf8') !== goMod) {
    writeFileSync(file, goMod);
    rmSync(join(paths.wrapper, 'go.sum'), { force: true });
  }
  return paths.wrapper;
}

export function ensureGo(): void {
  if (!has('go')) throw new Error('Go is needed to build Kubernetes, CoreDNS and helm: put `go` on PATH');
}

/** kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy and kubectl. */
export function ensureKubernetes(): void {
  const paths = cachePaths();
  const stampFile = join(paths.bin, '.kubernetes');
  const stamp = `k8s.io/kubernetes@v${kubernetesVersion} ${versionLdflags()}\n`;
  const complete = kubernetesBinaries.every((name) => existsSync(join(paths.bin, name)));
  if (complete && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  ensureGo();
  mkdirSync(paths.bin, { recursive: true });
  const started = Date.now();
  log(`building Kubernetes v${kubernetesVersion} (${kubernetesBinaries.join(', ')})…`);
  log('  10–15 min the first time on 2 cores (measured: 630 s); seconds with Go’s cache kept');
  const wrapper = writeWrapperModule();
  must(
    'go',
    [
      'build',
      '-trimpath',
      '-ldflags',
      versionLdflags(),
      '-o',
      `${paths.bin}/`,
      ...kubernetesBinaries.map((name) => `k8s.io/kubernetes/cmd/${name}`),
    ],
    { cwd: wrapper, env: goEnv(), stdio: ['ignore', 'inherit', 'pipe'] },
  );
  writeFileSync(stampFile, stamp);
  log(`  built in ${seconds(started)}`);
}

/**
 * The plugins the cluster's Corefile uses (scripts/cluster/k8s.ts). CoreDNS's own main imports all
 * of its plugins, with the cloud providers' SDKs: 230 s to build on 2 cores. This one imports these.
 */
export const corednsPlugins = ['bind', 'cache', 'errors', 'health', 'kubernetes', 'ready', 'template'];

/**
 * CoreDNS with only `corednsPlugins`, in a module of its own whose every dependency that the
 * Kubernetes build has too is replaced by the version Kubernetes was built with (client-go, gRPC,
 * protobuf…): Go's cache then already holds them, and the build compiles CoreDNS's own packages
 * only (about 60 s instead of 230 s after a cold Kubernetes build).
 */
export function ensureCoredns(): void {
  const paths = cachePaths();
  const binary = join(paths.bin, 'coredns');
  const stampFile = join(paths.bin, '.coredns');
  const stamp = `github.com/coredns/coredns@${corednsVersion} ${corednsPlugins.join(',')} k8s.io/kubernetes@v${kubernetesVersion}\n`;
  if (existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  ensureGo();
  const started = Date.now();
  log(`building CoreDNS ${corednsVersion} with the plugins ${corednsPlugins.join(', ')}…`);
  const module = join(paths.dir, 'coredns');
  mkdirSync(module, { recursive: true });
  writeFileSync(
    join(module, 'main.go'),
    [
      "// CoreDNS with only the plugins the cluster's Corefile uses (generated by scripts/cluster/build.ts).",
      'package main',
      '',
      'import (',
      '\t"github.com/coredns/coredns/coremain"',
      ...corednsPlugins.map((plugin) => `\t_ "github.com/coredns/coredns/plugin/${plugin}"`),
      ')',
      '',
      'func main() { coremain.Run() }',
      '',
    ].join('\n'),
  );
  const head = `module pixelflow.local/coredns\n\ngo 1.24.0\n\nrequire github.com/coredns/coredns ${corednsVersion}\n`;
  writeFileSync(join(module, 'go.mod'), head);
  rmSync(join(module, 'go.sum'), { force: true });
  const listModules = (cwd: string) =>
    must(
      'go',
      ['list', '-m', '-f', '{{.Path}} {{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}', 'all'],
      {
        cwd,
        env: goEnv(),
      },
    )
      .split('\n')
      .map((line) => line.split(' ') as [string, string])
      .filter(([path, version]) => path && version);
  const kubernetes = new Map(listModules(writeWrapperModule()));
  const shared = listModules(module).filter(([path]) => kubernetes.has(path));
  writeFileSync(
    join(module, 'go.mod'),
    `${head}\nreplace (\n${shared.map(([path]) => `\t${path} => ${path} ${kubernetes.get(path)}`).join('\n')}\n)\n`,
  );
  must('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', binary, '.'], {
    cwd: module,
    env: goEnv(),
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  writeFileSync(stampFile, stamp);
  log(`  built in ${seconds(started)}`);
}

/** helm into .test-env/bin, where `pnpm check:helm` installs the same version. */
export function ensureHelm(): string {
  const binary = join(testEnvBin, 'helm');
  if (builtVersion(binary) === helmVersion) return binary;
  ensureGo();
  mkdirSync(testEnvBin, { recursive: true });
  const started = Date.now();
  log(`installing helm ${helmVersion} into .test-env/bin (go install)…`);
  must('go', ['install', `helm.sh/helm/v3/cmd/helm@${helmVersion}`], {
    cwd: tmpdir(),
    env: { ...process.env, GOBIN: testEnvBin, GOTOOLCHAIN: 'local' },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  log(`  installed in ${seconds(started)}`);
  return binary;
}

// --- images -----------------------------------------------------------------------------------------

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export interface OciImage {
  /** Full reference, e.g. localhost/pixelflow/pause:3.10 */
  name: string;
  /** A directory that becomes the image's only layer. */
  rootfs: string;
  /** The image configuration's "config" (Entrypoint, Cmd, Env, User…). */
  config: Record<string, unknown>;
}

/**
 * Writes an OCI image layout as a tar file (`ctr images import` reads it), with no Docker: one
 * uncompressed layer made by tar from `rootfs`, owned by root, timestamps at 0.
 */
export function writeOciImage(image: OciImage, tarFile: string): void {
  const work = mkdtempSync(join(tmpdir(), 'pixelflow-oci-'));
  try {
    const blobs = join(work, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const layerFile = join(work, 'layer.tar');
    must('tar', [
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mtime=@0',
      '-C',
      image.rootfs,
      '-cf',
      layerFile,
      '.',
    ]);
    const layer = readFileSync(layerFile);
    rmSync(layerFile);
    const layerDigest = sha256(layer);
    writeFileSync(join(blobs, layerDigest), layer);
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: image.config,
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
      history: [{ created_by: 'pixelflow scripts/cluster', created: '1970-01-01T00:00:00Z' }],
      created: '1970-01-01T00:00:00Z',
    });
    const configDigest = sha256(config);
    writeFileSync(join(blobs, configDigest), config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${configDigest}`,
        size: Buffer.byteLength(config),
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: `sha256:${layerDigest}`,
          size: layer.length,
        },
      ],
    });
    const manifestDigest = sha256(manifest);
    writeFileSync(join(blobs, manifestDigest), manifest);
    const tag = image.name.slice(image.name.lastIndexOf(':') + 1);
    writeFileSync(
      join(work, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${manifestDigest}`,
            size: Buffer.byteLength(manifest),
            platform: { architecture: 'amd64', os: 'linux' },
            annotations: {
              'io.containerd.image.name': image.name,
              'org.opencontainers.image.ref.name': tag,
            },
          },
        ],
      }),
    );
    writeFileSync(join(work, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const partial = `${tarFile}.partial`;
    must('tar', [
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '-C',
      work,
      '-cf',
      partial,
      'oci-layout',
      'index.json',
      'blobs',
    ]);
    must('mv', [partial, tarFile]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The pod sandbox: a static C program that waits for a signal and reaps children. */
const pauseSource = `#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) { (void)sig; _exit(0); }
static void reap(int sig) { (void)sig; while (waitpid(-1, NULL, WNOHANG) > 0) {} }

int main(void) {
  struct sigaction quit = {0}, child = {0};
  quit.sa_handler = stop;
  sigaction(SIGINT, &quit, NULL);
  sigaction(SIGTERM, &quit, NULL);
  child.sa_handler = reap;
  child.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &child, NULL);
  for (;;) pause();
}
`;

/** Bump to rebuild the image tarballs when what goes into them changes. */
const imageFormat = 1;

export function pauseImageTar(): string {
  return join(cachePaths().images, `pause-${imageFormat}.tar`);
}

export function busyboxImageTar(): string {
  return join(cachePaths().images, `busybox-${imageFormat}.tar`);
}

export function ensureImages(): void {
  mkdirSync(cachePaths().images, { recursive: true });
  if (!existsSync(pauseImageTar())) {
    const work = mkdtempSync(join(tmpdir(), 'pixelflow-pause-'));
    try {
      const rootfs = join(work, 'rootfs');
      mkdirSync(rootfs);
      writeFileSync(join(work, 'pause.c'), pauseSource);
      must('gcc', ['-static', '-Os', '-s', '-o', join(rootfs, 'pause'), join(work, 'pause.c')]);
      writeOciImage(
        { name: pauseImage, rootfs, config: { Entrypoint: ['/pause'], User: '65535:65535' } },
        pauseImageTar(),
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  if (!existsSync(busyboxImageTar())) {
    const work = mkdtempSync(join(tmpdir(), 'pixelflow-busybox-'));
    try {
      const rootfs = join(work, 'rootfs');
      for (const dir of ['bin', 'etc', 'tmp']) mkdirSync(join(rootfs, dir), { recursive: true });
      must('chmod', ['1777', join(rootfs, 'tmp')]);
      must('cp', ['/bin/busybox', join(rootfs, 'bin', 'busybox')]);
      const applets = must('/bin/busybox', ['--list']).split('\n').filter(Boolean);
      for (const applet of applets) {
        if (applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
      }
      writeFileSync(
        join(rootfs, 'etc', 'passwd'),
        'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n',
      );
      writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
      writeOciImage(
        { name: busyboxImage, rootfs, config: { Cmd: ['sh'], Env: ['PATH=/bin'] } },
        busyboxImageTar(),
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

/** Everything `up` needs that is built once: packages, binaries, images. */
export function ensureBuilt(): void {
  ensurePackages();
  ensureKubernetes();
  ensureCoredns();
  ensureHelm();
  ensureImages();
}
