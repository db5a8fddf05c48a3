/** The jobs service's internal API: what the conversion service creates and drives jobs with. */
import { z } from '@pixelflow/config';
import { MAX_STEPS } from '@pixelflow/product';
import { defineRoutes } from '@pixelflow/service-kit';

export const jobStatusSchema = z.enum(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']);
export type JobStatus = z.infer<typeof jobStatusSchema>;

/** Where a QUEUED job stands in its converter's queue, as the conversion service last saw it. */
export const queuePlaceSchema = z.object({
  /** 1: the next of its converter to start. */
  position: z.number().int().min(1),
  /** From the durations measured on this installation; null until there are some. */
  estimatedStartAt: z.string().nullable(),
  estimatedFinishAt: z.string().nullable(),
});
export type QueuePlace = z.infer<typeof queuePlaceSchema>;

/** A job as the jobs service keeps and answers it; the Job type's fields resolve from this. */
export const jobSchema = z.object({
  id: z.string(),
  converter: z.string(),
  /** The converters it runs, in order (one for a single conversion). */
  steps: z.array(z.string()),
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
  /** When a finished job and its result are deleted; null while it waits or runs. */
  expiresAt: z.string().nullable(),
  /** What the converters said of the result for the user (the size was capped, …). */
  notice: z.string().nullable(),
  /** While QUEUED, its place in line; null otherwise. */
  queue: queuePlaceSchema.nullable(),
});
export type JobJson = z.infer<typeof jobSchema>;

// Job ids are UUIDs made by the conversion service; anything else is rejected before any lookup.
const jobIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isJobId = (id: string) => jobIdPattern.test(id);

// The service answers JOB_NOT_FOUND for any id that is no UUID, after this bound.
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
      /** Every step's converter, the first included; absent for a one-step job. */
      steps: z.array(z.string().min(1).max(100)).min(1).max(MAX_STEPS).optional(),
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
  /**
   * The places of QUEUED jobs in line (the queue keeper's view); a job no longer QUEUED is left
   * alone, and one whose place did not change is not touched (no event).
   */
  queuePlaces: {
    method: 'POST',
    url: '/internal/jobs/queue-places',
    body: z.object({ places: z.array(queuePlaceSchema.extend({ id: jobId })).max(1000) }),
    response: z.object({ changed: z.number() }),
    idempotent: true,
  },
  /** CANCELLED, from QUEUED or RUNNING: it never starts, or its result is discarded. */
  cancel: {
    method: 'POST',
    url: '/internal/jobs/:id/cancel',
    params: jobIdParams,
    response: jobSchema,
    idempotent: true,
  },
  /** SUCCEEDED with the result's bytes (image/* or application/octet-stream). */
  complete: {
    method: 'PUT',
    url: '/internal/jobs/:id/result',
    params: jobIdParams,
    querystring: z.object({
      attempt: z.coerce.number<number>().int().min(1),
      /** What the converter said of the result for the user. */
      notice: z.string().max(2000).optional(),
    }),
    body: 'bytes',
    response: jobSchema,
    idempotent: true,
    timeoutMs: 30_000,
  },
});
