export { mountModelConverter, PARAMS_HEADER } from './http.ts';
export { decodeImage, encodeImage } from './images.ts';
export { ConversionsInFlight, ShuttingDownError } from './in-flight.ts';
export { runModelConverterMain } from './main.ts';
export { BusyError, WorkerPool, type WorkerPoolOptions } from './pool.ts';
export { createModelConverterService, type ModelConverterServiceOptions } from './service.ts';
export type { ConvertContext, ModelConverter, ModelDescription, RawImage } from './types.ts';
export { type FromWorker, runConverterWorker, type ToWorker } from './worker.ts';
