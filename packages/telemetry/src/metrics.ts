import client from 'prom-client';

/**
 * The process's one registry. A process runs one service (the chart, `pnpm cluster`, compose) or
 * all of them (`pnpm start`): every series carries `service`, so that in the embedded mode one
 * `/metrics` tells the services apart, and each metric is made once however many services use it.
 */
export const registry = new client.Registry();

export type Labels<L extends string> = Partial<Record<L, string | number>>;

const made = new Map<string, client.Metric>();

/** The metric of this name, made on first use: unused metrics stay out of the exposition. */
function once<M extends client.Metric>(name: string, make: () => M): M {
  let metric = made.get(name);
  if (!metric) {
    metric = make();
    made.set(name, metric);
  }
  return metric as M;
}

export function counter<L extends string>(name: string, help: string, labelNames: readonly L[]) {
  return once(name, () => new client.Counter({ name, help, labelNames, registers: [registry] }));
}

export function gauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  collect?: (this: client.Gauge<L>) => void | Promise<void>,
) {
  return once(name, () => new client.Gauge({ name, help, labelNames, registers: [registry], collect }));
}

/** Seconds, from 5 ms (a health check, a cached answer) to 5 min (a full-size DeepDream). */
export const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[] = durationBuckets,
) {
  return once(name, () => new client.Histogram({ name, help, labelNames, buckets, registers: [registry] }));
}

let processName: string | undefined;

/**
 * Node's process metrics (CPU, memory, heap, event-loop lag, handles, GC), labelled with the
 * process's name: the service's own, or `pixelflow` for the embedded process that runs them all.
 * The first call names the process; later calls change nothing.
 */
export function collectProcessMetrics(name: string): void {
  if (processName) return;
  processName = name;
  client.collectDefaultMetrics({ register: registry, labels: { service: name } });
}

/** The exposition, in Prometheus's text format. */
export async function exposition(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
