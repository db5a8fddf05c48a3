import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { gpuPresent } from '../src/backend.ts';

/**
 * Whether the addon of tfjs-node (`pnpm setup:tensorflow`, which `pnpm test` and `pnpm start` run)
 * or of tfjs-node-gpu (`--gpu`) is built here: then selectBackend's default choice is native
 * TensorFlow, else WebAssembly. Tests that check which backend runs expect what this says.
 */
export function nativeTensorflowBuilt(
  npm: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu' = '@tensorflow/tfjs-node',
): boolean {
  try {
    const pkg = dirname(createRequire(import.meta.url).resolve(`${npm}/package.json`));
    return existsSync(join(pkg, 'lib', 'napi-v8', 'tfjs_binding.node'));
  } catch {
    return false;
  }
}

/**
 * The label selectBackend gives by default here: `tfjs-node-gpu` with a GPU where its addon is
 * built, else `tfjs-node`, else the threaded SIMD wasm build's.
 */
export function defaultBackendLabel(): RegExp {
  if (gpuPresent() && nativeTensorflowBuilt('@tensorflow/tfjs-node-gpu')) return /^tfjs-node-gpu$/;
  return nativeTensorflowBuilt() ? /^tfjs-node$/ : /^wasm \(simd/;
}
export { gigaflopsOf, peakConvolutionRate } from './flops.ts';
