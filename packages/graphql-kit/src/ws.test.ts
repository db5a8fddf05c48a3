import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { createLogger } from '@pixelflow/logger';
import { createHttpService, type HttpService } from '@pixelflow/service-kit';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type GraphQLWsOptions, serveGraphQLWs } from './ws.ts';

/** A subscription that sends one event, then stays open until it is ended. */
function ticks(): AsyncIterableIterator<{ ticks: number }> {
  let sent = false;
  let end: (() => void) | undefined;
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  return {
    async next() {
      if (!sent) {
        sent = true;
        return { done: false, value: { ticks: 1 } };
      }
      await ended;
      return { done: true, value: undefined };
    },
    async return() {
      end?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

const schema = buildSchema('type Query { hello: String } type Subscription { ticks: Int }');
(schema.getType('Subscription') as GraphQLObjectType).getFields().ticks!.subscribe = ticks;

let service: HttpService | undefined;
const clients: Client[] = [];
const sockets: Array<WebSocket | Socket> = [];

async function serve(
  options: GraphQLWsOptions,
  serverOptions: Parameters<typeof serveGraphQLWs>[1] = { schema },
): Promise<string> {
  service = createHttpService({
    name: 'ws-test',
    logger: createLogger({ service: 'test', level: 'silent' }),
    host: '127.0.0.1',
  });
  serveGraphQLWs(service, serverOptions, options);
  const { port } = await service.listen();
  return `ws://127.0.0.1:${port}/graphql`;
}

afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
  for (const socket of sockets.splice(0)) {
    if (socket instanceof WebSocket) socket.terminate();
    else socket.destroy();
  }
  await service?.close();
  service = undefined;
});

function client(url: string): Client {
  const created = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
  clients.push(created);
  return created;
}

/** The first thing a subscription answers: its first result, or its errors' codes. */
function firstAnswer(wsClient: Client, query: string, operationName?: string): Promise<unknown> {
  return new Promise((resolve) => {
    wsClient.subscribe(
      { query, operationName },
      {
        next: (value) => resolve(value),
        error: (error) =>
          resolve(Array.isArray(error) ? error.map((e) => e.extensions?.code) : { closed: error }),
        complete: () => resolve('complete'),
      },
    );
  });
}

/** A graphql-transport-ws socket; resolves once open. */
async function socket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  sockets.push(ws);
  await once(ws, 'open');
  return ws;
}

const closeOf = (ws: WebSocket) =>
  once(ws, 'close').then(([code, reason]) => ({ code, reason: String(reason) }));

async function acknowledged(ws: WebSocket): Promise<unknown> {
  ws.send(JSON.stringify({ type: 'connection_init' }));
  const [data] = await once(ws, 'message');
  return JSON.parse(String(data));
}

