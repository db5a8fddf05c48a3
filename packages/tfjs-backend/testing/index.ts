import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Whether tfjs-node's addon is built here (`pnpm setup:tensorflow`, which `pnpm test` and `pnpm
 * start` run): then selectBackend's default choice is native TensorFlow, else WebAssembly. Tests
 * that check which backend runs expect what this says.
 */
export function nativeTensorflowBuilt(): boolean {
  try {
    const pkg = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-node/package.json'));
    return existsSync(join(pkg, 'lib', 'napi-v8', 'tfjs_binding.node'));
  } catch {
    return false;
  }
}

/** The label selectBackend gives by default here: `tfjs-node`, or the threaded SIMD wasm build's. */
export const defaultBackendLabel = (): RegExp => (nativeTensorflowBuilt() ? /^tfjs-node$/ : /^wasm \(simd/);
export { gigaflopsOf, peakConvolutionRate } from './flops.ts';
