import type { Gauge } from 'prom-client';
import { counter, gauge, histogram } from './metrics.ts';

/** Fills a gauge when it is scraped. */
type Collect<L extends string> = (this: Gauge<L>) => void;

/**
 * Every metric the product exports, in one place (the dashboard's expressions are checked against
 * it): each is made on first use, with `service` on every series. Labels take only bounded values
 * (route patterns, operation root fields, converter ids, status and error codes), never ids,
 * users or raw paths.
 */
export const metrics = {
  // Every HTTP service and converter (service-kit's createHttpService).
  httpRequests: () =>
    counter('pixelflow_http_requests_total', 'HTTP requests answered, by route pattern and status.', [
      'service',
      'method',
      'route',
      'status',
    ]),
  httpDuration: () =>
    histogram(
      'pixelflow_http_request_duration_seconds',
      'Time from a request to its answer sent, by route pattern.',
      ['service', 'method', 'route'],
    ),

  // The gateway and the subgraphs (graphql-kit).
  graphqlOperations: () =>
    counter(
      'pixelflow_graphql_operations_total',
      'GraphQL operations by type, root fields and outcome (ok, or the first error code).',
      ['service', 'type', 'operation', 'outcome'],
    ),
  graphqlDuration: () =>
    histogram('pixelflow_graphql_operation_duration_seconds', 'GraphQL operation time, by root fields.', [
      'service',
      'type',
      'operation',
    ]),
  /** `collect` counts them at each scrape (the first caller's is kept). */
  wsSockets: (collect?: Collect<'service'>) =>
    gauge('pixelflow_ws_sockets', 'Open graphql-ws sockets.', ['service'], collect),
  wsSubscriptions: (collect?: Collect<'service'>) =>
    gauge('pixelflow_ws_subscriptions', 'Active GraphQL subscriptions.', ['service'], collect),

  // The jobs service: every job's state changes pass its store.
  jobsCreated: () =>
    counter('pixelflow_jobs_created_total', 'Jobs created, by converter.', ['service', 'converter']),
  jobsFinished: () =>
    counter(
      'pixelflow_jobs_finished_total',
      'Jobs finished, by converter, outcome (SUCCEEDED, FAILED, CANCELLED) and error code.',
      ['service', 'converter', 'outcome', 'code'],
    ),
  jobDuration: () =>
    histogram(
      'pixelflow_job_duration_seconds',
      'Time from a job created to finished, by converter and outcome.',
      ['service', 'converter', 'outcome'],
    ),

  // The conversion service: admission, the queue and the runners.
  queueJobs: () =>
    gauge(
      'pixelflow_queue_jobs',
      'Jobs in the conversion queue by converter and state (waiting, running), as its keeper last saw them.',
      ['service', 'converter', 'state'],
    ),
  queueOldestWait: () =>
    gauge(
      'pixelflow_queue_oldest_wait_seconds',
      'How long the oldest waiting job of each converter has waited.',
      ['service', 'converter'],
    ),
  queueWait: () =>
    histogram('pixelflow_job_queue_wait_seconds', 'Time a job waited in the queue before a runner took it.', [
      'service',
      'converter',
    ]),
  jobReclaims: () =>
    counter('pixelflow_job_reclaims_total', 'Jobs taken over from a runner that stopped heart-beating.', [
      'service',
    ]),
  jobRetries: () =>
    counter(
      'pixelflow_job_retries_total',
      'Converter calls retried, by converter and reason (failed, busy).',
      ['service', 'converter', 'reason'],
    ),
  runnerActive: () => gauge('pixelflow_runner_active_jobs', 'Jobs this runner is converting.', ['service']),
  runnerSlots: () =>
    gauge('pixelflow_runner_slots', 'Jobs this runner converts at once at most.', ['service']),
  admissionRefusals: () =>
    counter('pixelflow_admission_refusals_total', 'Conversions refused at admission, by error code.', [
      'service',
      'code',
    ]),
  converterHealthy: () =>
    gauge(
      'pixelflow_converter_healthy',
      'Whether the conversion service sees a converter healthy (1) or not (0).',
      ['service', 'converter'],
    ),

  // The converters (converter-kit).
  conversions: () =>
    counter(
      'pixelflow_conversions_total',
      'Conversions a converter answered, by outcome (ok, rejected, busy, failed).',
      ['service', 'converter', 'outcome'],
    ),
  conversionDuration: () =>
    histogram('pixelflow_conversion_duration_seconds', "A converter's conversion time.", [
      'service',
      'converter',
    ]),
  converterInFlight: () =>
    gauge('pixelflow_converter_in_flight', 'Conversions a converter is working on.', [
      'service',
      'converter',
    ]),
  converterCapacity: () =>
    gauge('pixelflow_converter_capacity', 'Conversions a converter takes at once before answering busy.', [
      'service',
      'converter',
    ]),
  /** `collect` fills it at each scrape (the first caller's is kept). */
  converterBackend: (collect?: Collect<'service' | 'converter' | 'backend'>) =>
    gauge(
      'pixelflow_converter_backend_info',
      "A converter's compute backend (native, tfjs-node, tfjs-node-gpu, wasm, cpu): 1 on the one in use.",
      ['service', 'converter', 'backend'],
      collect,
    ),
};

export type MetricName = keyof typeof metrics;
