import { createLogger } from '@pixelflow/logger';
import { createHttpService, type HttpService } from '@pixelflow/service-kit';
import { exposition } from '@pixelflow/telemetry';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { serveGraphQLHttp } from './http.ts';
import { serveGraphQLWs } from './ws.ts';

const schema = buildSchema(
  'type Query { hello: String, other: Int } type Mutation { bump: Int } type Subscription { ticks: Int }',
);
(schema.getType('Query') as GraphQLObjectType).getFields().hello!.resolve = () => 'hi';
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
  await serveGraphQLHttp(service, { schema, context: async () => ({}) });
  serveGraphQLWs(service, { schema });
  const { url } = await service.listen();
  const post = (body: unknown) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
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
    await post({ query: '{ hello other }' });
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
    expect(text).toMatch(
      /pixelflow_graphql_operation_duration_seconds_count\{service="gql-a",type="query",operation="hello"\} 3/,
    );
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
