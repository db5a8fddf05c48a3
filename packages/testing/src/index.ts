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
export { photo } from './photos.ts';
