import type { EncodedImage, JsonSchema } from '@pixelflow/converter-kit';
import { MAX_PIXELS } from '@pixelflow/product';

/** The converted image and its media type. */
export type ConvertResult = EncodedImage;

export interface ConvertOptions {
  /**
   * Largest input accepted, in pixels (width × height as the image header declares them); a
   * larger one fails with IMAGE_TOO_LARGE before it is decoded.
   * @default MAX_PIXELS, the product's limit (50 MP)
   */
  maxPixels?: number;
  /**
   * Largest output, in pixels, of a converter that makes images larger (resize, rotate): a result
   * over it fails with WORK_TOO_LARGE before any pixel is decoded, unless it is no larger than the
   * input. A tiny upload must not buy a huge conversion.
   * @default 25_000_000
   */
  maxOutputPixels?: number;
  /**
   * Longest a conversion may run, in seconds: libvips stops it at the next tile past this and the
   * conversion fails with WORK_TOO_LARGE (nothing else can cancel a running libvips operation, and
   * one still running holds its thread and keeps the process from exiting).
   * @default 30
   */
  timeoutSeconds?: number;
}

/** The product's pixel limit: a converter takes any upload the conversion service takes. */
export const DEFAULT_MAX_PIXELS = MAX_PIXELS;
/** About a 6000 × 4000 camera photo, and about 0.7 s of a resize on one core. */
export const DEFAULT_MAX_OUTPUT_PIXELS = 25_000_000;
/**
 * The slowest ordinary conversion, a 50 MP sharpen at sigma 5, takes about 7 s on one busy core;
 * 30 s leaves room for a loaded host and still ends a runaway well within a job's lifetime.
 */
export const DEFAULT_CONVERT_TIMEOUT_S = 30;

/**
 * The pure core of a converter: image in, image out. It knows nothing of HTTP; the converter
 * SDK serves it (`sharpHttpConverter` in service.ts).
 */
export interface Converter {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** JSON Schema of `params`; defaults in it are applied to the params a caller leaves out. */
  readonly params: JsonSchema;
  /**
   * Converts `input`. Rejects with an AppError for bad input (INVALID_PARAMS, UNSUPPORTED_IMAGE,
   * CORRUPT_IMAGE, IMAGE_TOO_LARGE, WORK_TOO_LARGE, the latter also for a conversion past its time
   * limit); any other rejection is the converter's own failure.
   */
  convert(input: Buffer, params?: unknown, options?: ConvertOptions): Promise<ConvertResult>;
}
