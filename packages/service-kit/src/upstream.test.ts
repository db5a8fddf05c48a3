import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Upstream } from './upstream.ts';

let url: string;
const reached: string[] = [];
const server = createServer((request, response) => {
  reached.push(request.url ?? '');
  response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('an upstream', () => {
  it('sends only plain paths, which carry the internal secret no further than meant', async () => {
    const upstream = new Upstream({ urls: [url], secret: 'x'.repeat(32), name: 'gallery' });
    for (const path of [
      '/images/..\\healthz',
      '/images/..%5Chealthz',
      '/images/../healthz',
      '/images/%2e%2e/healthz',
      '/images/./x',
      'http://elsewhere/images/x',
      '//elsewhere/images/x',
    ]) {
      await expect(upstream.request(path), path).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect(reached).toEqual([]);
    await (await upstream.request('/images/abc?exp=1&sig=..')).body.dump();
    await (await upstream.request('/images/..%2F..%2Fx')).body.dump();
    expect(reached).toEqual(['/images/abc?exp=1&sig=..', '/images/..%2F..%2Fx']);
  });
});
