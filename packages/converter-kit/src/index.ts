// The server half of the converter SDK; the client half is `@pixelflow/converter-kit/client`.
export { BusyError, sendBusy, sendShuttingDown } from './answers.ts';
export { imageBodyRoute, imageOf } from './body.ts';
export {
  type ConverterDescription,
  type JsonSchema,
  MAX_BODY_BYTES,
  MAX_IMAGE_BYTES,
  PARAMS_HEADER,
} from './contract.ts';
export {
  type ConverterService,
  type ConverterServiceOptions,
  createConverterService,
} from './converter-service.ts';
export { type ModelConverterSettings, modelConverterSettings } from './env.ts';
export { decodeImage, encodeImage } from './images.ts';
export { ConversionsInFlight, ShuttingDownError } from './in-flight.ts';
export { createInFlightLimit, type InFlightLimit } from './in-flight-limit.ts';
export { runModelConverterMain } from './main.ts';
export {
  type EncodedImage,
  type HttpConvertContext,
  type HttpConverter,
  type MountOptions,
  mountConverter,
} from './mount.ts';
export { type ParamsValidator, paramsAjvOptions, paramsValidator, parseParamsHeader } from './params.ts';
export { WorkerPool, type WorkerPoolOptions } from './pool.ts';
export { acceptsProgress, ProgressStreamWriter } from './progress-stream.ts';
export {
  createModelConverterService,
  type ModelConverterServiceOptions,
  modelHttpConverter,
} from './service.ts';
export type {
  ConvertContext,
  ModelConverter,
  ModelDescription,
  ModelSizing,
  RawImage,
  Size,
  SizeNoticeContext,
} from './types.ts';
export { type FromWorker, runConverterWorker, type ToWorker } from './worker.ts';
