import { timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError, type ErrorBody, isErrorCode } from '@pixelflow/errors';
import { failSpan, injectContext, SpanKind, withSpan } from '@pixelflow/telemetry';
import type { FastifyRequest } from 'fastify';
import { Agent, type Dispatcher, request } from 'undici';

/** Header that carries the internal secret on service-to-service calls. */
export const INTERNAL_TOKEN_HEADER = 'x-pixelflow-internal';

// One keep-alive pool per process for every internal call: connection reuse matters more than
// anything else for the many small requests between services.
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, pipelining: 1 });

export interface UpstreamRequest {
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  /** A function gives a fresh stream per try, which makes a streamed body retryable. */
  body?: string | Buffer | Uint8Array | Readable | (() => Readable) | null;
  /** @default 10000 */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Safe to send twice: then a request lost on a dropped connection is retried on another one.
   * @default true for GET, HEAD, PUT, DELETE and OPTIONS
   */
  idempotent?: boolean;
}

export type UpstreamResponse = Dispatcher.ResponseData;

export interface UpstreamOptions {
  /** Base URLs of the instances of one service; requests rotate over them. */
  urls: readonly string[];
  /** The internal secret, sent on every request. */
  secret?: string;
  /** Service name for errors. */
  name: string;
}

// The request never reached the instance: retrying is safe for any request.
const connectErrors = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
// The connection broke (often a pooled one whose instance died): the request may have arrived.
const droppedErrors = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const idempotentMethods = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
// An instance that refused a connection is skipped this long (it is probably gone or restarting).
const DOWN_FOR_MS = 5000;

/**
 * A client for one internal service: round robin over its instances, and failover to the next
 * one when an instance refuses the connection (the request never reached it, so retrying is safe
 * for any method) or, for idempotent requests, when the connection drops. In the cluster there is
 * one URL (a Kubernetes Service); locally there may be many.
 */
export class Upstream {
  readonly #urls: readonly string[];
  readonly #secret: string | undefined;
  readonly #name: string;
  readonly #down = new Map<string, number>();
  #next = 0;

  constructor({ urls, secret, name }: UpstreamOptions) {
    if (urls.length === 0) throw new Error(`no URL for ${name}`);
    this.#urls = urls;
    this.#secret = secret;
    this.#name = name;
  }

  get urls(): readonly string[] {
    return this.#urls;
  }

  /** The service's name, as its errors say it. */
  get name(): string {
    return this.#name;
  }

  /** Sends the request; throws AppError(SERVICE_UNAVAILABLE) when no instance can be reached. */
  async request(path: string, options: UpstreamRequest = {}): Promise<UpstreamResponse> {
    requirePlainPath(path);
    const method = options.method ?? 'GET';
    // A client span per call, whose `traceparent` the service's server span continues.
    return withSpan(
      undefined,
      // Named by the service called, not the path, which holds ids: the callee's server span
      // names the route.
      `${method} ${this.#name}`,
      {
        kind: SpanKind.CLIENT,
        // A call made while serving a request or running a job; a heartbeat is not a trace.
        inTraceOnly: true,
        attributes: {
          'http.request.method': method,
          'peer.service': this.#name,
          'url.path': path.split('?', 1)[0]!.slice(0, 256),
        },
      },
      async (span) => {
        const response = await this.#request(path, options);
        span?.setAttribute('http.response.status_code', response.statusCode);
        if (response.statusCode >= 500)
          failSpan(span, new Error(`${this.#name} answered ${response.statusCode}`));
        return response;
      },
    );
  }

