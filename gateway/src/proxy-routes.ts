import type { Upstream } from '@pixelflow/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const passedHeaders = [
  'content-type',
  'content-length',
  'content-disposition',
  'cache-control',
  'retry-after',
  // The owning service's lock-down of stored bytes: they are served from the app's origin.
  'x-content-type-options',
  'content-security-policy',
  'referrer-policy',
] as const;

/**
 * Plain-HTTP routes the gateway answers by asking the subgraph that owns them, passing the path
 * and query through and the answer back (status, body and the headers that matter):
 * - `GET /jobs/:id/result` (jobs): 200 with the image, 202 queued or running, 404, 502 failed;
 * - `GET /images/:id` and `/images/:id/thumbnail` (gallery): signed, expiring URLs.
 *
 * Also `X-Content-Type-Options: nosniff` on every answer of the gateway, these routes' or any
 * other's (GraphQL, sessions, pages, 404s), so that no answer is ever sniffed into a script or a
 * page. It lives here because this is the one plain-HTTP part every gateway registers.
 */
export function registerProxyRoutes(
  app: FastifyInstance,
  upstreams: { jobs: Upstream; gallery: Upstream },
): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('x-content-type-options')) reply.header('x-content-type-options', 'nosniff');
    return payload;
  });

  // The path sent on is rebuilt from the route's own parts, never passed through: a client's
  // `/images/..\\healthz` would otherwise resolve, in the upstream URL, to another route of the
  // owning service, reached with the internal secret attached.
  const proxy =
    (upstream: Upstream, path: (id: string) => string) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const { id } = request.params as { id: string };
      const query = request.url.indexOf('?');
      const search = query === -1 ? '' : request.url.slice(query);
      const response = await upstream.request(`${path(encodeURIComponent(id))}${search}`, {
        headers: { 'x-request-id': String(request.id) },
        timeoutMs: 30_000,
      });
      reply.code(response.statusCode);
      for (const name of passedHeaders) {
        const value = response.headers[name];
        if (value !== undefined) reply.header(name, value);
      }
      return reply.send(response.body);
    };
  app.get(
    '/jobs/:id/result',
    proxy(upstreams.jobs, (id) => `/jobs/${id}/result`),
  );
  app.get(
    '/images/:id',
    proxy(upstreams.gallery, (id) => `/images/${id}`),
  );
  app.get(
    '/images/:id/thumbnail',
    proxy(upstreams.gallery, (id) => `/images/${id}/thumbnail`),
  );
}
