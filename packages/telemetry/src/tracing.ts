import { createRequire } from 'node:module';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';

/**
 * Traces with OpenTelemetry, exported over OTLP when an endpoint is configured and absent
 * otherwise. Spans are made by hand where a request or a job crosses a process boundary (the
 * HTTP servers and clients, the queue, the converters, the subscription events): Node 24's ESM
 * loader hooks that auto-instrumentation needs are not something to lean on, and each span here
 * says something an operator asks about. Until `startTracing` ran with an endpoint, every helper
 * is a check of one variable: no SDK loaded, no span made, no context switched.
 */

export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface TracingSettings {
  /** OTLP/HTTP traces URL (…/v1/traces); absent: tracing is off. */
  endpoint?: string;
  /** The OTEL_TRACES_SAMPLER names. @default 'parentbased_always_on' */
  sampler: SamplerName;
  /** OTEL_TRACES_SAMPLER_ARG, for the ratio samplers. @default 1 */
  ratio: number;
  /** Extra headers for the exporter (OTEL_EXPORTER_OTLP_HEADERS, already parsed). */
  headers?: Record<string, string>;
  /** How long spans wait to be sent in a batch. @default 1000 */
  exportDelayMs?: number;
}

interface Active {
  /** The process's own name: spans made outside any service's request are its. */
  globalService: string;
  /** Whether the sampler follows a parent's decision (the parentbased_* samplers). */
  parentBased: boolean;
  /** The sampler decides by the trace id alone, whatever the parent says. */
  byTraceId: boolean;
  /** Whether a request from outside is sampled (its caller's flag is not trusted). */
  sampleAtEdge: () => boolean;
  providers: Map<string, TracerProvider>;
  makeProvider: (service: string) => TracerProvider;
  close: () => Promise<void>;
}

let active: Active | undefined;

// Which service the active context belongs to: a client span (an Upstream call) is its caller's.
const SERVICE = Symbol.for('pixelflow.service');
const serviceIn = (at: Context): string =>
  (at.getValue(SERVICE) as string | undefined) ?? active?.globalService ?? 'pixelflow';

/** True once `startTracing` loaded the SDK: spans are made and exported. */
export const tracingEnabled = (): boolean => active !== undefined;

/**
 * Loads the SDK and registers it for the process, when the settings name an endpoint. Each service
 * gets a tracer of its own (`tracer(name)`), so that one process running several of them (the
 * embedded mode) still reports each under its name; `globalService` names the spans that libraries
 * make through the global API (the Apollo gateway's query planning and fetches). Returns what
 * flushes and stops the export at shutdown.
 */
