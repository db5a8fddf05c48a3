import { connect } from 'node:net';
import { Upstream } from '@pixelflow/service-kit';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerProxyRoutes } from './proxy-routes.ts';

// A stand-in for the jobs and gallery services: answers as they do, plus headers that must stay behind.
const storedBytesHeaders = {
  'content-type': 'application/octet-stream',
  'content-disposition': 'attachment',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  'referrer-policy': 'no-referrer',
};

let upstream: FastifyInstance;
let gateway: FastifyInstance;
/** Every path the stand-in was asked for. */
const reached: string[] = [];
beforeAll(async () => {
  upstream = Fastify();
  upstream.addHook('onRequest', async (request) => {
    reached.push(request.url);
  });
  upstream.get('/healthz', async () => ({ status: 'ok', service: 'gallery' }));
  const answer = (status: number) => async (_request: unknown, reply: FastifyReply) =>
    reply
      .code(status)
      .headers({ ...storedBytesHeaders, 'set-cookie': 'internal=1', 'x-internal-detail': 'secret' })
      .send(Buffer.from('<svg/>'));
  upstream.get('/jobs/:id/result', answer(200));
  upstream.get('/images/:id', answer(200));
  upstream.get('/images/:id/thumbnail', answer(404));
  const url = await upstream.listen({ host: '127.0.0.1', port: 0 });

  gateway = Fastify();
  gateway.get('/elsewhere', async () => ({ ok: true }));
  registerProxyRoutes(gateway, {
    jobs: new Upstream({ urls: [url], name: 'jobs' }),
    gallery: new Upstream({ urls: [url], name: 'gallery' }),
  });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('the proxied plain-HTTP routes', () => {
  it("pass the owning service's lock-down headers through, and nothing internal", async () => {
    for (const [url, status] of [
      ['/jobs/abc/result', 200],
      ['/images/abc?exp=1&sig=x', 200],
      ['/images/abc/thumbnail?exp=1&sig=x', 404],
    ] as const) {
      const response = await gateway.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(status);
      expect(response.headers).toMatchObject(storedBytesHeaders);
      expect(response.headers['set-cookie']).toBeUndefined();
      expect(response.headers['x-internal-detail']).toBeUndefined();
      expect(response.body).toBe('<svg/>');
    }
  });

  it('send on only the route they serve, whatever the path holds', async () => {
    // Sent as written (a browser or fetch would resolve the dots and the backslash first).
    const base = await gateway.listen({ host: '127.0.0.1', port: 0 });
    for (const path of [
      '/images/..\\healthz',
      '/images/..%5Chealthz',
      '/images/..%2F..%2Fhealthz',
      '/jobs/..\\..\\healthz/result',
    ]) {
      reached.length = 0;
      const answer = await rawGet(base, path);
      expect(answer, path).not.toContain('"service"');
      for (const sent of reached)
        expect(sent, path).toMatch(/^\/(images\/[^/\\]+(\/thumbnail)?|jobs\/[^/\\]+\/result)(\?|$)/);
    }
  });

  it('leave no gateway answer without nosniff', async () => {
    for (const url of ['/elsewhere', '/no-such-route']) {
      const response = await gateway.inject({ method: 'GET', url });
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
  });
});

/** A GET with its path exactly as given; resolves with the whole answer. */
function rawGet(base: string, path: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  });
}
