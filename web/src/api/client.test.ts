import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { ServerError } from '@apollo/client/errors';
import { parse } from 'graphql';
import { Observable } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { authLink, socketUrl } from './client.ts';

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
