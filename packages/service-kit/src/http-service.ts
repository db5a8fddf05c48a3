import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { withDefaults } from '@pixelflow/config';
import { AppError, errorBody } from '@pixelflow/errors';
import type { Logger } from '@pixelflow/logger';
import {
  collectProcessMetrics,
  exposition,
  metrics,
  metricsSettings,
  runIn,
  type ServerSpan,
  SpanStatusCode,
  startServerSpan,
  tracingEnabled,
} from '@pixelflow/telemetry';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import { logRequests, noteRequest } from './access-log.ts';
import {
  answerClientError,
  answerUnknownExpectations,
  capConnectionsPerAddress,
  defaultHttpLimits,
  type HttpLimits,
} from './http-limits.ts';
import { StallWatchdog } from './stall-watchdog.ts';
import { finishReading } from './unread-body.ts';

export interface HttpServiceOptions {
  /** Service name, as it appears in logs and in `/healthz`. */
  name: string;
  logger: Logger;
  /** @default 0 (a free port) */
  port?: number;
  /** @default '0.0.0.0' */
  host?: string;
  /**
   * Largest request body fastify buffers, in bytes. Streamed routes (uploads) enforce their own.
   * @default 1 MiB
   */
  bodyLimit?: number;
  /** Throws (or rejects) while the service cannot serve: a dependency is down or still starting. */
  readiness?: () => unknown;
  /** More of what `/healthz` says, e.g. a model converter's compute backend. @default nothing */
  health?: () => Record<string, unknown>;
  /** Proxies trusted to tell the client's address (X-Forwarded-For): fastify's trustProxy. @default false */
  trustProxy?: boolean | string;
  /** Timeouts and connection caps; see HttpLimits. @default defaultHttpLimits */
  limits?: Partial<HttpLimits>;
  /** One info line per answered request (logRequests): the edge's, the gateway's. @default false */
  accessLog?: boolean;
  /**
   * At shutdown, leave idle keep-alive connections to expire by the keep-alive timeout the server
   * announces instead of closing them at once: for an edge whose clients (fetch, curl, proxies) do
   * not retry a POST that a closing connection dropped. Adds up to keepAliveTimeoutMs to a
   * shutdown. @default false
   */
  drainIdleConnections?: boolean;
  /**
   * Requests come from outside (the gateway): a client's `traceparent` continues its trace, but
   * whether the request is sampled is decided here. @default false
   */
  edge?: boolean;
}

export interface HttpService {
  /** The service's name, as in its logs, `/healthz` and metrics. */
  readonly name: string;
  readonly app: FastifyInstance;
  readonly logger: Logger;
  /**
   * Registers a step run at shutdown while the server still answers (readiness already fails):
   * finish background work, close long-lived sockets. Drain steps run concurrently.
   */
  onDrain(step: () => Promise<void> | void): void;
  /** Registers a step run after the server closed (release clients and pools), in registration order. */
  onShutdown(step: () => Promise<void> | void): void;
  listen(): Promise<{ url: string; port: number }>;
  /** Graceful: not ready, drain, stop accepting and let in-flight requests finish, then release. */
  close(): Promise<void>;
  readonly closing: boolean;
}

