import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import util from 'node:util';
import * as tf from '@tensorflow/tfjs-core';

/** The backends TensorFlow.js can run on here, best first. */
export type BackendKind = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';

export interface BackendOptions {
  /**
   * The backends to try, in order; the first that starts wins. E.g. `['wasm', 'cpu']` to measure
   * wasm where tfjs-node is built. Without an NVIDIA device, tfjs-node-gpu is tried after
   * tfjs-node (see byDevice).
   * @default TFJS_BACKENDS, else ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']
   */
  candidates?: readonly BackendKind[];
  /**
   * Threads of the wasm backend's XNNPACK pool. More than 1 runs its threaded SIMD build (as
   * worker threads, see startThreadedWasm), falling back to the single-threaded build when that
   * fails; the threaded build takes at most 4. With several converter workers in one process,
   * give each its share of the cores.
   * @default Math.min(4, os.availableParallelism())
   */
  wasmThreads?: number;
}

export interface BackendChoice {
  kind: BackendKind;
  /** The TensorFlow.js backend's own name: tensorflow, wasm or cpu. */
  tfBackend: string;
  /** Threads the backend computes with, where it says (wasm); otherwise undefined. */
  threads?: number;
  /**
   * For logs and /describe: e.g. "wasm (simd, 2 threads)", "tfjs-node", "tfjs-node-gpu", or
   * "tfjs-node-gpu (no GPU)" where it runs on the CPU.
   */
  label: string;
}

const ALL_KINDS: readonly BackendKind[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

/**
 * The candidates unless the caller names them: TFJS_BACKENDS (e.g. `wasm,cpu`, to run on
 * WebAssembly where native TensorFlow is built, or to measure one against the other), else all,
 * best first. Read where the choice is made: a worker thread sees its process's environment.
 */
function defaultCandidates(): readonly BackendKind[] {
  const listed = process.env.TFJS_BACKENDS?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (!listed?.length) return ALL_KINDS;
  const unknown = listed.filter((name) => !ALL_KINDS.includes(name as BackendKind));
  if (unknown.length > 0) {
    throw new Error(`TFJS_BACKENDS: unknown backend ${unknown.join(', ')} (known: ${ALL_KINDS.join(', ')})`);
  }
  return listed as BackendKind[];
}
/** The threaded build's XNNPACK pool takes at most 4 threads. */
const MAX_WASM_THREADS = 4;

let chosen: Promise<BackendChoice> | undefined;

/**
 * Picks the best TensorFlow.js backend that starts here and makes it the current one, once per
 * thread (later calls get the first answer, whatever their options; a failure is not kept):
 * tfjs-node-gpu (where an NVIDIA device is present), tfjs-node, tfjs-node-gpu on the CPU (no
 * device), wasm (threaded SIMD build when threads are asked for, else single-threaded), cpu.
 *
 * tfjs-node and tfjs-node-gpu are dependencies of this package whose addons only its setup builds
 * (`pnpm setup:tensorflow [--gpu]`, ./setup): where one is not built, its import fails and the
 * next candidate is tried. They are imported from here, and are the version of
 * @tensorflow/tfjs-core here.
 */
export function selectBackend(options: BackendOptions = {}): Promise<BackendChoice> {
  chosen ??= choose(options).catch((error: unknown) => {
    chosen = undefined;
    throw error;
  });
  return chosen;
}

async function choose(options: BackendOptions): Promise<BackendChoice> {
  const {
    candidates = defaultCandidates(),
    wasmThreads = Math.min(MAX_WASM_THREADS, os.availableParallelism()),
  } = options;
  for (const kind of byDevice(candidates)) {
    const choice = await start(kind, wasmThreads);
    if (choice) return choice;
  }
  throw new Error(`no TensorFlow.js backend could start (tried ${candidates.join(', ')})`);
}

/**
 * The candidates in the order to try them here: without an NVIDIA device tfjs-node-gpu runs on the
 * CPU, as tfjs-node does, only slower to load, so it comes after tfjs-node. It still comes before
 * wasm: in the GPU image (tfjs-node not built) on a node without a GPU it is native TensorFlow.
 */
export function byDevice(candidates: readonly BackendKind[], gpu = gpuPresent()): readonly BackendKind[] {
  const gpuAt = candidates.indexOf('tfjs-node-gpu');
  const cpuAt = candidates.indexOf('tfjs-node');
  if (gpu || gpuAt < 0 || cpuAt < 0 || gpuAt > cpuAt) return candidates;
  const rest = candidates.filter((kind) => kind !== 'tfjs-node-gpu');
  const after = rest.indexOf('tfjs-node') + 1;
  return [...rest.slice(0, after), 'tfjs-node-gpu', ...rest.slice(after)];
}

async function start(kind: BackendKind, wasmThreads: number): Promise<BackendChoice | undefined> {
  switch (kind) {
    case 'tfjs-node-gpu':
      if (!(await startNative('@tensorflow/tfjs-node-gpu'))) return undefined;
      return { kind, tfBackend: 'tensorflow', label: gpuPresent() ? kind : `${kind} (no GPU)` };
    case 'tfjs-node':
      if (!(await startNative('@tensorflow/tfjs-node'))) return undefined;
      return { kind, tfBackend: 'tensorflow', label: kind };
    case 'wasm':
      return startWasm(wasmThreads);
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      if (!(await tf.setBackend('cpu'))) return undefined;
      return { kind, tfBackend: 'cpu', label: kind };
  }
}

/**
 * An NVIDIA device node (as a container runtime provides it; /dev/dxg under WSL2) or driver
 * entry. tfjs-node-gpu without one runs on the CPU (TensorFlow's cuInit fails and it falls back),
 * only slower to load than tfjs-node.
 */
export function gpuPresent(): boolean {
  if (['/dev/nvidiactl', '/dev/nvidia0', '/dev/dxg'].some((path) => existsSync(path))) return true;
  try {
    return readdirSync('/proc/driver/nvidia/gpus').length > 0;
  } catch {
    return false;
  }
}

/**
 * tfjs-node 4.22's JavaScript calls `util.isNullOrUndefined` and `util.isArray`: Node 23 removed
 * the first (its first op would throw "isNullOrUndefined is not a function") and warns on the
 * second. Both are set, with their old meaning, before it loads; `util` is the one module object
 * every importer shares.
 */
function restoreNodeUtil(): void {
  const legacy = util as unknown as Record<string, unknown>;
  legacy.isNullOrUndefined ??= (value: unknown) => value === null || value === undefined;
  // Still there in Node 24, but deprecated at run time: each process would warn (DEP0044).
  legacy.isArray = Array.isArray;
}

async function startNative(specifier: string): Promise<boolean> {
  restoreNodeUtil();
  // Its info lines (CPU features, oneDNN) are no news; on a worker thread this changes nothing,
  // and the converter kit sets it on the thread that starts the workers.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  try {
    // Through a variable, so that neither TypeScript nor a bundler insists that it is installed.
    await import(specifier);
  } catch {
    return false;
  }
  // Both register their native backend as 'tensorflow' in the engine that every tfjs-core copy of
  // the thread shares (globalThis._tfengine), their own copy included. Checked all the same, since
  // setBackend throws for a name it lacks: where a tfjs-core copy of another version keeps its
  // engine elsewhere, the next candidate is tried instead.
  if (!tf.findBackendFactory('tensorflow')) return false;
  return tf.setBackend('tensorflow');
}

