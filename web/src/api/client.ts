import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';
import { OperationTypeNode } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { catchError, from, mergeMap, type Observable } from 'rxjs';
import { isUnauthorized } from '../lib/errors.ts';
import type { SessionManager } from './session.ts';

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
 * retries with the new one.
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
export function createApiClients(session: SessionManager): ApiClients {
  const troubleListeners = new Set<() => void>();
  const trouble = () => {
    for (const listener of troubleListeners) listener();
  };
  let socket: WebSocket | null = null;
  const ws = createClient({
    url: socketUrl(),
    lazy: true,
    connectionParams: async () => {
      const token = await session.accessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    retryAttempts: 3,
    on: {
      opened: (opened) => {
        socket = opened as WebSocket;
      },
      closed: (event) => {
        socket = null;
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
