import type { Upstream } from '@pixelflow/service-kit';
import type { FastifyInstance } from 'fastify';

const passedHeaders = ['content-type', 'content-length', 'cache-control', 'retry-after'] as const;

/**
 * `GET /jobs/:id/result`, the plain-HTTP polling contract, answered by the jobs service:
 * 200 with the image, 202 while queued or running, 404 unknown or expired, 502 failed.
 */
export function registerResultRoute(app: FastifyInstance, jobs: Upstream): void {
  app.get<{ Params: { id: string } }>('/jobs/:id/result', async (request, reply) => {
    const response = await jobs.request(`/jobs/${encodeURIComponent(request.params.id)}/result`, {
      headers: { 'x-request-id': String(request.id) },
      timeoutMs: 30_000,
    });
    reply.code(response.statusCode);
    for (const name of passedHeaders) {
      const value = response.headers[name];
      if (value !== undefined) reply.header(name, value);
    }
    return reply.send(response.body);
  });
}
