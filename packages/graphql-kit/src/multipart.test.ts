import { buildSubgraphSchema } from '@apollo/subgraph';
import { createLogger } from '@pixelflow/logger';
import { createHttpService, type HttpService } from '@pixelflow/service-kit';
import { parse } from 'graphql';
import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import type { FileUpload } from 'graphql-upload/Upload.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveGraphQLHttp } from './http.ts';
import { placeUpload } from './multipart.ts';

describe('placeUpload', () => {
  it('puts the file where the map points, in objects and arrays', () => {
    const operations = { variables: { file: null, list: [null, null] } };
    expect(placeUpload(operations, 'variables.file', 'F')).toBe(true);
    expect(placeUpload(operations, 'variables.list.1', 'L')).toBe(true);
    expect(operations).toEqual({ variables: { file: 'F', list: [null, 'L'] } });
    const batch = [{ variables: { file: null } }];
    expect(placeUpload(batch, '0.variables.file', 'B')).toBe(true);
    expect(batch[0]!.variables.file).toBe('B');
  });

  it('follows nothing but the JSON the client sent', () => {
    const original = Object.prototype.toString;
    const operations = JSON.parse('{"variables":{"file":null,"__proto__":{"file":null}}}');
    for (const path of [
      '__proto__.toString',
      'constructor.prototype.toString',
      'variables.constructor.prototype.hasOwnProperty',
      'variables.toString',
      'variables.file.length',
      'variables.list.length',
      'variables.missing',
      'variables',
    ]) {
      expect(placeUpload(operations, path, 'evil'), path).toBe(false);
    }
    expect(Object.prototype.toString).toBe(original);
    // A key the client named __proto__ is its own data, and may hold a file like any other.
    expect(placeUpload(operations, 'variables.__proto__.file', 'F')).toBe(true);
    expect(Object.getPrototypeOf(operations.variables)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).file).toBeUndefined();
  });

  it('refuses an array index that is not a plain index within the array', () => {
    const operations = { variables: { list: [null] } };
    for (const path of ['variables.list.01', 'variables.list.1', 'variables.list.-1', 'variables.list.1e0']) {
      expect(placeUpload(operations, path, 'x'), path).toBe(false);
    }
  });
});

describe('a GraphQL multipart request', () => {
  let service: HttpService;
  let url: string;
  beforeAll(async () => {
    service = createHttpService({ name: 'test', logger: createLogger({ service: 'test', level: 'silent' }) });
    const schema = buildSubgraphSchema({
      typeDefs: parse('scalar Upload type Query { ok: String } type Mutation { size(file: Upload!): Int }'),
      resolvers: {
        Upload: GraphQLUpload,
        Query: { ok: () => 'yes' },
        Mutation: {
          size: async (_: unknown, { file }: { file: Promise<FileUpload> }) => {
            let bytes = 0;
            for await (const chunk of (await file).createReadStream()) bytes += (chunk as Buffer).length;
            return bytes;
          },
        },
      } as never,
    });
    await serveGraphQLHttp(service, { schema, context: async () => ({}), uploads: { maxFileSize: 1000 } });
    url = `${(await service.listen()).url}/graphql`;
  });
  afterAll(() => service.close());

  const form = (fields: Record<string, string>, file?: string) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    if (file !== undefined) body.append('0', new Blob([file], { type: 'image/png' }), 'a.png');
    return body;
  };
  const send = async (
    body: FormData,
    headers: Record<string, string> = { 'apollo-require-preflight': 'true' },
  ) => {
    const response = await fetch(url, { method: 'POST', body, headers });
    return {
      status: response.status,
      body: (await response.json()) as {
        data?: unknown;
        errors: Array<{ message: string; extensions: { code: string } }>;
      },
    };
  };

  it('uploads a file (the path the attacks below must not break)', async () => {
    const answer = await send(
      form(
        {
          operations: '{"query":"mutation($f: Upload!) { size(file: $f) }","variables":{"f":null}}',
          map: '{"0":["variables.f"]}',
        },
        'hello',
      ),
    );
    expect(answer).toEqual({ status: 200, body: { data: { size: 5 } } });
  });

  it('cannot reach Object.prototype through the map, and the service keeps serving', async () => {
    const original = Object.prototype.toString;
    for (const path of [
      '__proto__.toString',
      'constructor.prototype.toString',
      'query.constructor.prototype.at',
    ]) {
      const answer = await send(
        form({ operations: '{"query":"{ ok }"}', map: JSON.stringify({ 0: [path] }) }),
      );
      expect(answer.status, path).toBe(400);
      expect(answer.body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    }
    expect(Object.prototype.toString).toBe(original);
    expect(Object.hasOwn(String.prototype, 'at') && typeof ''.at).toBe('function');
    const after = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ ok }"}',
    });
    expect(await after.json()).toEqual({ data: { ok: 'yes' } });
  });

  it('takes a file for one variable only', async () => {
    const operations =
      '{"query":"mutation($f: Upload!, $g: Upload!) { a: size(file: $f) b: size(file: $g) }","variables":{"f":null,"g":null}}';
    for (const map of ['{"0":["variables.f","variables.g"]}', '{"0":[]}']) {
      const answer = await send(form({ operations, map }, 'hello'));
      expect(answer.status, map).toBe(400);
      expect(answer.body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    }
  });

  it('is refused before its body is read when a cross-site form could have sent it', async () => {
    // The map names a path that does not exist: had the body been read, that would be the error.
    const answer = await send(
      form({ operations: '{"query":"{ ok }"}', map: '{"0":["nowhere.at.all"]}' }, 'x'),
      {},
    );
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect(answer.body.errors[0]!.message).toMatch(/CSRF/);
  });
});
