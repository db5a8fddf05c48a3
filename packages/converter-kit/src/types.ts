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

/** An image's width and height in pixels. */
export interface Size {
  width: number;
  height: number;
}

/** What a converter's notice is written from, when it worked on a smaller copy of the upload. */
export interface SizeNoticeContext {
  /** The upload's size, EXIF orientation applied. */
  upload: Size;
  /** The copy the converter works on: smaller than the upload. */
  working: Size;
  /** The conversion's params, validated, defaults filled in. */
  params: Record<string, unknown>;
  /** The size the upload is reduced to for a pixel budget, exactly as the kit reduces it. */
  fit(maxPixels: number): Size;
}

/**
 * A converter whose working size depends on its params (upscale's scale and model, DeepDream's
 * resolution). Both run on the service's main thread before any pixel is decoded, so the size is
 * decided once, and the notice says what was decided, where the worker never needs to know.
 */
export interface ModelSizing {
  /** The most pixels to work on for these params and this upload; the kit holds it to `maxPixels`. */
  maxPixels(upload: Size, params: Record<string, unknown>): number;
  /** What the user should know of a result made from a reduced copy (the job's notice). */
  notice(context: SizeNoticeContext): string;
}

/** What `/describe` says of a model converter: the contract's description, `progress` added by the kit. */
export interface ModelDescription extends Omit<ConverterDescription, 'progress' | 'maxPixels' | 'oversize'> {
  /** Largest input in pixels the converter works on, whatever its params. */
  maxPixels: number;
  /** What happens to a larger input: scaled down to fit first, or refused (IMAGE_TOO_LARGE). */
  oversize: 'downscale' | 'refuse';
  /**
   * Per-conversion working size, for converters whose params change it; not published at
   * `/describe`. Without it an upload over `maxPixels` is reduced to it (with a notice that says
   * so) or refused, as `oversize` says.
   */
  sizing?: ModelSizing;
}

/** The worker-side half: everything here runs inside one worker thread. */
export interface ModelConverter<Params = Record<string, unknown>> {
  /** Picks the TensorFlow.js backend, loads the weights from the package's files, warms up. Once. */
  setup(): Promise<{ backend: string }>;
  /** Converts one image; params are already validated against the schema, defaults filled in. */
  convert(image: RawImage, params: Params, context: ConvertContext): Promise<RawImage>;
}
