import { createServer } from 'node:http';
import { z } from '@pixelflow/config';
import { AppError } from '@pixelflow/errors';
import { createLogger } from '@pixelflow/logger';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createHttpService } from './http-service.ts';
import { callRoute, defineRoutes, serveRoutes } from './route-contract.ts';
import { INTERNAL_TOKEN_HEADER, Upstream } from './upstream.ts';

const secret = 'a-secret-of-at-least-thirty-two-characters!';
const note = z.object({ id: z.string(), text: z.string(), copies: z.number().int() });

const routes = defineRoutes({
  write: {
    method: 'POST',
    url: '/internal/notes/:id',
    params: z.object({ id: z.string().max(8) }),
    querystring: z.object({ copies: z.coerce.number<number>().int().min(1) }),
    body: z.object({ text: z.string().max(20) }),
    response: note,
    status: 201,
    idempotent: true,
  },
  upload: {
    method: 'PUT',
    url: '/internal/notes/:id/bytes',
    params: z.object({ id: z.string() }),
    body: 'bytes',
    response: z.object({ bytes: z.number(), contentType: z.string() }),
    idempotent: true,
  },
  // Its handler answers what the contract does not promise: a bug of the serving side.
  broken: { method: 'GET', url: '/internal/broken', response: note, idempotent: true },
  // Served by hand (below) with an answer of the wrong shape: a bug of the other side, as seen by a client.
  stranger: { method: 'GET', url: '/internal/stranger', response: note, idempotent: true },
});