export async function startTracing(
  globalService: string,
  settings: TracingSettings,
): Promise<{ close(): Promise<void> } | undefined> {
  if (!settings.endpoint || active) return undefined;
  // Loaded only here: a process without an endpoint never parses the SDK.
  const [sdk, { AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, resources, otlp] =
    await Promise.all([
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/exporter-trace-otlp-http'),
    ]);
  // Registered through the API's CommonJS build: libraries in CommonJS (the Apollo gateway) take
  // their tracer from it when they load, before this runs, and only that build's proxy learns of
  // the provider set here; the ES module build finds it through the shared global.
  const api = createRequire(import.meta.url)('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const exporter = new otlp.OTLPTraceExporter({ url: settings.endpoint, headers: settings.headers });
  // One batch queue for every service of the process; when the collector is slow or gone, spans
  // beyond the queue are dropped rather than held (the queue bounds the memory tracing can take).
  const processor = new sdk.BatchSpanProcessor({
    exporter,
    maxQueueSize: 4096,
    maxExportBatchSize: 512,
    scheduledDelayMillis: settings.exportDelayMs ?? 1000,
  });
  const sampler = makeSampler(sdk, settings);
  const makeProvider = (service: string) =>
    new sdk.TracerProvider({
      resource: resources.resourceFromAttributes({
        'service.name': service,
        'service.namespace': 'pixelflow',
      }),
      sampler,
      spanProcessors: [processor],
      spanLimits: { attributeValueLengthLimit: 512, attributeCountLimit: 64, eventCountLimit: 32 },
    });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  api.context.setGlobalContextManager(contextManager);
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const globalProvider = makeProvider(globalService);
  api.trace.setGlobalTracerProvider(globalProvider);
  const base = settings.sampler.replace(/^parentbased_/, '');
  active = {
    globalService,
    parentBased: settings.sampler.startsWith('parentbased_'),
    byTraceId: settings.sampler === 'traceidratio',
    sampleAtEdge:
      base === 'always_on'
        ? () => true
        : base === 'always_off'
          ? () => false
          : () => Math.random() < settings.ratio,
    providers: new Map([[globalService, globalProvider]]),
    makeProvider,
    async close() {
      active = undefined;
      // The last spans go out if the collector answers soon; a collector that is down must not
      // hold a shutdown up for the exporter's whole timeout.
      await Promise.race([processor.shutdown(), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
      api.trace.disable();
      api.propagation.disable();
      api.context.disable();
    },
  };
  const closing = active;
  return { close: () => closing.close() };
}

/**
 * The sampler: the OTEL_TRACES_SAMPLER names. A parent-based sampler follows the decision of the
 * caller's `traceparent` for a parent from another process; at the gateway the parent is a
 * client's, whose flag `extractEdgeContext` replaces with a decision made here.
 */
function makeSampler(sdk: typeof import('@opentelemetry/sdk-trace'), settings: TracingSettings) {
  const ratio = new sdk.TraceIdRatioBasedSampler(settings.ratio);
  const root = {
    always_on: new sdk.AlwaysOnSampler(),
    always_off: new sdk.AlwaysOffSampler(),
    traceidratio: ratio,
  };
  const base = settings.sampler.replace(/^parentbased_/, '') as keyof typeof root;
  if (!settings.sampler.startsWith('parentbased_')) return root[base];
  return new sdk.ParentBasedSampler({ root: root[base] });
}

/** The tracer of one service (its spans carry its name); a no-op tracer while tracing is off. */
export function tracer(service: string): Tracer {
  if (!active) return trace.getTracer(service);
  let provider = active.providers.get(service);
  if (!provider) {
    provider = active.makeProvider(service);
    active.providers.set(service, provider);
  }
  return provider.getTracer(`pixelflow.${service}`);
}

export interface SpanRun {
  kind?: SpanKind;
  attributes?: SpanOptions['attributes'];
  /** The parent; the active context when absent. */
  parent?: Context;
  /** Links to other traces (a job's run links to the request that queued it when not its child). */
  links?: SpanOptions['links'];
  /**
   * Only inside a trace: without an active span `work` just runs. For calls that background loops
   * make too (heartbeats, health checks), which would otherwise each be a trace of their own.
   */
  inTraceOnly?: boolean;
}

/**
 * Runs `work` inside a new span of `service` (active for everything `work` starts), ends the span
 * when `work` settles, and records a thrown error on it. `service` undefined: the service whose
 * span is active (a call made while serving a request). With tracing off, just runs `work`.
 */
export async function withSpan<T>(
  service: string | undefined,
  name: string,
  options: SpanRun,
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!active) return work(undefined);
  const parent = options.parent ?? context.active();
  if (options.inTraceOnly && !trace.getSpan(parent)) return work(undefined);
  const owner = service ?? serviceIn(parent);
  const span = tracer(owner).startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span).setValue(SERVICE, owner), () => work(span));
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Starts a span of `service` that the caller ends (one that outlives a function: an event from
 * its arrival until it is handed out). Undefined while tracing is off.
 */
export function startSpan(service: string, name: string, options: SpanRun = {}): Span | undefined {
  if (!active) return undefined;
  return tracer(service).startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
    options.parent ?? context.active(),
  );
}

/** Marks a span failed with the error's code (the product's error codes) and message. */
export function failSpan(span: Span | undefined, error: unknown): void {
  if (!span) return;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message ?? String(error) });
}

type Carrier = Record<string, string | string[] | undefined>;

const getter = {
  keys: (carrier: Carrier) => Object.keys(carrier),
  get: (carrier: Carrier, key: string) => {
    const value = carrier[key];
    return Array.isArray(value) ? value[0] : value;
  },
};

