import type { IncomingMessage } from 'node:http';
import { graphqlError } from '@pixelflow/errors';
import { type HttpService, rawErrorAnswer } from '@pixelflow/service-kit';
import type { ServerOptions } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';

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
  /** Who a client is: its address, as the service decides it behind proxies. @default the TCP peer */
  clientKey?: (request: IncomingMessage) => string;
  /** How long a closing socket may take to finish its closing handshake, then it is cut. @default 1000 */
  closeGraceMs?: number;
}

/** The defaults of GraphQLWsOptions' timeouts. */
export const defaultGraphQLWsTimeouts = {
  keepAliveMs: 12_000,
  connectionInitWaitTimeoutMs: 3000,
  closeGraceMs: 1000,
} as const satisfies GraphQLWsOptions;

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
 * The iterators behind subscriptions must never throw: graphql-ws answers a thrown error by
 * closing the whole socket, which would end every other subscription multiplexed on it. Errors
 * travel as results with `errors` instead.
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
    clientKey = (request) => request.socket.remoteAddress ?? 'unknown',
    closeGraceMs = defaultGraphQLWsTimeouts.closeGraceMs,
  }: GraphQLWsOptions = {},
): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
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
    });
  });

  const server = useServer<P>(
    {
      isProd: true,
      ...serverOptions,
      connectionInitWaitTimeout: connectionInitWaitTimeoutMs,
      // graphql-ws has already entered this operation in ctx.subscriptions, and removes each
      // entry once its operation ends: the count is exact, and refusing costs no parse.
      onSubscribe: (ctx, id, payload) => {
        if (maxSubscriptionsPerSocket <= 0) return serverOptions.onSubscribe?.(ctx, id, payload);
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
        return serverOptions.onSubscribe?.(ctx, id, payload);
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
  });
}