/** The HTTP methods that label metrics as themselves; any other is OTHER. */
const usualMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** One HTTP server per service, with health, readiness, request ids, JSON errors and graceful close. */
export function createHttpService(options: HttpServiceOptions): HttpService {
  const {
    name,
    logger,
    port = 0,
    host = '0.0.0.0',
    bodyLimit = 1024 * 1024,
    readiness,
    trustProxy = false,
  } = options;
  const limits: HttpLimits = withDefaults(defaultHttpLimits, options.limits);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Per-request info logs cost more than the cheap conversions themselves; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    trustProxy,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Without these a client holds a connection for as long as it likes: fastify turns Node's
    // request timeout off, and a header line sent a byte at a time would never end.
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      requestTimeout: limits.requestTimeoutMs,
      // How often Node checks the two timeouts above (30 s by default, too coarse for 10 s).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    clientErrorHandler: answerClientError,
    // A path that does not decode (`/%zz`) gets the product's error shape too.
    frameworkErrors: (error, _request, reply) => {
      (reply as FastifyReply).code(400).send(errorBody('BAD_REQUEST', `malformed request: ${error.message}`));
    },
  });
  answerUnknownExpectations(app.server);
  capConnectionsPerAddress(app.server, limits.maxConnectionsPerAddress);
  // Uploads that stall, and answers a client stopped reading, hold their connections no longer.
  const stalls = new StallWatchdog({
    uploadIdleMs: limits.uploadIdleTimeoutMs,
    answerIdleMs: limits.answerIdleTimeoutMs,
  });
  app.addHook('onRequest', async (request) => stalls.watchUpload(request));
  const drainSteps: Array<() => Promise<void> | void> = [];
  const shutdownSteps: Array<() => Promise<void> | void> = [];
  let closing = false;
  let closed: Promise<void> | undefined;

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    finishReading(request, reply);
    // From here on the answer leaves: however long it took to make, it must now make progress.
    stalls.watchAnswer(request, reply.raw);
    // A keep-alive connection whose request was in flight when close() began would go idle and
    // hold close() open until the client drops it; asking the client to close it with this
    // answer lets shutdown finish as soon as the work does.
    if (closing) reply.header('connection', 'close');
  });

  if (options.accessLog) logRequests(app, logger);
  if (tracingEnabled()) traceRequests(app, name, options.edge ?? false);

  const metricsAt = metricsSettings();
  if (metricsAt.enabled) {
    // A process that did not name itself (a test, a tool) is named after its first service.
    collectProcessMetrics(name);
    const requests = metrics.httpRequests();
    const durations = metrics.httpDuration();
    app.addHook('onResponse', (request, reply, done) => {
      // The route's pattern, never the path: a client must not be able to add series.
      const route = request.routeOptions.url ?? 'unmatched';
      // Nor a method of its choosing (Node parses some thirty): the usual ones, else OTHER.
      const method = usualMethods.has(request.method) ? request.method : 'OTHER';
      requests.inc({ service: name, method, route, status: reply.statusCode });
      durations.observe({ service: name, method, route }, reply.elapsedTime / 1000);
      done();
    });
    if (metricsAt.port === undefined) {
      app.get('/metrics', async (_request, reply) => {
        const { contentType, body } = await exposition();
        return reply.type(contentType).send(body);
      });
    }
  }

  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(errorBody('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`));
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof AppError) {
      reply.code(error.status).send(errorBody(error.code, error.message, error.details));
      return;
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 429 ? 'RATE_LIMITED' : 'BAD_REQUEST';
      reply.code(status).send(errorBody(code, (error as Error).message));
      return;
    }
    request.log.error({ err: error }, 'request failed');
    reply.code(500).send(errorBody('INTERNAL_SERVER_ERROR', 'internal error'));
  });

  app.get('/healthz', async () => ({ ...options.health?.(), status: 'ok', service: name }));
  app.get('/readyz', async (_request, reply) => {
    if (closing) return reply.code(503).send(errorBody('SHUTTING_DOWN', `${name} is shutting down`));
    try {
      await readiness?.();
      return { status: 'ready', service: name };
    } catch (error) {
      return reply
        .code(503)
        .send(errorBody('SERVICE_UNAVAILABLE', `${name} is not ready: ${(error as Error).message}`));
    }
  });

  return {
    name,
    app,
    logger,
    get closing() {
      return closing;
    },
    onDrain(step) {
      drainSteps.push(step);
    },
    onShutdown(step) {
      shutdownSteps.push(step);
    },
    async listen() {
      await app.listen({ port, host });
      const address = app.server.address();
      if (!address || typeof address === 'string') throw new Error('server has no TCP address');
      const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
      logger.info({ url }, `${name} listening`);
      return { url, port: address.port };
    },
    close() {
      closed ??= (async () => {
        closing = true;
        const drained = await Promise.allSettled(drainSteps.map(async (step) => step()));
        for (const result of drained) {
          if (result.status === 'rejected') logger.error({ err: result.reason }, 'drain step failed');
        }
        // Requests still in flight get a grace period; then their connections go, so that an
        // abandoned upload or a client that never reads cannot hold the shutdown. A stalled
        // upload does not even get that: it is cut off within a second.
        stalls.shorten(STALLED_AT_SHUTDOWN_MS);
        if (options.drainIdleConnections) await idleConnectionsExpired(app.server, limits.keepAliveTimeoutMs);
        const force = setTimeout(() => app.server.closeAllConnections(), limits.closeGraceMs);
        force.unref();
        await app.close();
        clearTimeout(force);
        stalls.stop();
        for (const step of shutdownSteps) {
          try {
            await step();
          } catch (error) {
            logger.error({ err: error }, 'shutdown step failed');
          }
        }
        logger.info(`${name} stopped`);
      })();
      return closed;
    },
  };
}

