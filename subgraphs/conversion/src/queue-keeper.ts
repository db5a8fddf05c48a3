import type { BlobStore, QuotaStore, WorkQueue } from '@pixelflow/drivers';
import type { JobStatus, JobsClient, QueuePlace } from '@pixelflow/jobs-api';
import type { Logger } from '@pixelflow/logger';
import { metrics } from '@pixelflow/telemetry';
import type { Admission } from './admission.ts';
import type { ConverterDurations } from './durations.ts';
import { inputKey, type QueuedConversion, stepsOf } from './intake.ts';

export interface QueueKeeperOptions {
  queue: WorkQueue;
  jobs: JobsClient;
  blobs: BlobStore;
  quotas: QuotaStore;
  admission: Admission;
  /** This instance's name: the keeper's lease is held in it. */
  instanceId: string;
  heartbeatMs: number;
  jobTtlMs: number;
  logger: Logger;
  /** Each converter's measured duration, for the waiting jobs' estimates. */
  durations: ConverterDurations;
}

type Entry = QueuedConversion & { queuedAt: number; status: JobStatus | null };

const SERVICE = 'conversion';
const queueJobs = metrics.queueJobs();
const oldestWait = metrics.queueOldestWait();

/** The lease whose holder keeps the queue: one instance at a time does the work. */
const KEEPER_LEASE = 'lease:queue-keeper';
/** Jobs per heartbeat call (the jobs service takes at most 1000). */
const BATCH = 500;

/** The queue as the keeper saw it: jobs waiting and running, and the longest wait, per converter. */
function report(entries: readonly Entry[], now: number): void {
  queueJobs.reset();
  oldestWait.reset();
  for (const [converter, lined] of Map.groupBy(entries, (entry) => entry.converter)) {
    let waiting = 0;
    let running = 0;
    let oldest = now;
    for (const entry of lined) {
      if (entry.status === 'RUNNING') running++;
      if (entry.status !== 'QUEUED') continue;
      waiting++;
      oldest = Math.min(oldest, entry.queuedAt);
    }
    queueJobs.set({ service: SERVICE, converter, state: 'waiting' }, waiting);
    queueJobs.set({ service: SERVICE, converter, state: 'running' }, running);
    oldestWait.set({ service: SERVICE, converter }, (now - oldest) / 1000);
  }
}

/**
 * Keeps the jobs that wait in the queue alive: nobody runs them, so nobody else heartbeats them.
 * One instance at a time (whoever holds a short lease in the shared store) reads the queue and
 * renews each waiting job, its input and its client's slot, and fails with QUEUE_TIMEOUT the ones
 * that waited longer than allowed. Tying this to the queue rather than to the instance that took
 * the upload means that a job outlives that instance: queued jobs of an instance that stopped or
 * died, and running jobs handed back at shutdown, keep waiting for a runner (in the embedded
 * mode across a restart too).
 */
