import { AppError, errorBody, isErrorCode } from '@pixelflow/errors';
import { requireInternalToken } from '@pixelflow/service-kit';
import type { FastifyInstance } from 'fastify';
import { isJobId, type JobModel } from './job.ts';
import type { Change, JobStore } from './store/job-store.ts';

export interface JobRoutesOptions {
  store: JobStore;
  internalSecret: string;
  /** Largest result a converter may produce, in bytes. @default 64 MiB */
  maxResultBytes?: number;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } },
} as const;

function requireJobId(id: string): string {
  if (!isJobId(id)) throw new AppError('JOB_NOT_FOUND', `job ${id} is unknown or expired`);
  return id;
}

/** Maps a refused change to the HTTP answer the internal client expects. */
function answer(change: Change, id: string): JobModel {
  if (change.ok) return change.job;
  if (change.reason === 'missing') throw new AppError('JOB_NOT_FOUND', `job ${id} is unknown or expired`);
  throw new AppError('JOB_CONFLICT', `job ${id} is ${change.job.status}`, { job: change.job });
}

/**
 * `GET /jobs/:id/result` (public, proxied by the gateway) and the internal API the conversion
 * service drives jobs with. Internal routes need the internal secret.
 */
export function registerJobRoutes(app: FastifyInstance, options: JobRoutesOptions): void {
  const { store, internalSecret, maxResultBytes = 64 * 1024 * 1024 } = options;

  app.get<{ Params: { id: string } }>(
    '/jobs/:id/result',
    { schema: { params: idParams } },
    async (request, reply) => {
      const { id } = request.params;
      const found = isJobId(id) ? await store.result(id) : null;
      if (!found || (found.job.status === 'SUCCEEDED' && !found.data)) {
        return reply.code(404).send(errorBody('JOB_NOT_FOUND', `job ${id} is unknown or expired`));
      }
      const { job, data } = found;
      reply.header('cache-control', 'no-store');
      if (job.status === 'SUCCEEDED' && data) {
        return reply
          .code(200)
          .type(job.result?.contentType ?? 'application/octet-stream')
          .send(data);
      }
      if (job.status === 'FAILED') {
        const code = job.error && isErrorCode(job.error.code) ? job.error.code : 'CONVERTER_FAILED';
        return reply
          .code(502)
          .send(errorBody(code, job.error?.message ?? 'the conversion failed', { jobId: id }));
      }
      reply.header('retry-after', '1');
      return reply.code(202).send({
        ...errorBody('JOB_PENDING', `job ${id} is ${job.status}`),
        job: { id, status: job.status, progress: job.progress },
      });
    },
  );

  app.register(async (internal) => {
    internal.addHook('onRequest', requireInternalToken(internalSecret));
    internal.addContentTypeParser(
      /^image\/|^application\/octet-stream/,
      { parseAs: 'buffer', bodyLimit: maxResultBytes },
      (_req, body, done) => done(null, body),
    );

    internal.post<{ Body: { id: string; converter: string; owner?: string | null } }>(
      '/internal/jobs',
      {
        schema: {
          body: {
            type: 'object',
            required: ['id', 'converter'],
            properties: {
              id: { type: 'string', maxLength: 64 },
              converter: { type: 'string', minLength: 1, maxLength: 100 },
              owner: { type: ['string', 'null'], maxLength: 100 },
            },
          },
        },
      },
      async (request, reply) => {
        const { id, converter, owner = null } = request.body;
        return reply.code(201).send(await store.create({ id: requireJobId(id), converter, owner }));
      },
    );

    internal.get<{ Params: { id: string } }>(
      '/internal/jobs/:id',
      { schema: { params: idParams } },
      async (request) => {
        const id = requireJobId(request.params.id);
        const job = await store.get(id);
        if (!job) throw new AppError('JOB_NOT_FOUND', `job ${id} is unknown or expired`);
        return job;
      },
    );

    internal.post<{ Body: { ids: string[] } }>(
      '/internal/jobs/heartbeat',
      {
        schema: {
          body: {
            type: 'object',
            required: ['ids'],
            properties: { ids: { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 64 } } },
          },
        },
      },
      async (request) => {
        const ids = request.body.ids.filter(isJobId);
        const statuses = await store.heartbeat(ids);
        return { jobs: Object.fromEntries(ids.map((id, i) => [id, statuses[i] ?? null])) };
      },
    );

    internal.post<{ Params: { id: string }; Body: { attempt: number } }>(
      '/internal/jobs/:id/start',
      {
        schema: {
          params: idParams,
          body: {
            type: 'object',
            required: ['attempt'],
            properties: { attempt: { type: 'integer', minimum: 1 } },
          },
        },
      },
      async (request) => {
        const id = requireJobId(request.params.id);
        return answer(await store.start(id, request.body.attempt), id);
      },
    );

    internal.post<{ Params: { id: string }; Body: { progress: number } }>(
      '/internal/jobs/:id/progress',
      {
        schema: {
          params: idParams,
          body: { type: 'object', required: ['progress'], properties: { progress: { type: 'number' } } },
        },
      },
      async (request) => {
        const id = requireJobId(request.params.id);
        return answer(await store.progress(id, request.body.progress), id);
      },
    );

    internal.post<{ Params: { id: string }; Body: { code: string; message: string } }>(
      '/internal/jobs/:id/fail',
      {
        schema: {
          params: idParams,
          body: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', maxLength: 64 },
              message: { type: 'string', maxLength: 2000 },
            },
          },
        },
      },
      async (request) => {
        const id = requireJobId(request.params.id);
        return answer(await store.fail(id, request.body.code, request.body.message), id);
      },
    );

    internal.put<{ Params: { id: string }; Querystring: { attempt: number }; Body: Buffer }>(
      '/internal/jobs/:id/result',
      {
        schema: {
          params: idParams,
          querystring: {
            type: 'object',
            required: ['attempt'],
            properties: { attempt: { type: 'integer', minimum: 1 } },
          },
        },
      },
      async (request) => {
        const id = requireJobId(request.params.id);
        if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
          throw new AppError(
            'BAD_REQUEST',
            'the result body must be image bytes with an image/* content type',
          );
        }
        const contentType = request.headers['content-type'] ?? 'application/octet-stream';
        return answer(await store.complete(id, request.body, contentType, request.query.attempt), id);
      },
    );
  });
}
