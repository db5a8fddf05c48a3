import { randomUUID } from 'node:crypto';
import type { BlobStore, PubSub, RecordStore, StoredRecord } from '@pixelflow/drivers';
import { isErrorCode } from '@pixelflow/errors';
import type { QueuePlace } from '@pixelflow/jobs-api';
import type { Logger } from '@pixelflow/logger';
import { currentTraceparent, metrics } from '@pixelflow/telemetry';
import {
  activeStatuses,
  clampProgress,
  isTerminal,
  type JobModel,
  jobChannel,
  jobKey,
  newJobFields,
  toJobModel,
} from '../job.ts';

/** Every job's state changes pass this store, whichever instance or path makes them. */
const SERVICE = 'jobs';
const created = metrics.jobsCreated();
const finished = metrics.jobsFinished();
const durations = metrics.jobDuration();

const noPlace = { queuePosition: '', estimatedStartAt: '', estimatedFinishAt: '' };

/** Estimates that moved by less than this are not news: no event for them. */
const ESTIMATE_SLACK_MS = 5_000;

function isSamePlace(current: QueuePlace | null, next: QueuePlace): boolean {
  if (!current || current.position !== next.position) return false;
  const near = (a: string | null, b: string | null) =>
    a === b || (a !== null && b !== null && Math.abs(Date.parse(a) - Date.parse(b)) < ESTIMATE_SLACK_MS);
  return (
    near(current.estimatedStartAt, next.estimatedStartAt) &&
    near(current.estimatedFinishAt, next.estimatedFinishAt)
  );
}

export interface JobStoreOptions {
  records: RecordStore;
  blobs: BlobStore;
  pubsub: PubSub;
  /** Time a queued or running job lives after its last heartbeat or state change. */
  ttlMs: number;
  /** Time a finished job and its result stay after it ended. */
  retentionMs: number;
  now?: () => Date;
  /** Gets one info line per state change (job id, converter, status, attempt, duration, error code). */
  logger?: Logger;
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
  readonly #retentionMs: number;
  readonly #now: () => Date;
  readonly #logger: Logger | undefined;

