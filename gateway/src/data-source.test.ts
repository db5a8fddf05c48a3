import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Upstream } from '@pixelflow/service-kit';
import Upload from 'graphql-upload/Upload.mjs';
import { describe, expect, it } from 'vitest';
import { findUploads, SubgraphDataSource, withoutUploads } from './data-source.ts';

const deep = (levels: number): unknown => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);

describe('the upload walks of the subgraph data source', () => {
  it('find every upload with its multipart path, in order', () => {
    const [first, second] = [new Upload(), new Upload()];
    const variables = { file: first, list: [1, { more: second }], other: 'x' };
    expect(findUploads(variables, 'variables')).toEqual([
      { path: 'variables.file', upload: first },
      { path: 'variables.list.1.more', upload: second },
    ]);
    expect(withoutUploads(variables, findUploads(variables, 'variables'))).toEqual({
      file: null,
      list: [1, { more: null }],
      other: 'x',
    });
    // The caller's variables still hold the uploads.
    expect(variables.list[1]).toEqual({ more: second });
  });

  it('walk params nested 100,000 deep without overflowing the stack', () => {
    const file = new Upload();
    const variables = { file, params: deep(100_000) };
    const uploads = findUploads(variables, 'variables');
    expect(uploads).toEqual([{ path: 'variables.file', upload: file }]);
    const sent = withoutUploads(variables, uploads) as Record<string, unknown>;
    expect(sent.file).toBeNull();
    // Shared, not copied: nothing walked it.
    expect(sent.params).toBe(variables.params);
  });
});

describe("the subgraph data source, on a subgraph's answers", () => {
  /** A subgraph that answers every request with this status and body. */
  async function answering(status: number, body: string) {
    const server = createServer((_request, response) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const source = new SubgraphDataSource(new Upstream({ urls: [url], name: 'subgraph' }), () => ({}));
    const send = () => source.send({ query: '{ a }', variables: {} }, {} as never);
    return { send, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('passes a GraphQL answer on, errors included', async () => {
    const subgraph = await answering(200, '{"errors":[{"message":"no","extensions":{"code":"FORBIDDEN"}}]}');
    await expect(subgraph.send()).resolves.toEqual({
      errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }],
    });
    await subgraph.close();
  });

  it('turns an HTTP refusal with a registered code into that error, never a bare answer', async () => {
    const subgraph = await answering(
      408,
      '{"error":{"code":"REQUEST_TIMEOUT","message":"the upload sent nothing for 15 s"}}',
    );
    await expect(subgraph.send()).rejects.toMatchObject({
      code: 'REQUEST_TIMEOUT',
      message: 'the upload sent nothing for 15 s',
    });
    await subgraph.close();
  });

  it('answers SERVICE_UNAVAILABLE for a body that is neither GraphQL nor a known error', async () => {
    for (const body of [
      '<html>bad gateway</html>',
      '{"error":{"code":"MADE_UP","message":"x"}}',
      '[1]',
      'null',
    ]) {
      const subgraph = await answering(502, body);
      await expect(subgraph.send()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      await subgraph.close();
    }
  });
});