describe('serveGraphQLWs', () => {
  it('answers operations past maxSubscriptionsPerSocket with TOO_MANY_SUBSCRIPTIONS, alone', async () => {
    const wsClient = client(await serve({ maxSubscriptionsPerSocket: 3 }));
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => firstAnswer(wsClient, 'subscription { ticks }')),
    );
    expect(answers).toEqual([
      { data: { ticks: 1 } },
      { data: { ticks: 1 } },
      { data: { ticks: 1 } },
      ['TOO_MANY_SUBSCRIPTIONS'],
      ['TOO_MANY_SUBSCRIPTIONS'],
    ]);
    // The socket and its three subscriptions carry on: a query is refused too, until one ends.
    expect(await firstAnswer(wsClient, '{ hello }')).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
  });

  it('counts only operations still running', async () => {
    const wsClient = client(await serve({ maxSubscriptionsPerSocket: 1 }));
    for (let i = 0; i < 3; i++)
      expect(await firstAnswer(wsClient, '{ hello }')).toEqual({ data: { hello: null } });
  });

  it('closes the sockets of a client past maxSocketsPerClient with 4429 TOO_MANY_CONNECTIONS', async () => {
    const url = await serve({ maxSocketsPerClient: 2 });
    const [first, second] = [await socket(url), await socket(url)];
    const third = await socket(url);
    const refused = await closeOf(third);
    expect(refused.code).toBe(4429);
    expect(refused.reason).toMatch(/^TOO_MANY_CONNECTIONS/);
    // The client's other sockets are served; once one closes, a new one is too.
    expect(await acknowledged(second!)).toEqual({ type: 'connection_ack' });
    first!.close();
    await once(first!, 'close');
    expect(await acknowledged(await socket(url))).toEqual({ type: 'connection_ack' });
  });

  it('closes a socket that sends no connection_init within connectionInitWaitTimeoutMs (4408)', async () => {
    const ws = await socket(await serve({ connectionInitWaitTimeoutMs: 100 }));
    expect((await closeOf(ws)).code).toBe(4408);
  });

  it('at shutdown closes every socket with 1012 and cuts one whose peer never answers', async () => {
    const url = await serve({ closeGraceMs: 300, connectionInitWaitTimeoutMs: 60_000 });
    const polite = await socket(url);
    await acknowledged(polite);
    const politeClose = closeOf(polite);
    // A peer that completes the handshake, then reads nothing and never answers the close frame:
    // ws would wait 30 s for it.
    const deaf = connect(Number(new URL(url).port), '127.0.0.1');
    sockets.push(deaf);
    deaf.write(
      'GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
    );
    const [handshake] = await once(deaf, 'data');
    expect(String(handshake)).toMatch(/^HTTP\/1\.1 101/);
    deaf.on('data', () => {}); // read, never answer
    const deafClosed = once(deaf, 'close');

    const started = Date.now();
    await service!.close();
    service = undefined;
    expect(await politeClose).toEqual({ code: 1012, reason: 'service restart' });
    await deafClosed;
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers an operation that throws anywhere before its results alone; the socket carries on', async () => {
    const wsClient = client(
      await serve(
        { connectionInitWaitTimeoutMs: 60_000 },
        {
          schema,
          onSubscribe: (_ctx, _id, payload) => {
            if (payload.extensions?.break === 'onSubscribe') throw new Error('onSubscribe broke');
          },
          context: (_ctx, _id, payload) => {
            if (payload.extensions?.break === 'context') throw new Error('context broke');
            return {};
          },
        },
      ),
    );
    // Another caller's subscription on the same socket, as the gateway multiplexes them.
    const live: unknown[] = [];
    let ended: unknown;
    wsClient.subscribe(
      { query: 'subscription { ticks }' },
      {
        next: (value) => live.push(value),
        error: (error) => (ended = error),
        complete: () => (ended = 'complete'),
      },
    );
    await expect.poll(() => live).toEqual([{ data: { ticks: 1 } }]);

    const answer = (
      query: string,
      extra: { operationName?: string; extensions?: Record<string, unknown> } = {},
    ) =>
      new Promise<unknown>((resolve) => {
        wsClient.subscribe(
          { query, ...extra },
          {
            // A result with errors (then complete), or an error message: the codes either way.
            next: (value) => resolve(value.errors ? value.errors.map((e) => e.extensions?.code) : value),
            error: (error) =>
              resolve(Array.isArray(error) ? error.map((e) => e.extensions?.code) : { closed: error }),
            complete: () => resolve('complete'),
          },
        );
      });
    // graphql-js' subscribe throws when the only root field is skipped (undefined is not iterable).
    expect(await answer('subscription { ticks @include(if: false) }')).toEqual(['INTERNAL_SERVER_ERROR']);
    // graphql-js' validate throws evaluating @skip on a subscription root with no variables.
    expect(
      await answer('query Q { hello } subscription S($s: Boolean!) { ticks @skip(if: $s) }', {
        operationName: 'Q',
      }),
    ).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await answer('{ hello ')).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(await answer('{ hello }', { extensions: { break: 'context' } })).toEqual([
      'INTERNAL_SERVER_ERROR',
    ]);
    expect(await answer('{ hello }', { extensions: { break: 'onSubscribe' } })).toEqual([
      'INTERNAL_SERVER_ERROR',
    ]);

    expect(await answer('{ hello }')).toEqual({ data: { hello: null } });
    expect(ended).toBeUndefined();
  });

  it('closes a socket whose message is over maxPayloadBytes (1009), alone', async () => {
    const url = await serve({ maxPayloadBytes: 64 * 1024 });
    const [small, large] = [await socket(url), await socket(url)];
    await acknowledged(small!);
    await acknowledged(large!);
    const subscribe = (query: string) => JSON.stringify({ id: '1', type: 'subscribe', payload: { query } });
    const largeClosed = closeOf(large!);
    large!.send(subscribe(`{ hello ${' '.repeat(64 * 1024)}}`));
    expect((await largeClosed).code).toBe(1009);
    small!.send(subscribe(`{ hello ${' '.repeat(60 * 1024)}}`));
    const [answer] = await once(small!, 'message');
    expect(JSON.parse(String(answer))).toEqual({ id: '1', type: 'next', payload: { data: { hello: null } } });
  });

  it('answers an upgrade on another path with 404 and a JSON error', async () => {
    const url = new URL(await serve({}));
    const raw = connect(Number(url.port), '127.0.0.1');
    sockets.push(raw);
    raw.write(
      'GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const [answer] = await once(raw, 'data');
    expect(String(answer)).toMatch(/^HTTP\/1\.1 404/);
    expect(String(answer)).toContain('"code":"NOT_FOUND"');
  });
});