  constructor({
    records,
    blobs,
    pubsub,
    ttlMs,
    retentionMs,
    now = () => new Date(),
    logger,
  }: JobStoreOptions) {
    this.#logger = logger;
    this.#records = records;
    this.#blobs = blobs;
    this.#pubsub = pubsub;
    this.#ttlMs = ttlMs;
    this.#retentionMs = retentionMs;
    this.#now = now;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** Creates a QUEUED job; creating an existing id again returns the existing job (idempotent). */
  async create(input: {
    id: string;
    converter: string;
    owner: string | null;
    steps?: readonly string[];
  }): Promise<JobModel> {
    const record = await this.#records.create(
      jobKey(input.id),
      newJobFields(input, this.#now()),
      this.#ttlMs,
    );
    if (record) {
      created.inc({ service: SERVICE, converter: input.converter });
      const job = toJobModel(record);
      this.#log(job);
      return job;
    }
    const existing = await this.get(input.id);
    if (!existing) throw new Error(`job ${input.id} vanished while being created`);
    return existing;
  }

  async get(id: string): Promise<JobModel | null> {
    const record = await this.#records.get(jobKey(id));
    return record ? toJobModel(record) : null;
  }

  /** A runner took the job (again, after a reclaim): RUNNING, progress reset. */
  async start(id: string, attempt: number): Promise<Change> {
    const change = await this.#change(id, {
      status: 'RUNNING',
      progress: '0',
      attempts: String(attempt),
      ...noPlace,
    });
    if (change.ok) this.#log(change.job, { attempt });
    return change;
  }

  /**
   * A QUEUED job's place in line. Only a change is written (and published): the queue keeper
   * sends every place every round. Answers whether it changed.
   */
  async place(id: string, place: QueuePlace): Promise<boolean> {
    const job = await this.get(id);
    if (job?.status !== 'QUEUED' || isSamePlace(job.queue, place)) return false;
    const fields = {
      queuePosition: String(place.position),
      estimatedStartAt: place.estimatedStartAt ?? '',
      estimatedFinishAt: place.estimatedFinishAt ?? '',
    };
    return (await this.#change(id, fields, ['QUEUED'])).ok;
  }

  /**
   * A runner that is shutting down gave the job back unfinished: QUEUED again, without progress,
   * until another runner takes it. Only a RUNNING job goes back; a finished one stays finished.
   */
  async requeue(id: string): Promise<Change> {
    const change = await this.#change(id, { status: 'QUEUED', progress: '', ...noPlace }, ['RUNNING']);
    if (change.ok) this.#log(change.job, { handedBack: true });
    return change;
  }

  progress(id: string, value: number): Promise<Change> {
    return this.#change(id, { progress: String(clampProgress(value)) }, ['RUNNING']);
  }

  /** FAILED with the error; `onlyWhile` narrows it to a job still in that state (a queue timeout). */
  fail(id: string, code: string, message: string, onlyWhile?: 'QUEUED'): Promise<Change> {
    const fields = { status: 'FAILED', errorCode: code, errorMessage: message };
    return this.#finish(id, fields, onlyWhile ? [onlyWhile] : activeStatuses);
  }

  /** CANCELLED by whoever started it, while it waits or runs: it keeps the retention of a finished job. */
  cancel(id: string): Promise<Change> {
    const fields = { status: 'CANCELLED', errorCode: 'JOB_CANCELLED', errorMessage: 'the job was cancelled' };
    return this.#finish(id, fields);
  }

  /**
   * Stores the result and marks the job SUCCEEDED. When the job already finished (a second run
   * after a reclaim), the first result stands and this one is discarded.
   */
  async complete(
    id: string,
    data: Buffer,
    contentType: string,
    attempt: number,
    notice?: string,
  ): Promise<Change> {
    // Unique per call: a retried call must not overwrite, then delete, the stored result.
    const key = `${jobKey(id)}:result:${attempt}:${randomUUID()}`;
    await this.#blobs.put(key, data, this.#retentionMs);
    const change = await this.#finish(id, {
      ...(notice ? { notice: notice.slice(0, 2000) } : {}),
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
    const renewable: readonly string[] = onlyWhile ? [onlyWhile] : activeStatuses;
    const jobs = await Promise.all(ids.map((id) => this.get(id)));
    // A finished job keeps its retention: the heartbeat TTL is for jobs that wait or run.
    const renew = ids.filter((_, i) => renewable.includes(jobs[i]?.status ?? ''));
    const touched = await this.#records.touch(renew.map(jobKey), this.#ttlMs);
    const renewed = new Map(renew.map((id, i) => [id, touched[i]!]));
    const after = await Promise.all(ids.map((id) => (renewed.get(id) ? this.get(id) : null)));
    // One that finished between the read and the touch got the heartbeat TTL: give its retention back.
    await Promise.all(
      after.map((job) => (job && isTerminal(job.status) ? this.#keepUntilExpiry(job) : null)),
    );
    return ids.map((id, i) => {
      if (!renewed.has(id)) return jobs[i]?.status ?? null;
      return renewed.get(id) ? (after[i]?.status ?? null) : null;
    });
  }

  async #keepUntilExpiry(job: JobModel): Promise<void> {
    if (!job.expiresAt) return;
    const leftMs = Math.max(1, Date.parse(job.expiresAt) - this.#now().getTime());
    await this.#records.touch([jobKey(job.id)], leftMs);
  }

  /**
   * Calls `onEvent` with every later state of the job, in order, and the trace of the request that
   * changed it; resolves once listening.
   */
  async listen(
    id: string,
    onEvent: (job: JobModel, traceparent: string | undefined) => void,
  ): Promise<() => Promise<void>> {
    return this.#pubsub.subscribe(jobChannel(id), (message) => {
      const record = JSON.parse(message) as StoredRecord;
      onEvent(toJobModel(record), record.fields.traceparent);
    });
  }

  /**
   * The last change of a job (SUCCEEDED, FAILED or CANCELLED): from now on it lives for the
   * retention. Counted once: a second finish (a run after a reclaim) is refused as a conflict.
   */
  async #finish(
    id: string,
    fields: Record<string, string>,
    allowedFrom?: readonly string[],
  ): Promise<Change> {
    const now = this.#now();
    const expiresAt = new Date(now.getTime() + this.#retentionMs).toISOString();
    const change = await this.#change(id, { ...fields, expiresAt }, allowedFrom, this.#retentionMs);
    if (change.ok) {
      const { converter, status: outcome, error, createdAt } = change.job;
      // An error code outside the product's list (a converter's own) is not a new series each.
      const code = !error ? '' : isErrorCode(error.code) ? error.code : 'OTHER';
      finished.inc({ service: SERVICE, converter, outcome, code });
      const seconds = (now.getTime() - Date.parse(createdAt)) / 1000;
      if (seconds >= 0) durations.observe({ service: SERVICE, converter, outcome }, seconds);
      this.#log(change.job, { durationMs: Math.round(seconds * 1000), errorCode: error?.code });
    }
    return change;
  }

  /** The job's new state, one line: what an operator follows a job by afterwards. */
  #log(job: JobModel, more: Record<string, unknown> = {}): void {
    this.#logger?.info(
      {
        jobId: job.id,
        sequence: job.sequence,
        converter: job.converter,
        status: job.status,
        owner: job.owner ?? 'anonymous',
        ...more,
      },
      `job ${job.status}`,
    );
  }

  async #change(
    id: string,
    fields: Record<string, string>,
    allowedFrom: readonly string[] = activeStatuses,
    ttlMs = this.#ttlMs,
  ): Promise<Change> {
    // The change's trace goes with the event it publishes: the subscription's delivery continues
    // it. Written empty without one, so that no event carries an earlier change's trace.
    const result = await this.#records.update(
      jobKey(id),
      { ...fields, updatedAt: this.#now().toISOString(), traceparent: currentTraceparent() ?? '' },
      { ttlMs, when: { field: 'status', oneOf: allowedFrom }, publish: jobChannel(id) },
    );
    if (result.ok) return { ok: true, job: toJobModel(result.record) };
    if (result.reason === 'missing') return { ok: false, reason: 'missing' };
    return { ok: false, reason: 'conflict', job: toJobModel(result.record) };
  }
}