let wasmPathsSet = false;

async function startWasm(threads: number): Promise<BackendChoice | undefined> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch {
    return undefined;
  }
  if (!wasmPathsSet) {
    // The .wasm binaries ship beside the package's Node entry (dist/); Emscripten reads them with
    // fs. Once: setWasmPaths throws after an initialisation that failed.
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(join(dirname(entry), '/'));
    wasmPathsSet = true;
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const pool = Math.min(MAX_WASM_THREADS, Math.floor(threads));
  let started = false;
  // The threaded build needs SIMD too.
  if (pool > 1 && simd) started = await startThreadedWasm(pool, wasm);
  if (!started) {
    // A failed initialisation leaves the factory registered: setBackend runs it again.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setThreadsCount(1);
    started = await setBackendWithoutListeners('wasm');
  }
  if (!started) return undefined;
  const actual = wasm.getThreadsCount();
  const label = `wasm (${simd ? 'simd' : 'no simd'}, ${actual} thread${actual === 1 ? '' : 's'})`;
  return { kind: 'wasm', tfBackend: 'wasm', threads: actual, label };
}

/**
 * Starts the threaded wasm build in Node, which tfjs-backend-wasm 4.22 refuses to (its flag
 * WASM_HAS_MULTITHREAD_SUPPORT is false under Node, tensorflow/tfjs#3830) and which fails there as
 * shipped, for three reasons that are worked around here, for the duration of the initialisation
 * only:
 * - its pthread workers are Blob URLs, which Node's Worker does not load (ERR_WORKER_PATH): the
 *   Blob's URL becomes wasm-pthread-worker.cjs, which runs the same worker script (Emscripten's,
 *   Node-aware);
 * - the worker loads the main script from a Blob too, whose source refers to the bundle's
 *   `require$$N` helpers that a worker does not have: that file loads it from the package instead;
 * - the XNNPACK pool is created with `emscripten_num_logical_cores() / 2` threads (capped at 4)
 *   before setThreadsCount takes effect, and that is os.cpus().length in Node (1 thread on 2
 *   cores): it is made to return twice the threads wanted.
 * Measured on 2 cores: about 1.8× faster with 2 threads than the single-threaded SIMD build.
 */
async function startThreadedWasm(
  threads: number,
  wasm: typeof import('@tensorflow/tfjs-backend-wasm'),
): Promise<boolean> {
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  const worker = fileURLToPath(new URL('./wasm-pthread-worker.cjs', import.meta.url));
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  URL.createObjectURL = (blob) =>
    blob instanceof Blob && blob.type === 'application/javascript' ? worker : createObjectURL(blob);
  const real = cpus();
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]!);
  try {
    return await setBackendWithoutListeners('wasm');
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
}

/**
 * Starts a backend, then takes away the process listeners that the wasm backend's Emscripten glue
 * adds: an `uncaughtException` and an `unhandledRejection` handler that rethrow, which would take
 * error handling away from the host (the converter kit's worker, a test runner) and blame every
 * crash on it. A failure to start is false, as a factory's rejection is to setBackend.
 */
async function setBackendWithoutListeners(name: string): Promise<boolean> {
  const events = ['uncaughtException', 'unhandledRejection'] as const;
  type Listener = (...args: unknown[]) => void;
  // One signature for both events (process.listeners has one overload per event).
  const listeners = (event: string): Listener[] =>
    (process.listeners as (event: string) => Listener[]).call(process, event);
  const before = new Map(events.map((event) => [event, new Set(listeners(event))]));
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  } finally {
    for (const event of events) {
      for (const listener of listeners(event)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
      }
    }
  }
}
