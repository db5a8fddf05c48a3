import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { ServerError } from '@apollo/client/errors';
import { parse } from 'graphql';
import { Observable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeWebSocket } from '../test/fake-web-socket.ts';
import { authLink, createApiClients, possibleTypes, socketUrl } from './client.ts';
import { SessionManager } from './session.ts';

const MeQuery = parse('query Me { me { id } }');

/** The gateway: 401 INVALID_TOKEN (as plain JSON) for `expired`, data for any other token or none. */
function gateway(expired: string) {
  const seen: Array<string | undefined> = [];
  const link = new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        const authorization = (operation.getContext().headers as Record<string, string> | undefined)
          ?.authorization;
        seen.push(authorization);
        if (authorization === `Bearer ${expired}`) {
          const bodyText = JSON.stringify({
            errors: [{ message: 'token expired', extensions: { code: 'INVALID_TOKEN' } }],
          });
          observer.error(
            new ServerError('Response not successful: Received status code 401', {
              response: new Response(bodyText, { status: 401 }),
              bodyText,
            }),
          );
          return;
        }
        observer.next({ data: { me: authorization ? { __typename: 'User', id: 'u1' } : null } });
        observer.complete();
      }),
  );
  return { link, seen };
}

describe('authLink', () => {
  it('sends the access token as a Bearer header', async () => {
    const server = gateway('old');
    const session = { accessToken: vi.fn(async () => 'good'), tokenRejected: vi.fn() };
    const client = new ApolloClient({
      link: ApolloLink.from([authLink(session), server.link]),
      cache: new InMemoryCache(),
    });
    const { data } = await client.query({ query: MeQuery });
    expect(server.seen).toEqual(['Bearer good']);
    expect(data).toEqual({ me: { __typename: 'User', id: 'u1' } });
    expect(session.tokenRejected).not.toHaveBeenCalled();
  });

  it('on a 401 refreshes once through the session and retries with the new token', async () => {
    const server = gateway('old');
    const session = { accessToken: vi.fn(async () => 'old'), tokenRejected: vi.fn(async () => 'new') };
    const client = new ApolloClient({
      link: ApolloLink.from([authLink(session), server.link]),
      cache: new InMemoryCache(),
    });
    const { data } = await client.query({ query: MeQuery });
    expect(server.seen).toEqual(['Bearer old', 'Bearer new']);
    expect(session.tokenRejected).toHaveBeenCalledExactlyOnceWith('old');
    expect(data).toEqual({ me: { __typename: 'User', id: 'u1' } });
  });

  it('retries without a token when the sign-in is over, and does not loop', async () => {
    const server = gateway('old');
    const session = { accessToken: vi.fn(async () => 'old'), tokenRejected: vi.fn(async () => null) };
    const client = new ApolloClient({
      link: ApolloLink.from([authLink(session), server.link]),
      cache: new InMemoryCache(),
    });
    const { data } = await client.query({ query: MeQuery });
    expect(server.seen).toEqual(['Bearer old', undefined]);
    expect(data).toEqual({ me: null });
  });

  it('fails the request, rather than send it without a token, when the refresh fails for a passing reason', async () => {
    const server = gateway('old');
    const fetch = vi.fn(async (url: string | URL | Request) => {
      if (String(url) === '/auth/login')
        return Response.json({
          accessToken: 'old',
          expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
          user: { id: 'u1', email: 'ada@example.com' },
        });
      // The auth service is down: the gateway answers 503.
      return Response.json(
        { error: { code: 'SERVICE_UNAVAILABLE', message: 'auth is unavailable' } },
        { status: 503 },
      );
    });
    const session = new SessionManager({ fetch, channel: undefined, withLock: (task) => task(), hint: null });
    await session.signIn('ada@example.com', 'pw');
    const client = new ApolloClient({
      link: ApolloLink.from([authLink(session), server.link]),
      cache: new InMemoryCache(),
    });
    await expect(client.query({ query: MeQuery })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(server.seen).toEqual(['Bearer old']);
    expect(session.status).toBe('signed-in');
    session.dispose();
  });

  it('sends nothing when signed out', async () => {
    const server = gateway('old');
    const session = { accessToken: vi.fn(async () => null), tokenRejected: vi.fn() };
    const client = new ApolloClient({
      link: ApolloLink.from([authLink(session), server.link]),
      cache: new InMemoryCache(),
    });
    await client.query({ query: MeQuery });
    expect(server.seen).toEqual([undefined]);
  });
});

describe('socketUrl', () => {
  it('uses the page host, with wss on https', () => {
    expect(socketUrl({ protocol: 'http:', host: 'localhost:4000' })).toBe('ws://localhost:4000/graphql');
    expect(socketUrl({ protocol: 'https:', host: 'pixelflow.example' })).toBe(
      'wss://pixelflow.example/graphql',
    );
  });
});

describe('the socket', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeWebSocket.instances = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const signedOut = {
    session: null,
    subscribe: () => () => undefined,
    accessToken: async () => null,
    tokenRejected: async () => null,
  };

  it('pings every 10 s, and closes a socket that answers no ping in 5 s as trouble', async () => {
    const clients = createApiClients(signedOut, {
      socketUrl: 'ws://gw/graphql',
      webSocketImpl: FakeWebSocket,
    });
    const trouble = vi.fn();
    clients.onSocketTrouble(trouble);
    const events: unknown[] = [];
    const unsubscribe = clients.ws.subscribe(
      { query: 'subscription { jobUpdated(id: "j1") { id } }' },
      { next: (event) => events.push(event), error: () => undefined, complete: () => undefined },
    );
    // Opened, acknowledged, subscribed.
    await vi.advanceTimersByTimeAsync(10);
    const socket = FakeWebSocket.instances[0]!;
    socket.receive({
      type: 'next',
      id: socket.subscriptionId,
      payload: { data: { jobUpdated: { id: 'j1' } } },
    });
    expect(events).toHaveLength(1);

    // A live socket answers each ping: no trouble.
    const pings = () => socket.sent.filter((message) => message.type === 'ping').length;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(pings()).toBe(3);
    expect(trouble).not.toHaveBeenCalled();

    // The connection dies without a close: the next ping goes unanswered.
    socket.alive = false;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(pings()).toBe(4);
    expect(trouble).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(socket.closedWith).toEqual({ code: 4408, reason: 'Request Timeout' });
    expect(trouble).toHaveBeenCalled();

    unsubscribe();
    await clients.ws.dispose();
    clients.apollo.stop();
  });
});

describe('possibleTypes', () => {
  it('lists every union of the API schema with its members', async () => {
    const { buildSchema, isUnionType } = await import('graphql');
    const { default: sdl } = await import('../../../gateway/api-schema.graphql?raw');
    const schema = buildSchema(sdl);
    const unions = Object.fromEntries(
      Object.values(schema.getTypeMap())
        .filter(isUnionType)
        .map((union) => [union.name, union.getTypes().map((type) => type.name)]),
    );
    expect(possibleTypes).toEqual(unions);
  });
});
