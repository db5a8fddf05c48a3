import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { millis, z } from '@pixelflow/config';
import { type ErrorCode, errorBody } from '@pixelflow/errors';
import { addressKey } from './client-address.ts';

/**
 * How long a client may hold a connection, and how many it may hold: every resource a client can
 * keep busy by sending slowly or not at all has a bound here. Each service reads them from its
 * environment (`httpLimitsEnv`); the defaults suit a public edge and internal services alike,
 * except the per-address cap, which only the gateway (the one public service) sets.
 */
export interface HttpLimits {
  /** Time to receive a request's headers; a half-sent header line is cut off with 408. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (a 5 MB upload on a slow link fits). */
  requestTimeoutMs: number;
  /** An upload (a request body) that sends nothing for this long is cut off with 408. */
  uploadIdleTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /**
   * An answer that makes no progress for this long (its client stopped reading it) is cut off;
   * 0 for none. Sockets upgraded to WebSockets have their own ping.
   */
  answerIdleTimeoutMs: number;
  /** Open connections one client address (an IPv6 one by its /64) may hold; 0 for no limit. */
  maxConnectionsPerAddress: number;
  /**
   * At shutdown, how long requests in flight may still take once the service stopped accepting;
   * then their connections are closed (an abandoned upload must not hold the shutdown).
   */
  closeGraceMs: number;
}

export const defaultHttpLimits: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  uploadIdleTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  answerIdleTimeoutMs: 120_000,
  maxConnectionsPerAddress: 0,
  closeGraceMs: 10_000,
};

/**
 * The environment variables of the limits, for a service's env.ts: HEADERS_TIMEOUT_MS,
 * REQUEST_TIMEOUT_MS, UPLOAD_IDLE_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, ANSWER_IDLE_TIMEOUT_MS,
 * MAX_CONNECTIONS_PER_ADDRESS and
 * SHUTDOWN_CLOSE_GRACE_MS, with the service's own defaults where they differ.
 */
export function httpLimitsEnv(overrides: Partial<HttpLimits> = {}) {
  const d = { ...defaultHttpLimits, ...overrides };
  return {
    HEADERS_TIMEOUT_MS: millis(d.headersTimeoutMs),
    REQUEST_TIMEOUT_MS: millis(d.requestTimeoutMs),
    UPLOAD_IDLE_TIMEOUT_MS: millis(d.uploadIdleTimeoutMs),
    KEEP_ALIVE_TIMEOUT_MS: millis(d.keepAliveTimeoutMs),
    ANSWER_IDLE_TIMEOUT_MS: z.coerce.number().int().min(0).default(d.answerIdleTimeoutMs),
    MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(0).default(d.maxConnectionsPerAddress),
    SHUTDOWN_CLOSE_GRACE_MS: millis(d.closeGraceMs),
  };
}

export type HttpLimitsEnv = { [K in keyof ReturnType<typeof httpLimitsEnv>]: number };

/** The limits as the environment variables that set them (what a parsed env holds by default). */
export function httpLimitsEnvValues(limits: HttpLimits = defaultHttpLimits): HttpLimitsEnv {
  return {
    HEADERS_TIMEOUT_MS: limits.headersTimeoutMs,
    REQUEST_TIMEOUT_MS: limits.requestTimeoutMs,
    UPLOAD_IDLE_TIMEOUT_MS: limits.uploadIdleTimeoutMs,
    KEEP_ALIVE_TIMEOUT_MS: limits.keepAliveTimeoutMs,
    ANSWER_IDLE_TIMEOUT_MS: limits.answerIdleTimeoutMs,
    MAX_CONNECTIONS_PER_ADDRESS: limits.maxConnectionsPerAddress,
    SHUTDOWN_CLOSE_GRACE_MS: limits.closeGraceMs,
  };
}

/** The limits from a parsed environment that holds `httpLimitsEnv()`'s variables. */
export function httpLimitsFrom(env: HttpLimitsEnv): HttpLimits {
  return {
    headersTimeoutMs: env.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    uploadIdleTimeoutMs: env.UPLOAD_IDLE_TIMEOUT_MS,
    keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
    answerIdleTimeoutMs: env.ANSWER_IDLE_TIMEOUT_MS,
    maxConnectionsPerAddress: env.MAX_CONNECTIONS_PER_ADDRESS,
    closeGraceMs: env.SHUTDOWN_CLOSE_GRACE_MS,
  };
}

/** A complete HTTP/1.1 answer with the product's JSON error body, for use on a bare socket. */
export function rawErrorAnswer(status: number, reason: string, code: ErrorCode, message: string): string {
  const body = JSON.stringify(errorBody(code, message));
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/** Whether an answer can still be written to the socket (none begun on it for this request). */
export function canAnswer(socket: Socket): boolean {
  const message = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  return socket.writable && !message?.headersSent;
}

/**
 * Node's client errors (timeouts, malformed requests, oversized headers) answered with the JSON
 * error body every other answer has, rather than fastify's or Node's own shapes.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!canAnswer(socket)) {
    socket.destroy();
    return;
  }
  answerAndClose(
    socket,
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? rawErrorAnswer(408, 'Request Timeout', 'REQUEST_TIMEOUT', 'the request arrived too slowly')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? rawErrorAnswer(431, 'Request Header Fields Too Large', 'BAD_REQUEST', 'the headers are too large')
        : rawErrorAnswer(400, 'Bad Request', 'BAD_REQUEST', 'malformed HTTP request'),
  );
}

/**
 * Writes the answer and closes the connection once it has left, whatever the peer does: a client
 * that never reads nor closes cannot keep the socket, since it is destroyed after a short wait.
 */
export function answerAndClose(socket: Socket, answer?: string): void {
  if (!answer || !socket.writable) {
    socket.destroy();
    return;
  }
  const force = setTimeout(() => socket.destroy(), 1000);
  force.unref();
  socket.end(answer, () => {
    clearTimeout(force);
    socket.destroy();
  });
}

/**
 * Caps the connections one address holds open. The cap is on TCP peers: behind a proxy every
 * client shares the proxy's address, so a service behind one leaves it off and lets the proxy
 * limit, and caps per forwarded client where it can tell them apart (the gateway's sockets).
 */
export function capConnectionsPerAddress(server: Server, max: number): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = addressKey(socket.remoteAddress ?? 'unknown');
    const count = (open.get(address) ?? 0) + 1;
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
    if (count > max) {
      answerAndClose(
        socket,
        rawErrorAnswer(
          429,
          'Too Many Requests',
          'TOO_MANY_CONNECTIONS',
          `this address already holds ${max} open connections`,
        ),
      );
    }
  });
}

/**
 * An `Expect` other than 100-continue is answered 417 with the product's JSON error body (Node's
 * own answer has none).
 */
export function answerUnknownExpectations(server: Server): void {
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const body = JSON.stringify(
      errorBody('BAD_REQUEST', `Expect: ${String(request.headers.expect).slice(0, 100)} is not supported`),
    );
    response.writeHead(417, { 'content-type': 'application/json', connection: 'close' }).end(body);
  });
}
