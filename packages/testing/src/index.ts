export {
  eventually,
  type GraphQLResponse,
  type JobEvent,
  JobSubscription,
  jobFields,
  PixelflowClient,
} from './client.ts';
export {
  type ConverterCall,
  type FaultConverterOptions,
  type FaultConverters,
  type FaultMode,
  startFaultConverters,
} from './fault-converter.ts';
export { type Load, type LoadOptions, type LoadReport, startLoad } from './load.ts';
export { ensureOtelCollector, startOtelCollector } from './otel-collector.ts';
export { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.ts';
export { photo } from './photos.ts';
