import { randomUUID } from 'node:crypto';
import type { BlobStore, PubSub, RecordStore, StoredRecord } from '@pixelflow/drivers';
import {
  activeStatuses,
  clampProgress,
  type JobModel,
  jobChannel,
  jobKey,
  newJobFields,
  toJobModel,
} from '../job.ts';

export interface JobStoreOptions {
  records: RecordStore;
  blobs: BlobStore;
  pubsub: PubSub;
  /** Time a job lives after its last heartbeat or state change. */
  ttlMs: number;
  now?: () => Date;
}

/** Why a state change did not apply. */
export type Refusal = { ok: false; reason: 'missing' } | { ok: false; reason: 'conflict'; job: JobModel };
export type Change = { ok: true; job: JobModel } | Refusal;

/**
 * Job state in Redis hashes with a TTL. Every change bumps the job's sequence number and is
 * published on the job's channel in the same atomic step, so subscribers can order events.
 */
export class JobStore {
  readonly #records: RecordStore;
  readonly #blobs: BlobStore;
  readonly #pubsub: PubSub;
  readonly #ttlMs: number;
  readonly #now: () => Date;

  constructor({ records, blobs, pubsub, ttlMs, now = () => new Date() }: JobStoreOptions) {
    this.#records = records;
    this.#blobs = blobs;
    this.#pubsub = pubsub;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** Creates a QUEUED job; creating an existing id again returns the existing job (idempotent). */
  async create(input: { id: string; converter: string; owner: string | null }): Promise<JobModel> {
    const created = await this.#records.create(
      jobKey(input.id),
      newJobFields(input, this.#now()),
      this.#ttlMs,
    );
    if (created) return toJobModel(created);
    const existing = await this.get(input.id);
    if (!existing) throw new Error(`job ${input.id} vanished while being created`);
    return existing;
  }

  async get(id: string): Promise<JobModel | null> {
    const record = await this.#records.get(jobKey(id));
    return record ? toJobModel(record) : null;
  }

  /** A runner took the job (again, after a reclaim): RUNNING, progress reset. */
  start(id: string, attempt: number): Promise<Change> {
    return this.#change(id, { status: 'RUNNING', progress: '0', attempts: String(attempt) });
  }

  /**
   * A runner that is shutting down gave the job back unfinished: QUEUED again, without progress,
   * until another runner takes it. Only a RUNNING job goes back; a finished one stays finished.
   */
  requeue(id: string): Promise<Change> {
    return this.#change(id, { status: 'QUEUED', progress: '' }, ['RUNNING']);
  }

  progress(id: string, value: number): Promise<Change> {
    return this.#change(id, { progress: String(clampProgress(value)) }, ['RUNNING']);
  }

  /** FAILED with the error; `onlyWhile` narrows it to a job still in that state (a queue timeout). */
  fail(id: string, code: string, message: string, onlyWhile?: 'QUEUED'): Promise<Change> {
    const fields = { status: 'FAILED', errorCode: code, errorMessage: message };
    return this.#change(id, fields, onlyWhile ? [onlyWhile] : activeStatuses);
  }

  /**
   * Stores the result and marks the job SUCCEEDED. When the job already finished (a second run
   * after a reclaim), the first result stands and this one is discarded.
   */
  async complete(id: string, data: Buffer, contentType: string, attempt: number): Promise<Change> {
    // Unique per call: a retried call must not overwrite, then delete, the stored result.
    const key = `${jobKey(id)}:result:${attempt}:${randomUUID()}`;
    await this.#blobs.put(key, data, this.#ttlMs);
    const change = await this.#change(id, {
      status: 'SUCCEEDED',
      progress: '1',
      resultKey: key,
      resultType: contentType,
      resultBytes: String(data.length),
    });
    if (!change.ok) await this.#blobs.delete(key);
    return change;
  }

  /** The result bytes of a SUCCEEDED job, or the job without them in any other state. */
  async result(id: string): Promise<{ job: JobModel; data: Buffer | null } | null> {
    const record = await this.#records.get(jobKey(id));
    if (!record) return null;
    const job = toJobModel(record);
    const key = record.fields.resultKey;
    if (job.status !== 'SUCCEEDED' || !key) return { job, data: null };
    return { job, data: await this.#blobs.get(key) };
  }

  /**
   * Renews the TTL of each job that still exists (with `onlyWhile`, of each job in that state:
   * whoever keeps queued jobs alive must not keep a running one whose runner stopped heart-beating);
   * returns each job's status, or null when gone.
   */
  async heartbeat(ids: readonly string[], onlyWhile?: 'QUEUED'): Promise<Array<JobModel['status'] | null>> {
    if (onlyWhile) {
      const jobs = await Promise.all(ids.map((id) => this.get(id)));
      const renew = ids.filter((_, i) => jobs[i]?.status === onlyWhile);
      const alive = new Map(renew.map((id, i) => [id, i]));
      const touched = await this.#records.touch(renew.map(jobKey), this.#ttlMs);
      return jobs.map((job, i) =>
        job && (job.status !== onlyWhile || touched[alive.get(ids[i]!)!]) ? job.status : null,
      );
    }
    const alive = await this.#records.touch(ids.map(jobKey), this.#ttlMs);
    const jobs = await Promise.all(ids.map((id, i) => (alive[i] ? this.get(id) : null)));
    return jobs.map((job) => job?.status ?? null);
  }

  /** Calls `onEvent` with every later state of the job, in order; resolves once listening. */
  async listen(id: string, onEvent: (job: JobModel) => void): Promise<() => Promise<void>> {
    return this.#pubsub.subscribe(jobChannel(id), (message) => {
      onEvent(toJobModel(JSON.parse(message) as StoredRecord));
    });
  }

  async #change(
    id: string,
    fields: Record<string, string>,
    allowedFrom: readonly string[] = activeStatuses,
  ): Promise<Change> {
    const result = await this.#records.update(
      jobKey(id),
      { ...fields, updatedAt: this.#now().toISOString() },
      { ttlMs: this.#ttlMs, when: { field: 'status', oneOf: allowedFrom }, publish: jobChannel(id) },
    );
    if (result.ok) return { ok: true, job: toJobModel(result.record) };
    if (result.reason === 'missing') return { ok: false, reason: 'missing' };
    return { ok: false, reason: 'conflict', job: toJobModel(result.record) };
  }
}
