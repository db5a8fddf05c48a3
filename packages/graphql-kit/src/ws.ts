import type { IncomingMessage } from 'node:http';
import { type ErrorCode, graphqlError } from '@pixelflow/errors';
import type { Logger } from '@pixelflow/logger';
import { addressKey, type HttpService, rawErrorAnswer } from '@pixelflow/service-kit';
import { metrics } from '@pixelflow/telemetry';
import {
  type ExecutionArgs,
  execute,
  GraphQLError,
  type GraphQLFormattedError,
  parse,
  subscribe,
  validate,
} from 'graphql';
import type { ExecutionResult, ServerOptions } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { formatError } from './errors.ts';

/** Every graphql-ws server of this process, for the gauges, counted at each scrape. */
const servers = new Set<{
  service: string;
  wss: WebSocketServer;
  contexts: Set<{ subscriptions: Record<string, unknown> }>;
}>();
metrics.wsSockets(function countSockets() {
  this.reset();
  for (const { service, wss } of servers) this.inc({ service }, wss.clients.size);
});
metrics.wsSubscriptions(function countSubscriptions() {
  this.reset();
  for (const { service, contexts } of servers) {
    let running = 0;
    for (const ctx of contexts) running += Object.keys(ctx.subscriptions).length;
    this.inc({ service }, running);
  }
});

export type { Extra as WsExtra };

export interface GraphQLWsOptions {
  /** @default '/graphql' */
  path?: string;
  /** Ping interval; a peer that misses a pong is dropped. @default 12000 */
  keepAliveMs?: number;
  /** How long a socket may stay open without sending connection_init (then closed, 4408). @default 3000 */
  connectionInitWaitTimeoutMs?: number;
  /**
   * Operations one socket may run at once (graphql-ws calls each a subscription: queries and
   * mutations in flight count too); one more is answered TOO_MANY_SUBSCRIPTIONS, alone. 0: no
   * limit, as internal services need: the gateway multiplexes every caller on one socket.
   * @default 0
   */
  maxSubscriptionsPerSocket?: number;
  /**
   * Sockets one client may hold open; one more is closed with 4429 TOO_MANY_CONNECTIONS. 0: no limit.
   * @default 0
   */
  maxSocketsPerClient?: number;
  /**
   * Who a client is: its address, as the service decides it behind proxies (an IPv6 one by its
   * /64, as addressKey keys it: one host usually holds a whole /64).
   * @default addressKey of the TCP peer
   */
  clientKey?: (request: IncomingMessage) => string;
  /**
   * Largest message a peer may send, in bytes; a larger one closes that peer's socket (1009
   * Message Too Big). The public edge sets it well below what it may forward to an internal
   * service, whose sockets many callers share.
   * @default 1048576 (1 MiB)
   */
  maxPayloadBytes?: number;
  /** How long a closing socket may take to finish its closing handshake, then it is cut. @default 1000 */
  closeGraceMs?: number;
}

/** The defaults of GraphQLWsOptions' timeouts. */
export const defaultGraphQLWsTimeouts = {
  keepAliveMs: 12_000,
  connectionInitWaitTimeoutMs: 3000,
  closeGraceMs: 1000,
} as const satisfies GraphQLWsOptions;

/** The default of GraphQLWsOptions' maxPayloadBytes: what an internal service accepts in one message. */
export const DEFAULT_WS_MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * graphql-ws' own code for "too many initialisation requests", which its client treats as final
 * (no automatic retry); the reason says which limit it was. A browser never sees the status of a
 * refused upgrade (only a 1006 close, which graphql-ws retries), so the upgrade is accepted and
 * the socket closed with this at once.
 */
const TOO_MANY_CONNECTIONS_CLOSE_CODE = 4429;
/** "Service restart": graphql-ws clients reconnect, to another instance. */
const SERVICE_RESTART_CLOSE_CODE = 1012;

/**
 * Closes a socket, and cuts it when the peer does not finish the closing handshake in time: ws
 * would otherwise wait 30 s for it.
 */
function closeSocket(socket: WebSocket, code: number, reason: string, graceMs: number): Promise<void> {
  if (socket.readyState === socket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const cut = setTimeout(() => socket.terminate(), graceMs);
    socket.once('close', () => {
      clearTimeout(cut);
      resolve();
    });
    socket.close(code, reason);
  });
}