/**
 * Waits until the server has no connection left, for at most the keep-alive timeout it announces
 * (and a little): a client reuses an idle connection until then (undici stops a second before), so
 * closing one earlier races a request the client is sending on it, which then fails without an
 * answer. Meanwhile every answer says `Connection: close`, and Node closes each idle connection
 * when its own keep-alive timeout ends. Connections with a request still running are the close
 * grace's.
 */
async function idleConnectionsExpired(server: Server, keepAliveTimeoutMs: number): Promise<void> {
  const deadline = Date.now() + keepAliveTimeoutMs + 250;
  const open = () =>
    new Promise<number>((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)));
  while (Date.now() < deadline && (await open()) > 0) await sleep(100);
}

// A converter mounted under a prefix (`/sharpen/healthz`) has its own, which the conversion
// service checks every few seconds: those too.
const untraced = /(?:^|\/)(?:healthz|readyz|metrics)$/;

/**
 * A server span per request, child of the caller's `traceparent`, active while the handler runs:
 * the spans and `traceparent` headers of everything the handler calls descend from it.
 */
function traceRequests(app: FastifyInstance, service: string, edge: boolean): void {
  const spans = new WeakMap<object, ServerSpan>();
  app.addHook('onRequest', (request, _reply, done) => {
    // The route's pattern, never the path: span names are grouped by it.
    const route = request.routeOptions.url ?? 'unmatched';
    // Probes and scrapes, every few seconds from the kubelet and Prometheus, are not traces.
    if (untraced.test(route)) return done();
    const started = startServerSpan(service, `${request.method} ${route}`, request.headers, {
      edge,
      attributes: {
        'http.request.method': request.method,
        'http.route': route,
        'url.path': request.url.split('?', 1)[0]!.slice(0, 256),
        'pixelflow.request_id': request.id,
      },
    });
    if (!started) return done();
    spans.set(request.raw, started);
    const { traceId, traceFlags } = started.span.spanContext();
    if (traceFlags & 1) noteRequest(request, { traceId });
    runIn(started.context, done);
  });
  // A body is read from the socket's events, outside the context the request began in: the
  // handler gets it back here, just before it runs.
  app.addHook('preHandler', (request, _reply, done) => runIn(spans.get(request.raw)?.context, done));
  app.addHook('onResponse', (request, reply, done) => {
    const traced = spans.get(request.raw);
    if (traced) {
      traced.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) traced.span.setStatus({ code: SpanStatusCode.ERROR });
      traced.span.end();
      spans.delete(request.raw);
    }
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    const traced = spans.get(request.raw);
    if (traced) {
      traced.span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away' });
      traced.span.end();
      spans.delete(request.raw);
    }
    done();
  });
}

/** At shutdown, how long an upload may send nothing before it counts as abandoned. */
const STALLED_AT_SHUTDOWN_MS = 1000;
