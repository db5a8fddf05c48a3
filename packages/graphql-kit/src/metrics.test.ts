import { AppError } from '@pixelflow/errors';
import { createLogger } from '@pixelflow/logger';
import { createHttpService, type HttpService } from '@pixelflow/service-kit';
import { exposition } from '@pixelflow/telemetry';
import { buildSchema, GraphQLError, type GraphQLObjectType } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { serveGraphQLHttp } from './http.ts';
import { serveGraphQLWs } from './ws.ts';

const schema = buildSchema(
  'type Query { hello: String, other: Int } type Mutation { bump: Int } type Subscription { ticks: Int }',
);
(schema.getType('Query') as GraphQLObjectType).getFields().hello!.resolve = () => 'hi';
(schema.getType('Query') as GraphQLObjectType).getFields().other!.resolve = () => {
  throw new AppError('NOT_FOUND', 'no such thing');
};
(schema.getType('Mutation') as GraphQLObjectType).getFields().bump!.resolve = () => {
  throw new Error('a bug');
};
(schema.getType('Subscription') as GraphQLObjectType).getFields().ticks!.subscribe = async function* () {
  yield { ticks: 1 };
  await new Promise(() => {});
};

const services: HttpService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

async function serve(name: string) {
  const service = createHttpService({
    name,
    logger: createLogger({ service: name, level: 'silent' }),
    host: '127.0.0.1',
  });
  services.push(service);
  await serveGraphQLHttp(service, {
    schema,
    context: async (request) => {
      if (request.headers['x-refuse']) {
        throw new GraphQLError('no entry', { extensions: { code: 'INVALID_TOKEN', http: { status: 401 } } });
      }
      return {};
    },
  });
  serveGraphQLWs(service, { schema });
  const { url } = await service.listen();
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  return { url, post };
}

const lines = async (service: string) =>
  (await exposition()).body.split('\n').filter((line) => line.includes(`service="${service}"`));

describe('GraphQL metrics', () => {
  it('counts operations by type and root field, never by the name a client gives them', async () => {
    const { post } = await serve('gql-a');
    for (let i = 0; i < 3; i++) await post({ query: `query Name${i} { hello }`, operationName: `Name${i}` });
    await post({ query: '{ hello __typename }' });
    await post({ query: '{ nothing }' });
    await post({ query: '{ hello' });
    const text = (await lines('gql-a')).join('\n');
    expect(text).toContain(
      'pixelflow_graphql_operations_total{service="gql-a",type="query",operation="hello",outcome="ok"} 3',
    );
    expect(text).toContain('type="query",operation="multiple",outcome="ok"} 1');
    expect(text).toContain(
      'pixelflow_graphql_operations_total{service="gql-a",type="invalid",operation="invalid",outcome="GRAPHQL_VALIDATION_FAILED"} 1',
    );
    expect(text).toContain('operation="invalid",outcome="GRAPHQL_PARSE_FAILED"} 1');
    expect(text).not.toContain('Name0');
    // A resolver's failure counts under the code its client gets, whether expected or not.
    expect(await (await post({ query: '{ other }' })).json()).toMatchObject({
      errors: [{ extensions: { code: 'NOT_FOUND' } }],
    });
    expect(await (await post({ query: 'mutation { bump }' })).json()).toMatchObject({
      errors: [{ extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    const after = (await lines('gql-a')).join('\n');
    expect(after).toContain('type="query",operation="other",outcome="NOT_FOUND"} 1');
    expect(after).toContain('type="mutation",operation="bump",outcome="INTERNAL_SERVER_ERROR"} 1');
    expect(text).toMatch(
      /pixelflow_graphql_operation_duration_seconds_count\{service="gql-a",type="query",operation="hello"\} 3/,
    );
  });

  it('counts the requests refused before any operation runs, by the code they were answered with', async () => {
    const { post } = await serve('gql-c');
    // Apollo's own refusal of a batch, and a context that refuses the caller (a bad token).
    expect((await post([{ query: '{ hello }' }])).status).toBe(400);
    expect((await post({ query: '{ hello }' }, { 'x-refuse': '1' })).status).toBe(401);
    expect((await post({ query: '{ hello }' }, { 'x-refuse': '1' })).status).toBe(401);
    const text = (await lines('gql-c')).join('\n');
    expect(text).toContain(
      'pixelflow_graphql_operations_total{service="gql-c",type="invalid",operation="invalid",outcome="BAD_REQUEST"} 1',
    );
    expect(text).toContain('type="invalid",operation="invalid",outcome="INVALID_TOKEN"} 2');
    expect(text).not.toContain('operation="hello"');
  });

  it('counts open sockets and running subscriptions when scraped', async () => {
    const { url } = await serve('gql-b');
    const client = createClient({
      url: `${url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
    });
    const first = await new Promise((resolve, reject) => {
      client.subscribe(
        { query: 'subscription { ticks }' },
        { next: resolve, error: reject, complete: () => {} },
      );
    });
    expect(first).toEqual({ data: { ticks: 1 } });
    expect(await lines('gql-b')).toEqual(
      expect.arrayContaining([
        'pixelflow_ws_sockets{service="gql-b"} 1',
        'pixelflow_ws_subscriptions{service="gql-b"} 1',
      ]),
    );
    await client.dispose();
    for (
      let i = 0;
      i < 50 && (await lines('gql-b')).includes('pixelflow_ws_sockets{service="gql-b"} 1');
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await lines('gql-b')).toEqual(
      expect.arrayContaining([
        'pixelflow_ws_sockets{service="gql-b"} 0',
        'pixelflow_ws_subscriptions{service="gql-b"} 0',
      ]),
    );
  });
});
