export {
  type Converter,
  type ConvertOptions,
  type ConvertResult,
  DEFAULT_CONVERT_TIMEOUT_S,
  DEFAULT_MAX_OUTPUT_PIXELS,
  DEFAULT_MAX_PIXELS,
} from './converter.ts';
export * from './converters/colour.ts';
export * from './converters/filters.ts';
export * from './converters/geometry.ts';
export { converterIds, converters, findConverter } from './converters/index.ts';
export { type Env, envSchema, loadEnv, type SharpSettings, sharpSettings } from './env.ts';
export { type InputFormat, type OutputFormat, sniffFormat } from './formats.ts';
export {
  createSharpConverterService,
  type SharpConverterServiceOptions,
  sharpHttpConverter,
} from './service.ts';
export {
  acceptedFormats,
  defineSharpConverter,
  MAX_RESAMPLED_SIDE,
  type SharpConverterDefinition,
  type Size,
} from './sharp-converter.ts';