/**
 * The context of a request from outside (at the gateway). Whether it is sampled is decided here,
 * by chance at the sampler's ratio, never by the client: a client setting the sampled flag (or
 * picking trace ids a ratio sampler always takes) on every request must not have every request
 * traced. A sampled request continues the client's trace (its trace id and span as the parent),
 * so that a browser's trace goes on through the backend; its `tracestate` is dropped, since it
 * would travel with every span. An unsampled one keeps the trace id unsampled under a parent-based
 * sampler, and starts afresh under another. Under `traceidratio` (not parent-based) a request from
 * outside always starts a trace of its own.
 */
export function extractEdgeContext(headers: Carrier): Context {
  if (!active) return context.active();
  const remote = trace.getSpanContext(extractContext(headers));
  // A sampler that decides by the trace id alone (traceidratio without parentbased_) would take a
  // client's trace id on its own terms: a client choosing ids that it always takes, and sending a
  // fresh one whenever refused, would be traced more often than the ratio. The trace starts here.
  if (!remote || active.byTraceId) return ROOT_CONTEXT;
  const sampled = active.sampleAtEdge();
  if (!sampled && !active.parentBased) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: remote.traceId,
    spanId: remote.spanId,
    isRemote: true,
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
  });
}

/**
 * Runs `work` outside any trace: for what outlives the request that happens to start it (a worker
 * pool, a timer), whose later callbacks would otherwise run, and log, in that request's context.
 */
export function detached<T>(work: () => T): T {
  if (!active) return work();
  return context.with(ROOT_CONTEXT, work);
}

/** The context a request's `traceparent` (and `tracestate`) headers carry; the root context without. */
export function extractContext(headers: Carrier): Context {
  if (!active) return context.active();
  return propagation.extract(context.active(), headers, getter);
}

/**
 * The headers with the active span's `traceparent` added, for a call to another process. The same
 * object back while tracing is off or no span is active.
 */
export function injectContext<H extends Record<string, string>>(headers: H, from?: Context): H {
  if (!active) return headers;
  const at = from ?? context.active();
  if (!trace.getSpan(at)) return headers;
  const out = { ...headers };
  propagation.inject(at, out);
  return out;
}

/** The active span's context as a `traceparent` value, to store with work done later (a job). */
export function currentTraceparent(): string | undefined {
  if (!active) return undefined;
  return injectContext({} as Record<string, string>).traceparent;
}

/**
 * The context a stored `traceparent` stands for, to continue its trace later (a queued job, a
 * published event); a new trace when there is none. Never the active context: work that runs in
 * callbacks of long-lived connections may find a stale request's context active there.
 */
export function contextOf(traceparent: string | undefined): Context {
  if (!active || !traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent }, getter);
}

/**
 * The trace id of the active span when it is sampled (exported), for log lines; undefined while
 * tracing is off or the trace is not kept.
 */
export function currentTraceId(at?: Context): string | undefined {
  if (!active) return undefined;
  const spanContext = trace.getSpan(at ?? context.active())?.spanContext();
  return spanContext && spanContext.traceFlags & TraceFlags.SAMPLED ? spanContext.traceId : undefined;
}

export interface ServerSpan {
  span: Span;
  /** The context with the span active: what the request's handler must run in. */
  context: Context;
}

/**
 * A span for a request a server received, child of the caller's `traceparent`. At the edge the
 * client's sampling flag is not followed (extractEdgeContext). Undefined while tracing is off.
 */
export function startServerSpan(
  service: string,
  name: string,
  headers: Carrier,
  { edge = false, attributes }: { edge?: boolean; attributes?: SpanOptions['attributes'] } = {},
): ServerSpan | undefined {
  if (!active) return undefined;
  const parent = edge ? extractEdgeContext(headers) : extractContext(headers);
  const span = tracer(service).startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return { span, context: trace.setSpan(parent, span).setValue(SERVICE, service) };
}

/** Runs `work` in `at` (a context kept from earlier), or as is while tracing is off. */
export function runIn<T>(at: Context | undefined, work: () => T): T {
  if (!active || !at) return work();
  return context.with(at, work);
}

/** Runs `work` with `span` active (for callbacks whose caller does not pass the context on). */
export function withActiveSpan<T>(span: Span | undefined, parent: Context, work: () => T): T {
  if (!active || !span) return work();
  return context.with(trace.setSpan(parent, span), work);
}

export { type Context, type Span, SpanKind, SpanStatusCode };
