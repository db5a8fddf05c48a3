import { AppError, errorBody, isErrorCode } from '@pixelflow/errors';
import { jobIdParams, jobsRoutes } from '@pixelflow/jobs-api';
import { MAX_RESULT_BYTES } from '@pixelflow/product';
import {
  requireInternalToken,
  serveRoutes,
  type ZodTypeProvider,
  zodValidatorCompiler,
} from '@pixelflow/service-kit';
import type { FastifyInstance } from 'fastify';
import { isJobId, type JobModel } from './job.ts';
import { rasterType } from './result-types.ts';
import type { Change, JobStore } from './store/job-store.ts';

export interface JobRoutesOptions {
  store: JobStore;
  internalSecret: string;
  /** Largest result a converter may produce, in bytes. @default MAX_RESULT_BYTES */
  maxResultBytes?: number;
}

/**
 * On every answer of `/jobs/:id/result`, image or error: no type sniffing, and a document of no
 * rights should a browser open one anyway (no scripts, no subresources, a unique origin; inline
 * style only, for the browser's own image viewer, as GitHub's raw content does).
 */
const resultHeaders = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  'referrer-policy': 'no-referrer',
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
 * service drives jobs with (jobsRoutes, behind the internal secret).
 */
export function registerJobRoutes(app: FastifyInstance, options: JobRoutesOptions): void {
  const { store, internalSecret, maxResultBytes = MAX_RESULT_BYTES } = options;

  app.withTypeProvider<ZodTypeProvider>().get(
    '/jobs/:id/result',
    {
      schema: { params: jobIdParams },
      validatorCompiler: zodValidatorCompiler,
      // Before validation, so that its 400s carry the headers too.
      onRequest: async (_request, reply) => {
        reply.headers(resultHeaders);
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const found = isJobId(id) ? await store.result(id) : null;
      if (!found || (found.job.status === 'SUCCEEDED' && !found.data)) {
        return reply.code(404).send(errorBody('JOB_NOT_FOUND', `job ${id} is unknown or expired`));
      }
      const { job, data } = found;
      if (job.status === 'SUCCEEDED' && data) {
        // From the bytes, as at completion: a result kept from before that check, or one whose
        // bytes changed, still goes out as a download and is never rendered as a page.
        const type = rasterType(data);
        if (type) reply.type(type);
        else reply.type('application/octet-stream').header('content-disposition', 'attachment');
        return reply.code(200).send(data);
      }
      if (job.status === 'CANCELLED') {
        return reply.code(410).send(errorBody('JOB_CANCELLED', `job ${id} was cancelled`, { jobId: id }));
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

    serveRoutes(internal, jobsRoutes, {
      create: async ({ body: { id, converter, owner = null, steps } }) =>
        store.create({ id: requireJobId(id), converter, owner, steps }),
      get: async (request) => {
        const id = requireJobId(request.params.id);
        const job = await store.get(id);
        if (!job) throw new AppError('JOB_NOT_FOUND', `job ${id} is unknown or expired`);
        return job;
      },
      heartbeat: async ({ body }) => {
        const ids = body.ids.filter(isJobId);
        const statuses = await store.heartbeat(ids, body.onlyWhile);
        return { jobs: Object.fromEntries(ids.map((id, i) => [id, statuses[i] ?? null])) };
      },
      start: async ({ params, body }) => {
        const id = requireJobId(params.id);
        return answer(await store.start(id, body.attempt), id);
      },
      requeue: async ({ params }) => {
        const id = requireJobId(params.id);
        return answer(await store.requeue(id), id);
      },
      progress: async ({ params, body }) => {
        const id = requireJobId(params.id);
        return answer(await store.progress(id, body.progress), id);
      },
      queuePlaces: async ({ body }) => {
        const places = body.places.filter((place) => isJobId(place.id));
        const changed = await Promise.all(places.map(({ id, ...place }) => store.place(id, place)));
        return { changed: changed.filter(Boolean).length };
      },
      cancel: async ({ params }) => {
        const id = requireJobId(params.id);
        return answer(await store.cancel(id), id);
      },
      fail: async ({ params, body: { code, message, onlyWhile } }) => {
        const id = requireJobId(params.id);
        return answer(await store.fail(id, code, message, onlyWhile), id);
      },
      complete: async (request) => {
        const id = requireJobId(request.params.id);
        const { body } = request;
        if (!Buffer.isBuffer(body) || body.length === 0) {
          throw new AppError(
            'BAD_REQUEST',
            'the result body must be image bytes with an image/* content type',
          );
        }
        // The type comes from the bytes, never from the converter's header. What is no raster
        // image fails the job (the converter broke its contract), rather than being served from
        // the app's origin or retried: another run of the same converter would answer the same.
        const type = rasterType(body);
        if (!type) {
          const declared = String(request.headers['content-type'] ?? 'no content type').slice(0, 100);
          const message = `the converter's result is not a JPEG, PNG, WebP, GIF, AVIF or TIFF image (it said ${declared})`;
          return answer(await store.fail(id, 'CONVERTER_FAILED', message), id);
        }
        const { attempt, notice } = request.query;
        return answer(await store.complete(id, body, type, attempt, notice), id);
      },
    });
  });
}
