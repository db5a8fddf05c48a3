import { readFileSync } from 'node:fs';
import { photo } from '@pixelflow/testing';
import { getIntrospectionQuery, print } from 'graphql';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as web from '../web/src/gql/graphql.ts';
import { type Account, register } from './helpers/accounts.ts';
import { useCluster } from './helpers/cluster.ts';
import { useFaultConverters } from './helpers/faults.ts';
import { GraphQLSocket } from './helpers/graphql-socket.ts';

// What one request or one client may ask of the gateway, through the real processes: operations
// refused before execution with their own code and a 4xx, the gateway answering /healthz at once
// meanwhile, and the web app's and the playground's real operations still served. The cluster
// runs with the default limits.
const faults = useFaultConverters();
const env = useCluster('operation-limits', {
  jobsInstances: 1,
  conversionInstances: 1,
  webApp: false,
  get extraConverters() {
    return { slow: faults.urls.slow };
  },
});

const SUBSCRIPTIONS_PER_SOCKET = 32;
const SOCKETS_PER_CLIENT = 32;

let account: Account;
beforeAll(async () => {
  account = await register(env.cluster.gatewayUrl);
});

type Answer = { status: number; codes: string[]; body: Record<string, unknown> };

async function post(body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${env.cluster.gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return answer(response);
}

async function answer(response: Response): Promise<Answer> {
  const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  return {
    status: response.status,
    codes: (body.errors ?? []).map((e) => e.extensions?.code ?? '(none)'),
    body: body as Record<string, unknown>,
  };
}

/** /healthz's answer times (ms), asked one after another until `work` settles. */
async function healthWhile(work: Promise<unknown>): Promise<number[]> {
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  const times: number[] = [];
  while (!done) {
    const started = performance.now();
    const response = await fetch(`${env.cluster.gatewayUrl}/healthz`);
    expect(response.status).toBe(200);
    times.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await settled;
  return times;
}

const nested = (levels: number, open: string, inner: string, close: string) =>
  open.repeat(levels) + inner + close.repeat(levels);

const socket = (token?: string) => new GraphQLSocket(env.cluster.gatewayUrl, token);

afterEach(() => GraphQLSocket.closeAll());

const codesOf = (message: { type: string; payload?: unknown }) =>
  message.type === 'error'
    ? (message.payload as Array<{ extensions?: { code?: string } }>).map((e) => e.extensions?.code)
    : message.type;

describe('operation limits over HTTP', () => {
  it('refuses 1000 aliases of me { images(first: 100) } at once, and /healthz stays fast meanwhile', async () => {
    const aliases = Array.from(
      { length: 1000 },
      (_, i) => `a${i}: me { images(first: 100) { edges { node { id url thumbnailUrl width height } } } }`,
    );
    const attack = JSON.stringify({ query: `{ ${aliases.join(' ')} }` });
    const headers = { authorization: `Bearer ${account.accessToken}` };
    const timed = async () => {
      const started = performance.now();
      return { ...(await post(attack, headers)), ms: performance.now() - started };
    };
    const attacks = Promise.all(Array.from({ length: 20 }, timed));
    const health = await healthWhile(attacks);
    for (const refused of await attacks) {
      expect(refused.status).toBe(400);
      expect(refused.codes).toEqual(['TOO_MANY_ALIASES']);
      // It took 6–38 s each, and 6 MB, when it ran.
      expect(refused.ms).toBeLessThan(2000);
    }
    expect(Math.max(...health)).toBeLessThan(1000);
  });

  it('refuses a selection 2000 deep with QUERY_TOO_DEEP (not by a stack overflow)', async () => {
    const refused = await post({ query: `{ ${nested(2000, 'me { ', 'id', ' }')} }` });
    expect(refused).toMatchObject({ status: 400, codes: ['QUERY_TOO_DEEP'] });
  });

  it('refuses a document longer than the token limit, and one too costly', async () => {
    expect(await post({ query: `{ converters { ${'id '.repeat(2000)} } }` })).toMatchObject({
      status: 400,
      codes: ['TOO_MANY_TOKENS'],
    });
    const page = 'images(first: 100) { edges { node { id url thumbnailUrl width height format } } }';
    const pages = Array.from({ length: 10 }, (_, i) => `p${i}: ${page}`).join(' ');
    expect(await post({ query: `{ me { ${pages} } }` })).toMatchObject({
      status: 400,
      codes: ['QUERY_TOO_COSTLY'],
    });
  });

  it('refuses params nested 100,000 deep with VARIABLES_TOO_DEEP, as JSON and in an upload', async () => {
    const params = nested(100_000, '{"a":', '1', '}');
    const query =
      'mutation($file: Upload, $params: JSON) { convertImage(file: $file, converter: "flip", params: $params) { id } }';
    const operations = `{"query":${JSON.stringify(query)},"variables":{"file":null,"params":${params}}}`;
    expect(await post(operations)).toMatchObject({ status: 400, codes: ['VARIABLES_TOO_DEEP'] });

    const form = new FormData();
    form.set('operations', operations);
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set(
      '0',
      new Blob([readFileSync(photo('mate/nature/Garden.jpg'))], { type: 'image/jpeg' }),
      'Garden.jpg',
    );
    const upload = await fetch(`${env.cluster.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'apollo-require-preflight': 'true' },
      body: form,
    });
    expect(await answer(upload)).toMatchObject({ status: 400, codes: ['VARIABLES_TOO_DEEP'] });
  });
});

describe('malformed requests answer 4xx with a registered code, never 500', () => {
  const converters = '{ converters { id } }';
  it.each<[string, unknown, number, string]>([
    [
      'a subscription over POST',
      { query: 'subscription { jobUpdated(id: "x") { id } }' },
      400,
      'OPERATION_NOT_SUPPORTED',
    ],
    ['two unnamed operations', { query: `${converters} ${converters}` }, 400, 'GRAPHQL_VALIDATION_FAILED'],
    [
      'two operations, no operationName',
      { query: `query A ${converters} query B ${converters}` },
      400,
      'OPERATION_RESOLUTION_FAILURE',
    ],
    [
      'an operationName naming none',
      { query: `query A ${converters}`, operationName: 'B' },
      400,
      'OPERATION_RESOLUTION_FAILURE',
    ],
    [
      'a huge operationName',
      { query: `query A ${converters}`, operationName: 'A'.repeat(500_000) },
      400,
      'OPERATION_RESOLUTION_FAILURE',
    ],
    ['a batch', [{ query: converters }], 400, 'BAD_REQUEST'],
    ['a query that is not a string', { query: 5 }, 400, 'BAD_REQUEST'],
    ['variables that are not an object', { query: converters, variables: [1] }, 400, 'BAD_REQUEST'],
    [
      'an unknown persisted query',
      { extensions: { persistedQuery: { version: 1, sha256Hash: 'ab' } } },
      400,
      'BAD_REQUEST',
    ],
    [
      'a persisted query of another version',
      { query: converters, extensions: { persistedQuery: { version: 2 } } },
      400,
      'BAD_REQUEST',
    ],
    ['a document that does not parse', { query: '{ converters { id' }, 400, 'GRAPHQL_PARSE_FAILED'],
  ])('%s', async (_name, body, status, code) => {
    const refused = await post(body);
    expect(refused.status).toBe(status);
    // Every error of the answer (one per operation, for two unnamed ones) has the code.
    expect(new Set(refused.codes)).toEqual(new Set([code]));
  });

  it.each([
    [
      'a subscription over GET',
      'subscription { jobUpdated(id: "x") { id } }',
      400,
      'OPERATION_NOT_SUPPORTED',
    ],
    ['a mutation over GET', 'mutation { logout(refreshToken: "x") }', 405, 'BAD_REQUEST'],
  ])('%s', async (_name, query, status, code) => {
    const url = `${env.cluster.gatewayUrl}/graphql?query=${encodeURIComponent(query)}`;
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await answer(response)).toMatchObject({ status, codes: [code] });
  });

  it('the same over the WebSocket: an error for that operation alone', async () => {
    const ws = socket();
    expect(await ws.acknowledged).toBe(true);
    const cases: Array<[string, string | undefined, string]> = [
      [`${converters} ${converters}`, undefined, 'GRAPHQL_VALIDATION_FAILED'],
      [`query A ${converters} query B ${converters}`, undefined, 'OPERATION_RESOLUTION_FAILURE'],
      [`query A ${converters}`, 'B', 'OPERATION_RESOLUTION_FAILURE'],
      [`query A ${converters}`, 'A'.repeat(100_000), 'OPERATION_RESOLUTION_FAILURE'],
      [`{ ${nested(2000, 'me { ', 'id', ' }')} }`, undefined, 'QUERY_TOO_DEEP'],
      [
        `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: converters { id }`).join(' ')} }`,
        undefined,
        'TOO_MANY_ALIASES',
      ],
      ['{ converters { id', undefined, 'GRAPHQL_PARSE_FAILED'],
    ];
    for (const [i, [query, operationName, code]] of cases.entries()) {
      expect(
        new Set(codesOf(await ws.first(`bad-${i}`, query, undefined, operationName))),
        query.slice(0, 40),
      ).toEqual(new Set([code]));
    }
    // 20,000 deep (100 KB): a socket's message is at most 128 KiB (WS_MAX_PAYLOAD_BYTES).
    const params = nested(20_000, '{"a":', '1', '}');
    const deep = await ws.firstOf(
      'deep',
      `{"query":"query($p: JSON) { converters { id } }","variables":{"p":${params}}}`,
    );
    expect(codesOf(deep)).toEqual(['VARIABLES_TOO_DEEP']);
    // The socket still serves.
    expect(await ws.first('fine', converters)).toMatchObject({ type: 'next', payload: { data: {} } });
  });
});

describe('WebSocket caps', () => {
  it(`runs ${SUBSCRIPTIONS_PER_SOCKET} subscriptions on a socket; of 1000, the rest are refused alone, and the gateway stays responsive`, async () => {
    // A job that runs for a while, so that its subscriptions stay open.
    const { data } = await env.client.convert(photo('mate/nature/Garden.jpg'), 'slow', {
      params: { delayMs: 15_000 },
    });
    const id = data!.convertImage.id;
    const ws = socket();
    expect(await ws.acknowledged).toBe(true);
    const query = 'subscription($id: ID!) { jobUpdated(id: $id) { id status } }';
    const burst = Promise.all(Array.from({ length: 1000 }, (_, i) => ws.first(`s${i}`, query, { id })));
    const health = await healthWhile(burst);
    const answers = await burst;
    const served = answers.filter((a) => a.type === 'next');
    const refused = answers.filter((a) => a.type === 'error');
    expect(served).toHaveLength(SUBSCRIPTIONS_PER_SOCKET);
    expect(refused).toHaveLength(1000 - SUBSCRIPTIONS_PER_SOCKET);
    for (const answer of refused) expect(codesOf(answer)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
    expect(Math.max(...health)).toBeLessThan(1000);

    // The socket and its subscriptions carry on; once one completes, another may start.
    const firstServed = `s${answers.indexOf(served[0]!)}`;
    ws.complete(firstServed);
    await expect
      .poll(async () => (await ws.first(`again-${Math.random()}`, query, { id })).type)
      .toBe('next');
  });

  it(`closes a client's sockets past ${SOCKETS_PER_CLIENT} with 4429 TOO_MANY_CONNECTIONS`, async () => {
    const sockets = Array.from({ length: SOCKETS_PER_CLIENT }, () => socket());
    expect(await Promise.all(sockets.map((s) => s.acknowledged))).toEqual(sockets.map(() => true));
    const extra = socket();
    expect(await extra.acknowledged).toBe(false);
    const closed = await extra.closed;
    expect(closed.code).toBe(4429);
    expect(closed.reason).toMatch(/^TOO_MANY_CONNECTIONS/);

    sockets[0]!.ws.close();
    await sockets[0]!.closed;
    await expect.poll(() => socket().acknowledged).toBe(true);
  });
});

describe("the web app's and the playground's operations", () => {
  const auth = () => ({ authorization: `Bearer ${account.accessToken}` });

  it("serves the playground's introspection query over HTTP and the socket", async () => {
    const query = getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true });
    const overHttp = await post({ query, operationName: 'IntrospectionQuery' });
    expect(overHttp.status).toBe(200);
    expect(overHttp.codes).toEqual([]);
    expect((overHttp.body.data as { __schema: { types: unknown[] } }).__schema.types.length).toBeGreaterThan(
      10,
    );
    const ws = socket();
    const overSocket = await ws.first('introspection', query, undefined, 'IntrospectionQuery');
    expect(overSocket).toMatchObject({ type: 'next', payload: { data: { __schema: {} } } });
  });

  it('serves every operation of the web app', async () => {
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: print(web.ConvertImageDocument),
        variables: { file: null, converter: 'grayscale', params: null },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set(
      '0',
      new Blob([readFileSync(photo('mate/nature/Garden.jpg'))], { type: 'image/jpeg' }),
      'Garden.jpg',
    );
    const converted = await answer(
      await fetch(`${env.cluster.gatewayUrl}/graphql`, {
        method: 'POST',
        headers: { 'apollo-require-preflight': 'true', ...auth() },
        body: form,
      }),
    );
    expect(converted.codes).toEqual([]);
    const jobId = (converted.body.data as { convertImage: { id: string } }).convertImage.id;

    const ws = socket(account.accessToken);
    const updated = await ws.first('job', print(web.JobUpdatedDocument), { id: jobId });
    expect(updated).toMatchObject({ type: 'next', payload: { data: { jobUpdated: { id: jobId } } } });

    const send = (document: Parameters<typeof print>[0], variables: Record<string, unknown>) =>
      post({ query: print(document), variables }, auth());
    expect((await send(web.ConvertersDocument, {})).body.data).toMatchObject({
      converters: expect.any(Array),
    });
    expect((await send(web.JobPollDocument, { id: jobId })).body.data).toMatchObject({
      job: { __typename: expect.stringMatching(/^Job/) },
    });
    expect((await send(web.GalleryImagesDocument, { first: 100 })).body.data).toMatchObject({
      me: { images: { edges: expect.any(Array) } },
    });
    // Executed: the gallery itself answers that there is no such image.
    expect((await send(web.DeleteImageDocument, { id: 'no-such-image' })).codes).toEqual(['IMAGE_NOT_FOUND']);
  });
});
