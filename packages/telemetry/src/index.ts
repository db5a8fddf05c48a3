export { metrics } from './catalogue.ts';
export {
  collectProcessMetrics,
  counter,
  durationBuckets,
  exposition,
  gauge,
  histogram,
  registry,
} from './metrics.ts';
export { configureMetrics, type MetricsSettings, metricsSettings, serveMetrics } from './serve.ts';