export class QueueKeeper {
  readonly #o: QueueKeeperOptions;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(options: QueueKeeperOptions) {
    this.#o = options;
  }

  start(): void {
    this.#timer = setInterval(() => void this.tick(), this.#o.heartbeatMs);
    this.#timer.unref();
  }

  /** Stops, and gives the lease up so that another instance (or this one restarted) keeps at once. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#o.quotas.release(KEEPER_LEASE, this.#o.instanceId).catch(() => undefined);
  }

  /** One round: when this instance holds (or takes) the lease, keep every waiting job. */
  async tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    const { quotas, instanceId, heartbeatMs, logger } = this.#o;
    try {
      // Three missed rounds and another instance takes over.
      const lease = await quotas.acquire(KEEPER_LEASE, instanceId, { limit: 1, ttlMs: 3 * heartbeatMs });
      if (lease.ok) {
        await this.#keep();
      } else {
        // Another instance keeps the queue and reports it: no stale figures from this one.
        queueJobs.reset();
        oldestWait.reset();
      }
    } catch (error) {
      logger.warn({ err: error }, 'keeping the queued jobs alive failed; trying again');
    } finally {
      this.#busy = false;
    }
  }

  async #keep(): Promise<void> {
    const { queue, jobs, blobs, admission, jobTtlMs } = this.#o;
    // Every entry not acknowledged: the queue is bounded (MAX_QUEUE_LENGTH), with room for a few
    // admitted at once past it.
    const entries = await queue.peek(admission.limits.maxQueueLength + 100);
    const now = Date.now();
    const seen: Entry[] = [];
    for (let i = 0; i < entries.length; i += BATCH) {
      const batch = entries.slice(i, i + BATCH).map((entry) => ({
        ...(entry.fields as unknown as QueuedConversion),
        // A stream entry's id begins with the time it was added: when its wait began.
        queuedAt: Number(entry.id.split('-')[0]),
      }));
      // Renews queued jobs only: a running one is its runner's, and must lapse if that one stops.
      const statuses = await jobs.heartbeat(
        batch.map((job) => job.jobId),
        'QUEUED',
      );
      for (const job of batch) seen.push({ ...job, status: statuses[job.jobId] ?? null });
      const waiting = batch.filter((job) => statuses[job.jobId] === 'QUEUED');
      const overdue = waiting.filter((job) => now - job.queuedAt > admission.limits.maxQueueWaitMs);
      const keep = waiting.filter((job) => !overdue.includes(job));
      await blobs.touch(
        keep.map((job) => inputKey(job.jobId)),
        jobTtlMs,
      );
      for (const [client, kept] of Map.groupBy(
        keep.filter((job) => job.client),
        (job) => job.client,
      )) {
        await admission.renew(
          client,
          kept.map((job) => job.jobId),
        );
      }
      await Promise.all(overdue.map((job) => this.#giveUp(job)));
    }
    report(seen, now);
    await this.#tellPlaces(seen, now);
  }

  /**
   * Each waiting job's place in its converter's line and, once this installation has measured
   * every converter of its steps, when it should start and finish. A job takes the sum of its
   * steps' average durations; the running ones have half of theirs left on average, and the line
   * moves as fast as as many run at once. Jobs of other converters that share the runners are not
   * counted: where runners rather than converters are the bottleneck, the estimate is early.
   */
  async #tellPlaces(entries: readonly Entry[], now: number): Promise<void> {
    const averages = new Map<string, Promise<number | null>>();
    const average = (converter: string) => {
      if (!averages.has(converter)) averages.set(converter, this.#o.durations.average(converter));
      return averages.get(converter)!;
    };
    /** A whole job's expected duration; null while a converter of it was never timed. */
    const durationOf = async (entry: Entry) => {
      let total = 0;
      for (const step of stepsOf(entry)) {
        const ms = await average(step.converter);
        if (ms === null) return null;
        total += ms;
      }
      return total;
    };
    const places: Array<QueuePlace & { id: string }> = [];
    for (const lined of Map.groupBy(entries, (entry) => entry.converter).values()) {
      const running = lined.filter((entry) => entry.status === 'RUNNING');
      const waiting = lined.filter((entry) => entry.status === 'QUEUED');
      if (waiting.length === 0) continue;
      const parallel = Math.max(1, running.length);
      // Work ahead of the next waiting job, in ms of one runner; null once anything is unknown.
      let ahead: number | null = 0;
      for (const entry of running) {
        const ms = await durationOf(entry);
        ahead = ahead === null || ms === null ? null : ahead + ms / 2;
      }
      for (const [index, entry] of waiting.entries()) {
        const ms = await durationOf(entry);
        const startInMs = ahead === null ? null : ahead / parallel;
        const at = (inMs: number | null) => (inMs === null ? null : new Date(now + inMs).toISOString());
        places.push({
          id: entry.jobId,
          position: index + 1,
          estimatedStartAt: at(startInMs),
          estimatedFinishAt: at(startInMs === null || ms === null ? null : startInMs + ms),
        });
        ahead = ahead === null || ms === null ? null : ahead + ms;
      }
    }
    for (let i = 0; i < places.length; i += BATCH) await this.#o.jobs.queuePlaces(places.slice(i, i + BATCH));
  }

  /**
   * Fails a job that waited too long, unless a runner took it this very moment. Its queue entry
   * stays until a runner reads it and, finding the job finished, drops it.
   */
  async #giveUp(job: QueuedConversion & { queuedAt: number }): Promise<void> {
    const { jobs, blobs, admission, logger } = this.#o;
    const waitedS = Math.round((Date.now() - job.queuedAt) / 1000);
    const message = `the job waited ${waitedS} s in the queue without a free runner`;
    const change = await jobs.fail(job.jobId, 'QUEUE_TIMEOUT', message, 'QUEUED');
    if (!change.ok) return;
    // The slot goes at once: a client that sees its job fail may queue the next one.
    if (job.client) await admission.release(job.client, job.jobId);
    await blobs.delete(inputKey(job.jobId));
    logger.warn({ jobId: job.jobId, waitedS }, 'gave up a job that waited too long in the queue');
  }
}
