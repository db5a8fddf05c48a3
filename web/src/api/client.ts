import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';
import { OperationTypeNode } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { catchError, from, mergeMap, type Observable } from 'rxjs';
import { isUnauthorized } from '../lib/errors.ts';
import type { SessionManager } from './session.ts';

/**
 * The members of the schema's unions, so that the cache can match fragments on them (`job(id)`
 * answers a JobPoll); client.test.ts checks this against gateway/api-schema.graphql.
 */
export const possibleTypes = {
  JobPoll: ['JobDone', 'JobPending', 'JobNotFound', 'JobFailed'],
};

/** Time between pings on an idle socket, and how long a pong may take before the socket is dead. */
const KEEP_ALIVE_MS = 10_000;
const PONG_TIMEOUT_MS = 5_000;

export interface ApiClientsOptions {
  /** @default socketUrl() */
  socketUrl?: string;
  /** @default the browser's WebSocket */
  webSocketImpl?: unknown;
}

export interface ApiClients {
  apollo: ApolloClient;
  ws: WsClient;
  /** Calls `listener` when the socket closes or fails to open; returns the unsubscribe. */
  onSocketTrouble(listener: () => void): () => void;
}

/** The gateway's GraphQL endpoint for sockets, on this page's host (ws: or wss: to match). */
export function socketUrl(location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;
}

/**
 * Sends the access token on every HTTP request and, when the gateway answers 401 (the token
 * expired or was revoked early), refreshes it once through the session's shared refresh and
 * retries with the new one; without a token only when the sign-in is over. A refresh that fails
 * for a passing reason (network, auth service down) fails the request with its AuthError, which
 * the page shows: the request must not run anonymously for a signed-in person.
 */
export function authLink(session: Pick<SessionManager, 'accessToken' | 'tokenRejected'>): ApolloLink {
  return new ApolloLink((operation, forward) => {
    const attempt = (token: string | null): Observable<ApolloLink.Result> => {
      operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => {
        const { authorization: _, ...rest } = headers;
        return { headers: token ? { ...rest, authorization: `Bearer ${token}` } : rest };
      });
      return forward(operation);
    };
    return from(session.accessToken()).pipe(
      mergeMap((token) =>
        attempt(token).pipe(
          catchError((error: unknown) => {
            if (!token || !isUnauthorized(error)) throw error;
            return from(session.tokenRejected(token)).pipe(mergeMap(attempt));
          }),
        ),
      ),
    );
  });
}

/**
 * One Apollo Client for the page: queries and mutations (uploads included, as GraphQL multipart
 * requests) over HTTP, subscriptions over graphql-ws on the same host. The socket authenticates in
 * connection_init and is reopened when the sign-in changes, so its identity follows the page's.
 */
export function createApiClients(
  session: Pick<SessionManager, 'session' | 'subscribe' | 'accessToken' | 'tokenRejected'>,
  options: ApiClientsOptions = {},
): ApiClients {
  const troubleListeners = new Set<() => void>();
  const trouble = () => {
    for (const listener of troubleListeners) listener();
  };
  let socket: WebSocket | null = null;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  const ws = createClient({
    url: options.socketUrl ?? socketUrl(),
    webSocketImpl: options.webSocketImpl,
    lazy: true,
    connectionParams: async () => {
      const token = await session.accessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    retryAttempts: 3,
    // A socket can die without a close (a sleeping laptop, a proxy dropping idle connections): it
    // then brings no more events, and nothing would tell the page to poll instead. So ping, and
    // close the socket when no pong answers in time (graphql-ws's recipe); the close is trouble.
    keepAlive: KEEP_ALIVE_MS,
    on: {
      opened: (opened) => {
        socket = opened as WebSocket;
      },
      ping: (received) => {
        if (received) return;
        const pinged = socket;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => {
          if (pinged?.readyState !== WebSocket.OPEN) return;
          pinged.close(4408, 'Request Timeout');
          // The close event of a dead connection can take long to come (no closing handshake).
          trouble();
        }, PONG_TIMEOUT_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
      closed: (event) => {
        socket = null;
        clearTimeout(pongTimer);
        // 1000: the client closed it itself (no subscription left), which is no trouble.
        if ((event as CloseEvent | undefined)?.code !== 1000) trouble();
      },
      error: trouble,
    },
  });
  let signedInAs = session.session?.user.id ?? null;
  session.subscribe(() => {
    const userId = session.session?.user.id ?? null;
    if (userId === signedInAs) return;
    signedInAs = userId;
    // 4205: graphql-ws retries such a close, re-subscribing with the new connectionParams.
    socket?.close(4205, 'sign-in changed');
  });

  const http = new UploadHttpLink({ uri: '/graphql', headers: { 'Apollo-Require-Preflight': 'true' } });
  const link = ApolloLink.split(
    ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(ws),
    ApolloLink.from([authLink(session), http]),
  );
  const apollo = new ApolloClient({
    link,
    cache: new InMemoryCache({
      possibleTypes,
      typePolicies: {
        User: { fields: { images: relayStylePagination() } },
        // Poll answers wrap a job; the job's own id keys it.
        JobDone: { keyFields: false },
        JobPending: { keyFields: false },
        JobFailed: { keyFields: false },
        JobNotFound: { keyFields: false },
      },
    }),
  });
  return {
    apollo,
    ws,
    onSocketTrouble(listener) {
      troubleListeners.add(listener);
      return () => troubleListeners.delete(listener);
    },
  };
}
