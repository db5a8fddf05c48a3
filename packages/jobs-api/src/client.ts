import { AppError } from '@pixelflow/errors';
import { callRoute, type ServiceClientOptions, Upstream } from '@pixelflow/service-kit';
import { type JobJson, type JobStatus, jobSchema, jobsRoutes, type QueuePlace } from './routes.ts';

/** A change the jobs service refused: the job is gone, or in a state that forbids it. */
export type JobChange =
  | { ok: true; job: JobJson }
  | { ok: false; reason: 'missing' | 'conflict'; job?: JobJson };

/** The typed client of the jobs service's internal API (jobsRoutes). */
export class JobsClient {
  readonly #upstream: Upstream;

  constructor({ urls, internalSecret }: ServiceClientOptions) {
    this.#upstream = new Upstream({ urls, secret: internalSecret, name: 'jobs' });
  }

  create(input: { id: string; converter: string; owner: string | null; steps?: string[] }): Promise<JobJson> {
    return callRoute(this.#upstream, jobsRoutes.create, { body: input });
  }

  async get(id: string): Promise<JobJson | null> {
    const change = await this.#change(callRoute(this.#upstream, jobsRoutes.get, { params: { id } }));
    return change.ok ? change.job : null;
  }

  start(id: string, attempt: number): Promise<JobChange> {
    return this.#change(callRoute(this.#upstream, jobsRoutes.start, { params: { id }, body: { attempt } }));
  }

  /** Gives a RUNNING job back to the queue (QUEUED again), for a runner that is shutting down. */
  requeue(id: string): Promise<JobChange> {
    return this.#change(callRoute(this.#upstream, jobsRoutes.requeue, { params: { id } }));
  }

  /** Tells QUEUED jobs their place in line; answers how many changed. */
  async queuePlaces(places: ReadonlyArray<QueuePlace & { id: string }>): Promise<number> {
    if (places.length === 0) return 0;
    const body = { places: [...places] };
    return (await callRoute(this.#upstream, jobsRoutes.queuePlaces, { body })).changed;
  }

  /** CANCELLED, while it is QUEUED or RUNNING; a conflict once it finished. */
  cancel(id: string): Promise<JobChange> {
    return this.#change(callRoute(this.#upstream, jobsRoutes.cancel, { params: { id } }));
  }

  progress(id: string, progress: number): Promise<JobChange> {
    return this.#change(
      callRoute(this.#upstream, jobsRoutes.progress, { params: { id }, body: { progress } }),
    );
  }

  /** FAILED with the error; `onlyWhile: 'QUEUED'` leaves a job that started meanwhile alone. */
  fail(id: string, code: string, message: string, onlyWhile?: 'QUEUED'): Promise<JobChange> {
    const body = { code, message, onlyWhile };
    return this.#change(callRoute(this.#upstream, jobsRoutes.fail, { params: { id }, body }));
  }

  complete(
    id: string,
    attempt: number,
    data: Buffer,
    contentType: string,
    notice?: string | null,
  ): Promise<JobChange> {
    const query = notice ? { attempt, notice } : { attempt };
    const input = { params: { id }, query, body: { data, contentType } };
    return this.#change(callRoute(this.#upstream, jobsRoutes.complete, input));
  }

  /**
   * Renews each job's TTL (with `onlyWhile`, only of the jobs in that state); answers each job's
   * status, or null for a job that is gone.
   */
  async heartbeat(ids: readonly string[], onlyWhile?: 'QUEUED'): Promise<Record<string, JobStatus | null>> {
    if (ids.length === 0) return {};
    const body = { ids: [...ids], onlyWhile };
    return (await callRoute(this.#upstream, jobsRoutes.heartbeat, { body })).jobs;
  }

  async #change(call: Promise<JobJson>): Promise<JobChange> {
    try {
      return { ok: true, job: await call };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.code === 'JOB_NOT_FOUND') return { ok: false, reason: 'missing' };
      if (error.code === 'JOB_CONFLICT') {
        return { ok: false, reason: 'conflict', job: jobSchema.safeParse(error.details?.job).data };
      }
      throw error;
    }
  }
}
