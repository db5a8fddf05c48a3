import { EnvError, httpUrl, parseEnv, z } from '@pixelflow/config';
import { createLogger, type Logger } from '@pixelflow/logger';
import {
  collectProcessMetrics,
  configureMetrics,
  type MetricsSettings,
  type SamplerName,
  serveMetrics,
  startTracing,
  type TracingSettings,
} from '@pixelflow/telemetry';
import { type HttpLimits, type HttpLimitsEnv, httpLimitsFrom } from './http-limits.ts';

export interface Closable {
  close(): Promise<void>;
}

export interface RunMainOptions {
  /** Longest a graceful shutdown may take before the process exits anyway. @default 30000 */
  shutdownTimeoutMs?: number;
}

/**
 * The one way a service process starts and stops: start, then on SIGTERM/SIGINT close gracefully
 * and exit. An invalid environment prints every problem and exits 1.
 */
export async function runMain(
  start: () => Promise<{ logger: Logger; service: Closable }>,
  { shutdownTimeoutMs = 30_000 }: RunMainOptions = {},
): Promise<void> {
  let started: { logger: Logger; service: Closable };
  try {
    started = await start();
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(`failed to start: ${(error as Error).stack ?? String(error)}\n`);
    }
    process.exit(1);
  }
  const { logger, service } = started;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ shutdownTimeoutMs }, 'graceful shutdown timed out');
      process.exit(1);
    }, shutdownTimeoutMs);
    timer.unref();
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Closes several services at once; done when all are. */
export function closeTogether(services: readonly Closable[]): Closable {
  return {
    async close() {
      await Promise.all(services.map((service) => service.close()));
    },
  };
}

/**
 * Closes several services in order, each fully before the next (dependents first). One that fails
 * does not keep the rest open (nor the last spans unsent): the first failure is thrown at the end.
 */
export function closeInOrder(services: readonly Closable[]): Closable {
  return {
    async close() {
      const failures: unknown[] = [];
      for (const service of services) await service.close().catch((error: unknown) => failures.push(error));
      if (failures.length > 0) throw failures[0];
    },
  };
}

const metricsEnv = z.object({
  METRICS: z.enum(['true', 'false']).default('true'),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
});

/**
 * Where a process serves its metrics, from METRICS (`false` turns them off), METRICS_PORT (a port
 * for `/metrics` alone; without it each service's own port has the route) and METRICS_HOST.
 */
export function metricsFrom(source: Record<string, string | undefined> = process.env): MetricsSettings {
  const env = parseEnv(metricsEnv, source);
  return { enabled: env.METRICS === 'true', port: env.METRICS_PORT, host: env.METRICS_HOST };
}

/**
 * Names the process in its metrics (the service, or `pixelflow` for the embedded process) and serves
 * them on their own port where one is set.
 */
export async function startMetrics(
  processName: string,
  settings: MetricsSettings,
): Promise<Closable | undefined> {
  configureMetrics(settings);
  if (!settings.enabled) return undefined;
  collectProcessMetrics(processName);
  if (settings.port === undefined) return undefined;
  return serveMetrics(settings.port, settings.host);
}

const samplers = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const satisfies readonly SamplerName[];

// Read only while tracing is on: a variable meant for another OpenTelemetry SDK in the same
// environment (a sampler this one lacks, say) must not stop a service that does not trace.
const tracingEnv = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl().optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      const headers: Record<string, string> = {};
      for (const pair of (text ?? '').split(',')) {
        const at = pair.indexOf('=');
        const key = pair.slice(0, at).trim();
        if (at < 0 || !key) continue;
        try {
          headers[key] = decodeURIComponent(pair.slice(at + 1).trim());
        } catch {
          ctx.addIssue({ code: 'custom', message: `the value of ${key} is not URL-encoded` });
        }
      }
      return headers;
    }),
  OTEL_TRACES_SAMPLER: z.enum(samplers).default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(0).max(60_000).optional(),
});

/**
 * Tracing from the standard OpenTelemetry variables: on when OTEL_EXPORTER_OTLP_ENDPOINT (the
 * collector's base URL, `/v1/traces` appended) or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full URL)
 * is set, unless OTEL_SDK_DISABLED is true or OTEL_TRACES_EXPORTER does not list `otlp` (`none`);
 * OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG choose the sampling, OTEL_EXPORTER_OTLP_HEADERS
 * adds headers (`key=value,…`, values URL-encoded). While on, a value this SDK cannot follow is an
 * error, as any other invalid setting.
 */
export function tracingFrom(source: Record<string, string | undefined> = process.env): TracingSettings {
  const off: TracingSettings = { sampler: 'parentbased_always_on', ratio: 1 };
  const exporters = (source.OTEL_TRACES_EXPORTER || 'otlp')
    .toLowerCase()
    .split(',')
    .map((name) => name.trim());
  if (source.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || !exporters.includes('otlp')) return off;
  if (!source.OTEL_EXPORTER_OTLP_ENDPOINT && !source.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return off;
  const env = parseEnv(tracingEnv, source);
  const endpoint =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (env.OTEL_EXPORTER_OTLP_ENDPOINT && `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  return {
    endpoint,
    sampler: env.OTEL_TRACES_SAMPLER,
    ratio: env.OTEL_TRACES_SAMPLER_ARG,
    headers: env.OTEL_EXPORTER_OTLP_HEADERS,
    exportDelayMs: env.OTEL_BSP_SCHEDULE_DELAY,
  };
}

/** What a service's `main` gets to build its service with. */
export interface ServiceMain<Env> {
  env: Env;
  logger: Logger;
  /**
   * Hands a resource the service uses (a database pool, Redis connections) to the main: it is
   * closed after the service has shut down, or at once when starting fails, last opened first.
   */
  owns<Resource extends Closable>(resource: Resource): Resource;
}

/**
 * The `main` of every service: read the environment (an invalid one exits 1 listing each
 * problem), a logger named after the service, the service `start` builds, listening, and on
 * SIGTERM a graceful close, then the resources it owns.
 */
export function runServiceMain<Env extends { LOG_LEVEL: string }>(
  service: string,
  readEnv: () => Env,
  start: (main: ServiceMain<Env>) => Promise<Closable & { listen(): Promise<unknown> }>,
  options?: RunMainOptions,
): Promise<void> {
  return runMain(async () => {
    const env = readEnv();
    const metrics = metricsFrom();
    const tracing = tracingFrom();
    const logger = createLogger({ service, level: env.LOG_LEVEL });
    const owned: Closable[] = [];
    const release = closeInOrder(owned);
    try {
      const owns = <Resource extends Closable>(resource: Resource) => {
        owned.unshift(resource);
        return resource;
      };
      const metricsServer = await startMetrics(service, metrics);
      if (metricsServer) owns(metricsServer);
      // Before the service: its servers and clients see whether tracing is on when built. Closed
      // last of all, so that the spans of the shutdown itself are sent too.
      const spans = await startTracing(service, tracing);
      if (spans) owned.push(spans);
      const server = await start({ env, logger, owns });
      await server.listen();
      return { logger, service: closeInOrder([server, release]) };
    } catch (error) {
      await release.close().catch(() => undefined);
      throw error;
    }
  }, options);
}

/** Where and how a service listens, from its environment: PORT, HOST and the HTTP limits. */
export function listenFrom(env: HttpLimitsEnv & { PORT: number; HOST: string }): {
  port: number;
  host: string;
  http: HttpLimits;
} {
  return { port: env.PORT, host: env.HOST, http: httpLimitsFrom(env) };
}
