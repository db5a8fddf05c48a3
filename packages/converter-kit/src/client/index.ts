// The client half of the converter SDK, for the conversion service: it loads no server code (no
// fastify, no sharp, no worker pool).
export { type ConverterDescription, type JsonSchema, MAX_BODY_BYTES, PARAMS_HEADER } from '../contract.ts';
export { type ParamsValidator, paramsValidator } from '../params.ts';
export { type ProgressEvent, readProgressStream } from '../progress-stream.ts';
export { type ConvertOutcome, type ConvertRequest, callConverter } from './call.ts';
export { describeConverter, parseDescription } from './describe.ts';
