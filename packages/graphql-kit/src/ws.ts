import type { HttpService } from '@pixelflow/service-kit';
import type { ServerOptions } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

export type { Extra as WsExtra };

export interface GraphQLWsOptions {
  /** @default '/graphql' */
  path?: string;
  /** Ping interval; a peer that misses a pong is dropped. @default 12000 */
  keepAliveMs?: number;
}

/**
 * Serves graphql-ws subscriptions on the service's HTTP server. At shutdown every socket is
 * closed with 1001 (going away) so that clients reconnect to another instance.
 *
 * The iterators behind subscriptions must never throw: graphql-ws answers a thrown error by
 * closing the whole socket, which would end every other subscription multiplexed on it. Errors
 * travel as results with `errors` instead.
 */
export function serveGraphQLWs<P extends Record<PropertyKey, unknown> | undefined>(
  service: HttpService,
  serverOptions: ServerOptions<P, Extra & Partial<Record<PropertyKey, never>>>,
  { path = '/graphql', keepAliveMs = 12_000 }: GraphQLWsOptions = {},
): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  service.app.server.on('upgrade', (request, socket, head) => {
    const url = request.url?.split('?')[0];
    if (url !== path || service.closing) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });
  const server = useServer<P>({ isProd: true, ...serverOptions }, wss, keepAliveMs);
  service.onDrain(() => server.dispose());
}