/**
 * Serves graphql-ws subscriptions on the service's HTTP server, with a cap on the operations of a
 * socket and on the sockets of a client. At shutdown every socket is closed with 1012 (service
 * restart) so that clients reconnect to another instance, and cut after closeGraceMs.
 *
 * graphql-ws answers anything that throws while it prepares or starts an operation by closing
 * the whole socket (4500), which would end every other subscription multiplexed on it: here a
 * throw from onSubscribe, parse, validate, context, subscribe or execute becomes errors for that
 * operation alone (see isolateOperations). An iterator that throws mid-stream ends only its own
 * subscription (graphql-ws sends it an error).
 */
export function serveGraphQLWs<P extends Record<PropertyKey, unknown> | undefined>(
  service: HttpService,
  serverOptions: ServerOptions<P, Extra & Partial<Record<PropertyKey, never>>>,
  {
    path = '/graphql',
    keepAliveMs = defaultGraphQLWsTimeouts.keepAliveMs,
    connectionInitWaitTimeoutMs = defaultGraphQLWsTimeouts.connectionInitWaitTimeoutMs,
    maxSubscriptionsPerSocket = 0,
    maxSocketsPerClient = 0,
    clientKey = (request) => addressKey(request.socket.remoteAddress ?? 'unknown'),
    closeGraceMs = defaultGraphQLWsTimeouts.closeGraceMs,
    maxPayloadBytes = DEFAULT_WS_MAX_PAYLOAD_BYTES,
  }: GraphQLWsOptions = {},
): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxPayloadBytes });
  const socketsPerClient = new Map<string, number>();
  service.app.server.on('upgrade', (request, socket, head) => {
    const url = request.url?.split('?')[0];
    if (url !== path) {
      socket.end(rawErrorAnswer(404, 'Not Found', 'NOT_FOUND', `the WebSocket endpoint is ${path}`));
      return;
    }
    if (service.closing) {
      socket.end(
        rawErrorAnswer(503, 'Service Unavailable', 'SHUTTING_DOWN', 'this instance is shutting down'),
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const client = clientKey(request);
      const open = socketsPerClient.get(client) ?? 0;
      if (maxSocketsPerClient > 0 && open >= maxSocketsPerClient) {
        const reason = `TOO_MANY_CONNECTIONS: this address holds ${maxSocketsPerClient} sockets already`;
        void closeSocket(ws, TOO_MANY_CONNECTIONS_CLOSE_CODE, reason, closeGraceMs);
        return;
      }
      socketsPerClient.set(client, open + 1);
      ws.once('close', () => {
        const left = (socketsPerClient.get(client) ?? 1) - 1;
        if (left > 0) socketsPerClient.set(client, left);
        else socketsPerClient.delete(client);
      });
      wss.emit('connection', ws, request);
      // graphql-ws prints a peer's protocol error (a message over maxPayloadBytes, a bad frame)
      // with console.error, as often as peers care to cause one; ws closes such a socket itself.
      ws.removeAllListeners('error');
      ws.on('error', (error) => service.logger.debug({ err: error }, 'WebSocket peer error'));
    });
  });

  const isolated = isolateOperations(serverOptions, service.logger);
  const tracked = {
    service: service.name,
    wss,
    contexts: new Set<{ subscriptions: Record<string, unknown> }>(),
  };
  servers.add(tracked);
  const { onConnect, onClose } = isolated;
  const server = useServer<P>(
    {
      isProd: true,
      ...isolated,
      // The sockets past connection_init, whose operations the subscriptions gauge counts.
      onConnect: (ctx) => {
        tracked.contexts.add(ctx);
        return onConnect?.(ctx);
      },
      onClose: (ctx, code, reason) => {
        tracked.contexts.delete(ctx);
        return onClose?.(ctx, code, reason);
      },
      connectionInitWaitTimeout: connectionInitWaitTimeoutMs,
      // graphql-ws has already entered this operation in ctx.subscriptions, and removes each
      // entry once its operation ends: the count is exact, and refusing costs no parse.
      onSubscribe: (ctx, id, payload) => {
        if (maxSubscriptionsPerSocket <= 0) return isolated.onSubscribe(ctx, id, payload);
        let running = 0;
        for (const _ in ctx.subscriptions) {
          if (++running > maxSubscriptionsPerSocket) {
            return [
              graphqlError(
                'TOO_MANY_SUBSCRIPTIONS',
                `this socket runs ${maxSubscriptionsPerSocket} operations already; complete one first`,
              ),
            ];
          }
        }
        return isolated.onSubscribe(ctx, id, payload);
      },
    },
    wss,
    keepAliveMs,
  );
  service.onDrain(async () => {
    await Promise.all(
      [...wss.clients].map((ws) =>
        closeSocket(ws, SERVICE_RESTART_CLOSE_CODE, 'service restart', closeGraceMs),
      ),
    );
    await server.dispose();
    servers.delete(tracked);
  });
}