  async #request(path: string, options: UpstreamRequest): Promise<UpstreamResponse> {
    const { method = 'GET', body = null, timeoutMs = 10_000, signal } = options;
    const headers = injectContext(options.headers ?? {});
    const idempotent = options.idempotent ?? idempotentMethods.has(method);
    const allHeaders = this.#secret ? { ...headers, [INTERNAL_TOKEN_HEADER]: this.#secret } : headers;
    const stream = body && typeof body === 'object' && 'pipe' in body ? (body as Readable) : undefined;
    let sent: Readable | undefined;
    let lastError: unknown;
    // One try more than there are instances: a dropped pooled connection is retried on a fresh one.
    for (let attempt = 0; attempt <= this.#urls.length; attempt++) {
      const base = this.#pick();
      try {
        sent = typeof body === 'function' ? body() : undefined;
        return await request(base + path, {
          method,
          headers: allHeaders,
          body: sent ?? (body as Exclude<typeof body, () => Readable>),
          dispatcher: agent,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal,
        });
      } catch (error) {
        lastError = error;
        const code = (error as { code?: string }).code ?? '';
        if (connectErrors.has(code)) this.#down.set(base, Date.now() + DOWN_FOR_MS);
        sent?.destroy();
        // A given stream can be sent once: retry only when not a byte of it was read.
        const replayable = !stream?.readableDidRead;
        const retry = connectErrors.has(code) || (idempotent && droppedErrors.has(code));
        if (!retry || !replayable) break;
      }
    }
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      `${this.#name} is unreachable: ${(lastError as Error)?.message}`,
    );
  }

  /** The next instance in turn, skipping those that refused a connection lately (unless all did). */
  #pick(): string {
    const now = Date.now();
    for (let i = 0; i < this.#urls.length; i++) {
      const url = this.#urls[this.#next++ % this.#urls.length]!;
      if ((this.#down.get(url) ?? 0) <= now) return url;
    }
    return this.#urls[this.#next++ % this.#urls.length]!;
  }

  /** Sends JSON, expects JSON; a non-2xx answer becomes the AppError its body names. */
  async json<T>(path: string, options: Omit<UpstreamRequest, 'body'> & { body?: unknown } = {}): Promise<T> {
    const { body, headers, ...rest } = options;
    const response = await this.request(path, {
      ...rest,
      headers: body === undefined ? { ...headers } : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? null : JSON.stringify(body),
    });
    return readJson<T>(response, this.#name);
  }
}

/**
 * Every internal request carries the internal secret, so its path must be the one its caller
 * meant: a path built from a client's input could otherwise climb out of its route, since the
 * URL parser resolves `..` and reads `\` as `/` (`/images/..\healthz` is `/healthz`).
 */
function requirePlainPath(path: string): void {
  const route = path.split('?', 1)[0]!;
  const segments = route.split('/').slice(1);
  const dotted = segments.some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
  if (
    !route.startsWith('/') ||
    route.includes('//') ||
    route.includes('\\') ||
    /%5c/i.test(route) ||
    dotted
  ) {
    throw new AppError('BAD_REQUEST', 'not a plain path');
  }
}

/** Reads a JSON answer; a non-2xx status becomes an AppError with the code from the error body. */
export async function readJson<T>(response: UpstreamResponse, name: string): Promise<T> {
  const text = await response.body.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new AppError('SERVICE_UNAVAILABLE', `${name} answered ${response.statusCode} with invalid JSON`);
  }
  if (response.statusCode >= 200 && response.statusCode < 300) return parsed as T;
  throw errorFromBody(parsed, response.statusCode, name);
}

export function errorFromBody(body: unknown, status: number, name: string): AppError {
  const error = (body as Partial<ErrorBody> | undefined)?.error;
  if (error && isErrorCode(error.code)) return new AppError(error.code, error.message, error.details);
  return new AppError(status >= 500 ? 'SERVICE_UNAVAILABLE' : 'BAD_REQUEST', `${name} answered ${status}`);
}

/** True when `given` is the internal secret; compared in constant time. */
export function isInternalToken(given: unknown, secret: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when the request carries the internal secret. */
export function hasInternalToken(request: FastifyRequest, secret: string): boolean {
  return isInternalToken(request.headers[INTERNAL_TOKEN_HEADER], secret);
}

/** A fastify onRequest hook for internal routes: 403 without the internal secret. */
export function requireInternalToken(secret: string) {
  return async (request: FastifyRequest) => {
    if (!hasInternalToken(request, secret)) {
      throw new AppError('FORBIDDEN', 'internal route: missing or wrong internal token');
    }
  };
}
