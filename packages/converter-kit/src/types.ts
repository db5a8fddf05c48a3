import type { ConverterDescription } from './contract.ts';

/**
 * The contract between a model converter's pure core (TensorFlow.js code, run in a worker
 * thread) and the converter kit (worker pool, HTTP adapter, progress, cancellation).
 */

/** Decoded pixels: RGB, 8 bits per channel, row-major, no alpha (the kit flattens alpha first). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface ConvertContext {
  /** Reports progress in 0..1; never decreasing. Cheap: call it after every step. */
  progress(fraction: number): void;
  /** Aborted when the client went away or the service stops: stop at the next step. */
  signal: AbortSignal;
}

/** What `/describe` says of a model converter: the contract's description, `progress` added by the kit. */
export interface ModelDescription extends Omit<ConverterDescription, 'progress' | 'maxPixels' | 'oversize'> {
  /** Largest input in pixels the converter works on. */
  maxPixels: number;
  /** What happens to a larger input: scaled down to fit first, or refused (IMAGE_TOO_LARGE). */
  oversize: 'downscale' | 'refuse';
}

/** The worker-side half: everything here runs inside one worker thread. */
export interface ModelConverter<Params = Record<string, unknown>> {
  /** Picks the TensorFlow.js backend, loads the weights from the package's files, warms up. Once. */
  setup(): Promise<{ backend: string }>;
  /** Converts one image; params are already validated against the schema, defaults filled in. */
  convert(image: RawImage, params: Params, context: ConvertContext): Promise<RawImage>;
}