const service = createHttpService({
  name: 'notes',
  logger: createLogger({ service: 'notes', level: 'silent' }),
});
let upstream: Upstream;
beforeAll(async () => {
  service.app.register(async (scope) => {
    scope.addContentTypeParser('image/png', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    const { stranger, ...served } = routes;
    serveRoutes(scope, served, {
      write: async (request) => {
        expectTypeOf(request.query.copies).toEqualTypeOf<number>();
        expectTypeOf(request.body.text).toEqualTypeOf<string>();
        // A key the contract does not name: it must not leave the service.
        return { id: request.params.id, text: request.body.text, copies: request.query.copies, secret: 'x' };
      },
      upload: async (request) => {
        expectTypeOf(request.body).toEqualTypeOf<unknown>();
        if (!Buffer.isBuffer(request.body)) throw new AppError('BAD_REQUEST', 'bytes wanted');
        return { bytes: request.body.length, contentType: String(request.headers['content-type']) };
      },
      // @ts-expect-error: the answer breaks the contract, which the handler's type says.
      broken: async () => ({ id: 'n1', text: 42 }),
    });
    scope.get(stranger.url, async () => ({ id: 'n1' }));
  });
  const { url } = await service.listen();
  upstream = new Upstream({ urls: [url], secret, name: 'notes' });
});
afterAll(() => service.close());

describe('a route served from its contract', () => {
  it('answers a body, query or params that break the schema with 400 BAD_REQUEST JSON', async () => {
    for (const [url, payload] of [
      ['/internal/notes/n1?copies=1', { text: 7 }],
      ['/internal/notes/n1?copies=1', { text: 'x'.repeat(21) }],
      ['/internal/notes/n1?copies=1', { other: 'x' }],
      ['/internal/notes/n1?copies=0', { text: 'x' }],
      ['/internal/notes/n1?copies=1.5', { text: 'x' }],
      ['/internal/notes/n1', { text: 'x' }],
      [`/internal/notes/${'n'.repeat(9)}?copies=1`, { text: 'x' }],
    ] as const) {
      const answer = await service.app.inject({ method: 'POST', url, payload });
      expect(answer.statusCode, url).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(answer.json(), url).toMatchObject({
        error: { code: 'BAD_REQUEST', message: expect.any(String) },
      });
    }
  });

  it("answers with the route's status, and only the keys its response names", async () => {
    const answer = await service.app.inject({
      method: 'POST',
      url: '/internal/notes/n1?copies=2',
      payload: { text: 'hello' },
    });
    expect(answer.statusCode).toBe(201);
    expect(answer.json()).toEqual({ id: 'n1', text: 'hello', copies: 2 });
  });

  it('answers 500 INTERNAL_SERVER_ERROR, with nothing of it, when a handler breaks the contract', async () => {
    const answer = await service.app.inject({ method: 'GET', url: '/internal/broken' });
    expect(answer.statusCode).toBe(500);
    expect(answer.json()).toEqual({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' } });
  });
});

describe('a route called from its contract', () => {
  it('fills the path, the query and the body, and answers the typed response', async () => {
    const written = await callRoute(upstream, routes.write, {
      params: { id: 'a/b' },
      query: { copies: 3 },
      body: { text: 'hi' },
    });
    expectTypeOf(written).toEqualTypeOf<{ id: string; text: string; copies: number }>();
    expect(written).toEqual({ id: 'a/b', text: 'hi', copies: 3 });
    const uploaded = await callRoute(upstream, routes.upload, {
      params: { id: 'n1' },
      body: { data: Buffer.from('png bytes'), contentType: 'image/png' },
    });
    expect(uploaded).toEqual({ bytes: 9, contentType: 'image/png' });
  });

  it("throws the server's error as the AppError its body names", async () => {
    const call = callRoute(upstream, routes.write, {
      params: { id: 'n1' },
      query: { copies: 1 },
      body: { text: 'x'.repeat(21) },
    });
    await expect(call).rejects.toBeInstanceOf(AppError);
    await expect(call).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('refuses an answer that does not match the contract (SERVICE_UNAVAILABLE)', async () => {
    await expect(callRoute(upstream, routes.stranger, {})).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: expect.stringContaining('notes answered GET /internal/stranger unexpectedly'),
    });
  });

  it('takes only the input its route describes', () => {
    const typeOnly = (call: () => unknown) => expect(call).toBeTypeOf('function');
    const params = { id: 'n1' };
    // @ts-expect-error: a number where the body wants text
    typeOnly(() => callRoute(upstream, routes.write, { params, query: { copies: 1 }, body: { text: 1 } }));
    // @ts-expect-error: the query is missing
    typeOnly(() => callRoute(upstream, routes.write, { params, body: { text: 'x' } }));
    // @ts-expect-error: a bytes route takes bytes and their content type, not JSON
    typeOnly(() => callRoute(upstream, routes.upload, { params, body: { text: 'x' } }));
    // @ts-expect-error: a route without a body takes none
    typeOnly(() => callRoute(upstream, routes.broken, { body: {} }));
  });

  it('sends the internal secret with every call', async () => {
    const seen: unknown[] = [];
    const spy = createHttpService({ name: 'spy', logger: createLogger({ service: 'spy', level: 'silent' }) });
    spy.app.get('/internal/stranger', async (request) => {
      seen.push(request.headers[INTERNAL_TOKEN_HEADER]);
      return { id: 'n', text: 't', copies: 1 };
    });
    const { url } = await spy.listen();
    await callRoute(new Upstream({ urls: [url], secret, name: 'spy' }), routes.stranger, {});
    await spy.close();
    expect(seen).toEqual([secret]);
  });

  it('resends a call whose connection dropped only where its route is idempotent', async () => {
    let requests = 0;
    // Every other request loses its connection before any answer, as when an instance dies.
    const flaky = createServer((request, response) => {
      requests++;
      if (requests % 2 === 1) request.socket.destroy();
      else
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"id":"n","text":"t","copies":1}');
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const address = flaky.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const flakyUpstream = new Upstream({ urls: [`http://127.0.0.1:${port}`], secret, name: 'flaky' });
    try {
      await expect(callRoute(flakyUpstream, routes.stranger, {})).resolves.toMatchObject({ id: 'n' });
      expect(requests).toBe(2);
      const once = { ...routes.stranger, idempotent: false };
      await expect(callRoute(flakyUpstream, once, {})).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(requests).toBe(3);
    } finally {
      flaky.closeAllConnections();
      await new Promise<void>((resolve) => flaky.close(() => resolve()));
    }
  });
});
