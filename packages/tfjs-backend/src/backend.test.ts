import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { defaultBackendLabel, nativeTensorflowBuilt } from '../testing/index.ts';
import { type BackendChoice, type BackendOptions, byDevice, selectBackend } from './backend.ts';

/** Whether a tfjs-node package's addon is built (by `pnpm setup:tensorflow [--gpu]`). */
function addonBuilt(npm: string): boolean {
  const pkg = dirname(createRequire(import.meta.url).resolve(`${npm}/package.json`));
  return existsSync(join(pkg, 'lib', 'napi-v8', 'tfjs_binding.node'));
}

// Resolved from here: a worker's own resolution starts at the working directory. It must load the
// copy of tfjs-core that backend.ts uses.
const backendModule = new URL('./backend.ts', import.meta.url).href;
const tfModule = import.meta.resolve('@tensorflow/tfjs-core');

/**
 * Selects a backend in a fresh worker thread (the converter kit runs converters in one, and the
 * choice is made once per thread) and computes a small convolution there.
 */
async function selectInWorker(
  options: BackendOptions,
  compute = "tf.sum(tf.conv2d(tf.ones([1, 64, 64, 8]), tf.ones([3, 3, 8, 4]), 1, 'same'))",
  env: Record<string, string> = {},
): Promise<BackendChoice & { sum: number }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    (async () => {
      const tf = await import(workerData.tf);
      const { selectBackend } = await import(workerData.module);
      const choice = await selectBackend(workerData.options);
      const sum = (${compute}).dataSync()[0];
      parentPort.postMessage({ ...choice, sum });
    })().catch((error) => parentPort.postMessage({ error: String(error?.stack ?? error) }));
  `;
  const worker = new Worker(code, {
    eval: true,
    workerData: { module: backendModule, tf: tfModule, options },
    env: { ...process.env, ...env },
  });
  try {
    const result = await new Promise<BackendChoice & { sum: number; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (result.error) throw new Error(result.error);
    return result;
  } finally {
    // The wasm backend's pthread workers would keep the thread alive.
    await worker.terminate();
  }
}

// A 64×64×8 input of ones through a 3×3×8×4 kernel of ones, zero-padded: 4 filters × 8 channels
// × (62² inner pixels × 9 + 4·62 edge pixels × 6 + 4 corners × 4).
const expectedSum = 4 * 8 * (62 * 62 * 9 + 4 * 62 * 6 + 4 * 4);

// The wasm builds are asked for by name: where tfjs-node's addon is built, it comes first.
const wasmOnly = ['wasm', 'cpu'] as const;

describe('selectBackend', () => {
  it('prefers native TensorFlow where its addon is built (pnpm setup:tensorflow), else wasm', async () => {
    const choice = await selectInWorker({});
    expect(choice.label).toMatch(defaultBackendLabel());
    expect(choice.sum).toBe(expectedSum);
    if (nativeTensorflowBuilt()) {
      expect(choice.tfBackend).toBe('tensorflow');
      // Ops that run through the helpers Node 23 removed from util (isNullOrUndefined, isArray):
      // a gradient and a multi-output op.
      const gradient = await selectInWorker({}, 'tf.grad((x) => tf.sum(tf.square(x)))(tf.ones([4])).sum()');
      expect(gradient.sum).toBe(8);
    }
  }, 30_000);

  it('takes its candidates from TFJS_BACKENDS unless given, and refuses a name it does not know', async () => {
    const wasmByEnv = await selectInWorker({ wasmThreads: 1 }, undefined, { TFJS_BACKENDS: 'wasm, cpu' });
    expect(wasmByEnv).toMatchObject({ kind: 'wasm', threads: 1, sum: expectedSum });
    await expect(selectInWorker({}, undefined, { TFJS_BACKENDS: 'tpu' })).rejects.toThrow(
      'TFJS_BACKENDS: unknown backend tpu',
    );
  }, 30_000);

  it('starts the threaded SIMD wasm build with the threads asked for, inside a worker thread', async () => {
    const threads = Math.max(2, Math.min(4, availableParallelism()));
    const choice = await selectInWorker({ candidates: wasmOnly, wasmThreads: threads });
    expect(choice).toEqual({
      kind: 'wasm',
      tfBackend: 'wasm',
      threads,
      label: `wasm (simd, ${threads} threads)`,
      sum: expectedSum,
    });
  }, 30_000);

  it('caps the threaded build at 4 threads', async () => {
    const choice = await selectInWorker({ candidates: wasmOnly, wasmThreads: 16 });
    expect(choice).toMatchObject({ kind: 'wasm', threads: 4, sum: expectedSum });
  }, 30_000);

  it('runs the single-threaded wasm build when asked for one thread', async () => {
    const choice = await selectInWorker({ candidates: wasmOnly, wasmThreads: 1 });
    expect(choice).toEqual({
      kind: 'wasm',
      tfBackend: 'wasm',
      threads: 1,
      label: 'wasm (simd, 1 thread)',
      sum: expectedSum,
    });
  }, 30_000);

  it('falls back along the candidates given, down to cpu', async () => {
    // tfjs-node-gpu starts where its addon is built (`pnpm setup:tensorflow --gpu`), on the CPU
    // where there is no GPU; else the next candidate does.
    const choice = await selectInWorker({ candidates: ['tfjs-node-gpu', 'cpu'] });
    if (addonBuilt('@tensorflow/tfjs-node-gpu')) {
      expect(choice).toMatchObject({ kind: 'tfjs-node-gpu', tfBackend: 'tensorflow', sum: expectedSum });
      expect(choice.label).toMatch(/^tfjs-node-gpu/);
    } else {
      expect(choice).toEqual({ kind: 'cpu', tfBackend: 'cpu', label: 'cpu', sum: expectedSum });
    }
  }, 30_000);

  it('tries tfjs-node-gpu after tfjs-node where there is no GPU, and before wasm', () => {
    const all = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
    expect(byDevice(all, false)).toEqual(['tfjs-node', 'tfjs-node-gpu', 'wasm', 'cpu']);
    expect(byDevice(all, true)).toEqual(all);
    expect(byDevice(['wasm', 'tfjs-node-gpu', 'tfjs-node'], false)).toEqual([
      'wasm',
      'tfjs-node',
      'tfjs-node-gpu',
    ]);
    expect(byDevice(['tfjs-node-gpu', 'cpu'], false)).toEqual(['tfjs-node-gpu', 'cpu']);
    expect(byDevice(['tfjs-node', 'tfjs-node-gpu'], false)).toEqual(['tfjs-node', 'tfjs-node-gpu']);
  });

  it('keeps the first answer in a thread but not a failure, and leaves no process listeners behind', async () => {
    const listeners = () =>
      process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection');
    const before = listeners();
    await expect(selectBackend({ candidates: [] })).rejects.toThrow('no TensorFlow.js backend could start');
    const first = await selectBackend({ candidates: wasmOnly, wasmThreads: 2 });
    expect(first).toMatchObject({ kind: 'wasm', threads: 2, label: 'wasm (simd, 2 threads)' });
    expect(await selectBackend({ wasmThreads: 1 })).toBe(first); // whatever is asked later
    expect(tf.getBackend()).toBe(first.tfBackend);
    expect(listeners()).toBe(before);
  }, 30_000);
});
