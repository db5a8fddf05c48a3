/** The jobs service's internal API: what the conversion service creates and drives jobs with. */
import { z } from '@pixelflow/config';
import { defineRoutes } from '@pixelflow/service-kit';

export const jobStatusSchema = z.enum(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED']);
export type JobStatus = z.infer<typeof jobStatusSchema>;

/** A job as the jobs service keeps and answers it; the Job type's fields resolve from this. */
export const jobSchema = z.object({
  id: z.string(),
  converter: z.string(),
  status: jobStatusSchema,
  progress: z.number().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  sequence: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The signed-in owner's user id; null for an anonymous job. */
  owner: z.string().nullable(),
  /** How many times a runner started the job. */
  attempts: z.number(),
  result: z.object({ contentType: z.string(), bytes: z.number() }).nullable(),
});
export type JobJson = z.infer<typeof jobSchema>;

// Job ids are UUIDs; the service answers JOB_NOT_FOUND for any other id, after this bound.
const jobId = z.string().max(64);
/** `GET /jobs/:id/result` (public) takes the same. */
export const jobIdParams = z.object({ id: jobId });
const attempt = z.number().int().min(1);
/** Leaves a job that is no longer QUEUED alone (it started meanwhile). */
const onlyWhile = z.literal('QUEUED').optional();

/**
 * Every route is idempotent (create by id, guarded state changes), so a call lost on a dropped
 * connection is simply sent again.
 */
export const jobsRoutes = defineRoutes({
  /** A QUEUED job; the same id again answers the job made the first time. */
  create: {
    method: 'POST',
    url: '/internal/jobs',
    body: z.object({
      id: jobId,
      converter: z.string().min(1).max(100),
      owner: z.string().max(100).nullable().optional(),
    }),
    response: jobSchema,
    status: 201,
    idempotent: true,
  },
  get: {
    method: 'GET',
    url: '/internal/jobs/:id',
    params: jobIdParams,
    response: jobSchema,
    idempotent: true,
  },
  /** Renews each job's TTL; answers each job's status, null for a job that is gone. */
  heartbeat: {
    method: 'POST',
    url: '/internal/jobs/heartbeat',
    body: z.object({ ids: z.array(jobId).max(1000), onlyWhile }),
    response: z.object({ jobs: z.record(z.string(), jobStatusSchema.nullable()) }),
    idempotent: true,
  },
  /** RUNNING, as the queue entry's delivery `attempt`. */
  start: {
    method: 'POST',
    url: '/internal/jobs/:id/start',
    params: jobIdParams,
    body: z.object({ attempt }),
    response: jobSchema,
    idempotent: true,
  },
  /** A RUNNING job QUEUED again, for a runner that is shutting down. */
  requeue: {
    method: 'POST',
    url: '/internal/jobs/:id/requeue',
    params: jobIdParams,
    response: jobSchema,
    idempotent: true,
  },
  progress: {
    method: 'POST',
    url: '/internal/jobs/:id/progress',
    params: jobIdParams,
    body: z.object({ progress: z.number() }),
    response: jobSchema,
    idempotent: true,
  },
  fail: {
    method: 'POST',
    url: '/internal/jobs/:id/fail',
    params: jobIdParams,
    body: z.object({ code: z.string().max(64), message: z.string().max(2000), onlyWhile }),
    response: jobSchema,
    idempotent: true,
  },
  /** SUCCEEDED with the result's bytes (image/* or application/octet-stream). */
  complete: {
    method: 'PUT',
    url: '/internal/jobs/:id/result',
    params: jobIdParams,
    querystring: z.object({ attempt: z.coerce.number<number>().int().min(1) }),
    body: 'bytes',
    response: jobSchema,
    idempotent: true,
    timeoutMs: 30_000,
  },
});
