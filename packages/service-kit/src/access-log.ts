import type { Logger } from '@pixelflow/logger';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** What the handlers learn of a request that its access log line should say. */
export interface RequestNote {
  /** The signed-in user's id, or `anonymous`. */
  user?: string;
  /** A GraphQL request's operation: its root field (or `multiple`, `invalid`). */
  operation?: string;
  /** The name the client gave the operation (its own text, cut short). */
  operationName?: string;
  /** The request's trace, when tracing is on. */
  traceId?: string;
}

const notes = new WeakMap<object, RequestNote>();

/** Adds to what the request's access log line says. */
export function noteRequest(request: FastifyRequest, note: RequestNote): void {
  notes.set(request.raw, { ...notes.get(request.raw), ...note });
}

/**
 * One info line per answered request at the edge: method, route pattern and path (never the query
 * string, which holds signed URLs' signatures), status, duration, user, request id, trace id and, for
 * GraphQL, the operation. Headers and bodies are never logged: they hold tokens and passwords.
 */
export function logRequests(app: FastifyInstance, logger: Logger): void {
  app.addHook('onResponse', (request, reply, done) => {
    const note = notes.get(request.raw);
    logger.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        path: request.url.split('?', 1)[0]!.slice(0, 512),
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
        requestId: request.id,
        traceId: note?.traceId,
        user: note?.user,
        operation: note?.operation,
        operationName: note?.operationName,
      },
      'request',
    );
    done();
  });
}