type WsServerOptions<P extends Record<PropertyKey, unknown> | undefined> = ServerOptions<
  P,
  Extra & Partial<Record<PropertyKey, never>>
>;
type OnSubscribe<P extends Record<PropertyKey, unknown> | undefined> = NonNullable<
  WsServerOptions<P>['onSubscribe']
>;

/**
 * The server options with every step of one operation that may throw made to answer that
 * operation alone: onSubscribe does all of graphql-ws' preparation (the caller's onSubscribe,
 * parse, the schema, validate, context) and answers a throw with errors, and subscribe and
 * execute answer a throw with a result carrying errors. graphql-ws then calls nothing else that
 * can throw before the operation's results (its onOperation, onNext, onError and onComplete hooks
 * are the caller's to keep from throwing; no service sets them). A throw with no registered code
 * is masked as INTERNAL_SERVER_ERROR and logged.
 */
function isolateOperations<P extends Record<PropertyKey, unknown> | undefined>(
  options: WsServerOptions<P>,
  logger: Logger,
): WsServerOptions<P> & { onSubscribe: OnSubscribe<P> } {
  const {
    schema,
    context,
    onSubscribe,
    parse: parseDocument = parse,
    validate: validateDocument = validate,
    subscribe: startSubscription = subscribe,
    execute: executeOperation = execute,
  } = options;
  const refuse = (step: string, error: unknown, code?: ErrorCode): GraphQLError[] => {
    const refusal = asGraphQLError(error, code);
    if (refusal.extensions.code === 'INTERNAL_SERVER_ERROR') {
      logger.error({ err: error, step }, 'a WebSocket operation threw');
    }
    return [refusal];
  };
  return {
    ...options,
    onSubscribe: async (ctx, id, payload) => {
      let args: ExecutionArgs;
      try {
        const prepared = await onSubscribe?.(ctx, id, payload);
        if (Array.isArray(prepared)) {
          if (prepared.length > 0 && prepared.every((e) => e instanceof GraphQLError)) return prepared;
          throw new Error('onSubscribe answered an array that is not GraphQL errors');
        }
        if (prepared) args = prepared as ExecutionArgs;
        else {
          let document: ExecutionArgs['document'];
          try {
            document = parseDocument(payload.query);
          } catch (error) {
            return refuse('parse', error, 'GRAPHQL_PARSE_FAILED');
          }
          const partial = {
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
          };
          args = {
            ...partial,
            schema: typeof schema === 'function' ? await schema(ctx, id, payload, partial) : schema!,
          };
          if (!args.schema) throw new Error('no GraphQL schema to run the operation on');
          let invalid: readonly GraphQLError[];
          try {
            invalid = validateDocument(args.schema, document);
          } catch (error) {
            // graphql-js' SingleFieldSubscriptionsRule evaluates @skip and @include, and throws on
            // what it cannot evaluate: the document is invalid, not the server broken.
            return refuse('validate', error, 'GRAPHQL_VALIDATION_FAILED');
          }
          if (invalid.length > 0) return invalid;
        }
        if (!('contextValue' in args)) {
          args = {
            ...args,
            contextValue: typeof context === 'function' ? await context(ctx, id, payload, args) : context,
          };
        }
      } catch (error) {
        return refuse('prepare', error);
      }
      return args;
    },
    subscribe: async (args) => {
      try {
        return checkedResult(await startSubscription(args));
      } catch (error) {
        return { errors: refuse('subscribe', error) };
      }
    },
    execute: async (args) => {
      try {
        return checkedResult(await executeOperation(args));
      } catch (error) {
        return { errors: refuse('execute', error) };
      }
    },
  };
}

type OperationResult = ExecutionResult | AsyncIterable<ExecutionResult>;

/** graphql-ws calls toJSON() on each error of a single result: each must be a GraphQLError. */
function checkedResult(result: OperationResult): OperationResult {
  if (Symbol.asyncIterator in result || !result.errors) return result;
  if (result.errors.every((error) => error instanceof GraphQLError)) return result;
  return { ...result, errors: result.errors.map((error) => asGraphQLError(error)) };
}

/** A thrown value as a GraphQL error with a registered code; formatError masks unexpected ones. */
function asGraphQLError(error: unknown, code?: ErrorCode): GraphQLError {
  const message = error instanceof Error ? error.message : String(error);
  const extensions = error instanceof GraphQLError ? error.extensions : undefined;
  if (code) return graphqlError(code, message);
  const formatted: GraphQLFormattedError = formatError({ message, extensions }, error);
  return new GraphQLError(formatted.message, { extensions: formatted.extensions });
}
