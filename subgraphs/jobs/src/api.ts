/**
 * The typed client of the jobs service's internal API: what the conversion service uses to create
 * and drive jobs. Imports nothing of the jobs service but types. Every call is idempotent (create by
 * id, guarded state changes), so a call lost on a dropped connection is simply sent again.
 */
import { AppError } from '@pixelflow/errors';
import { readJson, Upstream } from '@pixelflow/service-kit';
import type { JobJson, JobStatus } from './job.ts';

export type { JobJson, JobStatus };

/** A change the jobs service refused: the job is gone, or in a state that forbids it. */
export type JobChange =
  | { ok: true; job: JobJson }
  | { ok: false; reason: 'missing' | 'conflict'; job?: JobJson };

export interface JobsClientOptions {
  /** Base URLs of the jobs service instances. */
  urls: readonly string[];
  internalSecret: string;
}

const name = 'jobs';

export class JobsClient {
  readonly #upstream: Upstream;

  constructor({ urls, internalSecret }: JobsClientOptions) {
    this.#upstream = new Upstream({ urls, secret: internalSecret, name });
  }

  /** Creates a QUEUED job (idempotent by id). */
  create(input: { id: string; converter: string; owner: string | null }): Promise<JobJson> {
    return this.#upstream.json<JobJson>('/internal/jobs', { method: 'POST', body: input, idempotent: true });
  }

  async get(id: string): Promise<JobJson | null> {
    return this.#change(() => this.#upstream.json<JobJson>(`/internal/jobs/${id}`)).then((change) =>
      change.ok ? change.job : null,
    );
  }

  start(id: string, attempt: number): Promise<JobChange> {
    return this.#change(() =>
      this.#upstream.json<JobJson>(`/internal/jobs/${id}/start`, {
        method: 'POST',
        body: { attempt },
        idempotent: true,
      }),
    );
  }

  /** Gives a RUNNING job back to the queue (QUEUED again), for a runner that is shutting down. */
  requeue(id: string): Promise<JobChange> {
    return this.#change(() =>
      this.#upstream.json<JobJson>(`/internal/jobs/${id}/requeue`, { method: 'POST', idempotent: true }),
    );
  }

  progress(id: string, progress: number): Promise<JobChange> {
    return this.#change(() =>
      this.#upstream.json<JobJson>(`/internal/jobs/${id}/progress`, {
        method: 'POST',
        body: { progress },
        idempotent: true,
      }),
    );
  }

  /** FAILED with the error; `onlyWhile: 'QUEUED'` leaves a job that started meanwhile alone. */
  fail(id: string, code: string, message: string, onlyWhile?: 'QUEUED'): Promise<JobChange> {
    return this.#change(() =>
      this.#upstream.json<JobJson>(`/internal/jobs/${id}/fail`, {
        method: 'POST',
        body: { code, message, onlyWhile },
        idempotent: true,
      }),
    );
  }

  complete(id: string, attempt: number, data: Buffer, contentType: string): Promise<JobChange> {
    return this.#change(async () => {
      const response = await this.#upstream.request(`/internal/jobs/${id}/result?attempt=${attempt}`, {
        method: 'PUT',
        headers: { 'content-type': contentType },
        body: data,
        timeoutMs: 30_000,
      });
      return readJson<JobJson>(response, name);
    });
  }

  /**
   * Renews each job's TTL (with `onlyWhile`, only of the jobs in that state); answers each job's
   * status, or null for a job that is gone.
   */
  async heartbeat(ids: readonly string[], onlyWhile?: 'QUEUED'): Promise<Record<string, JobStatus | null>> {
    if (ids.length === 0) return {};
    const { jobs } = await this.#upstream.json<{ jobs: Record<string, JobStatus | null> }>(
      '/internal/jobs/heartbeat',
      { method: 'POST', body: { ids, onlyWhile }, idempotent: true },
    );
    return jobs;
  }

  async #change(call: () => Promise<JobJson>): Promise<JobChange> {
    try {
      return { ok: true, job: await call() };
    } catch (error) {
      if (error instanceof AppError && error.code === 'JOB_NOT_FOUND')
        return { ok: false, reason: 'missing' };
      if (error instanceof AppError && error.code === 'JOB_CONFLICT') {
        return { ok: false, reason: 'conflict', job: error.details?.job as JobJson | undefined };
      }
      throw error;
    }
  }
}
