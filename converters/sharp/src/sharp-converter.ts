import { type JsonSchema, paramsValidator } from '@pixelflow/converter-kit';
import { AppError } from '@pixelflow/errors';
import sharp, { type Metadata, type Sharp } from 'sharp';
import {
  type Converter,
  type ConvertOptions,
  type ConvertResult,
  DEFAULT_CONVERT_TIMEOUT_S,
  DEFAULT_MAX_OUTPUT_PIXELS,
  DEFAULT_MAX_PIXELS,
} from './converter.ts';
import { type OutputFormat, outputContentTypes, outputFormatFor, sniffFormat } from './formats.ts';
import { classifySharpFailure } from './sharp-errors.ts';

export interface Size {
  width: number;
  height: number;
}

export interface SharpConverterDefinition<P> {
  id: string;
  title: string;
  description: string;
  params: JsonSchema;
  /** Adds the operation to the decoding pipeline; params are validated and complete. */
  apply(image: Sharp, params: P): Sharp;
  /**
   * The size of the result for an input of `source` (EXIF orientation applied), for a converter
   * whose result can be larger than its input; an upper bound within a pixel is enough. Without
   * it the result is taken to be no larger than the input.
   */
  outputSize?(source: Size, params: P): Size;
  /**
   * The size the image is resampled to on the way, where it can differ from the result: resize's
   * cover scales beyond the box and then crops, rotate by other angles than quarter turns draws
   * the turned image with an affine transform. Each side is held to MAX_RESAMPLED_SIDE; its pixels
   * are not, since libvips computes only the part that the result keeps. Undefined when the
   * operation resamples nothing.
   */
  resampledSize?(source: Size, params: P): Size | undefined;
}

/**
 * libvips' affine transform (resize, rotate) refuses output coordinates past INT_MAX / 64 = 2^25
 * ("output coordinates out of range", resample/affine.c); half of that leaves room for its rounding
 * and padding. Nothing sensible comes near it: it takes a 1 × 2048 image covered to 8192 × 1.
 */
export const MAX_RESAMPLED_SIDE = 2 ** 24;

/** The largest width and height each output format can hold (sharp refuses more after the work). */
const maxOutputSide: Record<OutputFormat, number> = { jpeg: 65_535, png: 2 ** 31 - 1, webp: 16_383 };

// Speed over the last few percent of size: these run on every request. Measured on the 2 MP
// grayscale path, Huffman optimisation costs about 20 % more time for 3 % fewer bytes (mozjpeg's
// trellis quantisation costs far more); WebP effort 2 is about twice as fast as the default 4
// for about 5 % more bytes.
const encoders: Record<OutputFormat, (image: Sharp) => Sharp> = {
  jpeg: (image) => image.jpeg({ quality: 85, mozjpeg: false, optimiseCoding: false }),
  png: (image) => image.png({ compressionLevel: 6 }),
  webp: (image) => image.webp({ quality: 80, effort: 2 }),
};

export const acceptedFormats = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const;

/**
 * A converter made of one sharp pipeline: decode (EXIF orientation applied, pixel limit checked
 * from the header), the converter's operation, encode (JPEG, PNG and WebP stay what they are,
 * the rest become PNG; metadata is dropped, as sharp does unless asked to keep it). A converter
 * that can enlarge the image has its result's size checked from the header first. The pipeline
 * is 8-bit throughout and stops at its time limit.
 */
export function defineSharpConverter<P>(definition: SharpConverterDefinition<P>): Converter {
  const { id, title, description, params: schema, apply, outputSize, resampledSize } = definition;
  const validate = paramsValidator<P>(id, schema);
  return {
    id,
    title,
    description,
    params: schema,
    async convert(input: Buffer, params?: unknown, options: ConvertOptions = {}): Promise<ConvertResult> {
      const valid = validate(params);
      const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
      const maxOutputPixels = options.maxOutputPixels ?? DEFAULT_MAX_OUTPUT_PIXELS;
      const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_CONVERT_TIMEOUT_S;
      const format = sniffFormat(input);
      if (!format) {
        throw new AppError('UNSUPPORTED_IMAGE', 'the body is not an image in an accepted format', {
          accepted: acceptedFormats,
        });
      }
      const output = outputFormatFor(format);
      try {
        // failOn 'error' rather than the default 'warning': cameras write JPEGs with harmless
        // libjpeg warnings (extraneous bytes before a marker) that would otherwise be refused,
        // while truncation and real decode errors still fail.
        const decoding = { autoOrient: true, failOn: 'error', limitInputPixels: maxPixels } as const;
        const image = sharp(input, decoding).timeout({ seconds: timeoutSeconds });
        // The header only: well under a millisecond, no pixel decoded.
        const metadata = await image.metadata();
        const source = metadata.autoOrient ?? { width: metadata.width, height: metadata.height };
        if (outputSize) checkOutputSize(outputSize(source, valid), source, maxOutputPixels, output);
        const resampled = resampledSize?.(source, valid);
        if (resampled) checkResampledSize(resampled);
        const data = await encoders[output](apply(inEightBits(image, metadata), valid)).toBuffer();
        return { data, contentType: outputContentTypes[output] };
      } catch (error) {
        throw await classifySharpFailure(error, input, { maxPixels, timeoutSeconds });
      }
    },
  };
}

/**
 * Every output is 8-bit (sharp writes 8-bit sRGB unless asked otherwise), so an input of more bits
 * (16-bit PNG and TIFF, 10- and 12-bit AVIF) is brought to 8 bits as it is decoded rather than at
 * the end: the result differs by a rounding, the work does not multiply. Measured on a 49 MP RGBA
 * PNG, blur at sigma 50: 36.9 s in 16 bits, 2.4 s in 8. An 8-bit input keeps sharp's own pipeline
 * (choosing one turns off shrink-on-load, which makes JPEG and WebP resizes fast).
 */
function inEightBits(image: Sharp, metadata: Metadata): Sharp {
  if (metadata.depth === 'uchar') return image;
  const grey = metadata.space === 'b-w' || metadata.space === 'grey16';
  return image.pipelineColourspace(grey ? 'b-w' : 'srgb');
}

/**
 * Refuses a result larger than both maxOutputPixels and the input, from the header alone: the work
 * of a conversion grows with the larger of its input and its output, and the input's size is
 * bounded already. Also refuses one wider or taller than its format can hold, which sharp would
 * find only after doing the work.
 */
function checkOutputSize(result: Size, source: Size, maxOutputPixels: number, format: OutputFormat): void {
  const { width, height } = result;
  const allowed = Math.max(maxOutputPixels, source.width * source.height);
  if (width * height > allowed) {
    throw new AppError(
      'WORK_TOO_LARGE',
      `the result would be ${width}×${height} pixels; at most ${maxOutputPixels} pixels (or the input's size) are made`,
      { width, height, maxOutputPixels },
    );
  }
  const maxSide = maxOutputSide[format];
  if (width > maxSide || height > maxSide) {
    throw new AppError(
      'WORK_TOO_LARGE',
      `the result would be ${width}×${height} pixels; ${format.toUpperCase()} holds at most ${maxSide} a side`,
      { width, height, maxSide },
    );
  }
}

function checkResampledSize({ width, height }: Size): void {
  if (width > MAX_RESAMPLED_SIDE || height > MAX_RESAMPLED_SIDE) {
    throw new AppError(
      'WORK_TOO_LARGE',
      `the image would be scaled to ${width}×${height} pixels on the way; at most ${MAX_RESAMPLED_SIDE} a side`,
      { width, height, maxSide: MAX_RESAMPLED_SIDE },
    );
  }
}
