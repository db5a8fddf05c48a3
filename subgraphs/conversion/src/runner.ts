import { setTimeout as sleep } from 'node:timers/promises';
import { type ConvertOutcome, callConverter } from '@pixelflow/converter-kit/client';
import type { BlobStore, PubSub, QueueEntry, WorkQueue } from '@pixelflow/drivers';
import type { ErrorCode } from '@pixelflow/errors';
import type { JobChange, JobsClient } from '@pixelflow/jobs-api';
import type { Logger } from '@pixelflow/logger';
import { contextOf, currentTraceparent, failSpan, metrics, SpanKind, withSpan } from '@pixelflow/telemetry';
import type { Admission } from './admission.ts';
import { CANCEL_CHANNEL } from './cancel.ts';
import type { ConverterRegistry } from './converters/registry.ts';
import type { ConverterDurations } from './durations.ts';
import type { GallerySaves } from './gallery-saves.ts';
import { inputKey, type QueuedConversion, type Step, stepsOf } from './intake.ts';

export interface RunnerOptions {
  queue: WorkQueue;
  blobs: BlobStore;
  jobs: JobsClient;
  registry: ConverterRegistry;
  logger: Logger;
  /** This instance's name in the consumer group; unique per process. */
  consumer: string;
  /** Jobs run at once by this instance. */
  concurrency: number;
  /** An entry not renewed for this long is taken over by another instance. */
  leaseMs: number;
  /** How often a running job renews its lease and its TTL. */
  heartbeatMs: number;
  /** Deliveries of one entry (first run plus reclaims) before the job fails. */
  maxDeliveries: number;
  /** Extra tries of a converter that failed (5xx, dropped connection) within one delivery. @default 2 */
  converterRetries?: number;
  /**
   * How long a job waits in all for a busy converter (503 + Retry-After) before it fails: AI
   * converters take a minute per image and a few at once, so a queue of jobs waits its turn. The
   * job is heartbeated meanwhile. @default 600000
   */
  busyWaitMs?: number;
  converterTimeoutMs: number;
  /**
   * At stop, how long running jobs get to finish; those still running then are handed back to the
   * queue (QUEUED again, at once claimable by another instance) rather than cut off.
   */
  drainMs: number;
  jobTtlMs: number;
  /** Saves signed-in users' conversions to their gallery; without it nothing is saved. */
  saves?: GallerySaves;
  /**
   * Renews a running job's slot in its client's quota with each heartbeat and frees it at the end,
   * and gives each client's heavy jobs their turns one at a time.
   */
  admission?: Pick<Admission, 'renew' | 'release' | 'takeHeavyTurn'>;
  /** Where cancels are announced (cancel.ts); without it a cancel is seen at the next heartbeat. */
  pubsub?: PubSub;
  /** Where each successful conversion's duration goes, for the queue's estimates. */
  durations?: ConverterDurations;
}

type Optional = 'saves' | 'admission' | 'pubsub' | 'durations';

const SERVICE = 'conversion';
const reclaims = metrics.jobReclaims();
const retries = metrics.jobRetries();
const queueWait = metrics.queueWait();
const activeJobs = metrics.runnerActive();
const slots = metrics.runnerSlots();

type Settings = Required<Omit<RunnerOptions, Optional>> & Pick<RunnerOptions, Optional>;

type Finish =
  | { ok: true; data: Buffer; contentType: string; notice: string | null }
  | { ok: false; code: ErrorCode; message: string };

/**
 * Takes conversions from the queue and runs them: at least once, idempotent by job id. A running
 * job renews its queue lease and its TTL with every heartbeat; when an instance dies, another one
 * reclaims its entries once the lease lapsed and runs them again, up to maxDeliveries.
 */
export class JobRunner {
  readonly #o: Settings;
  readonly #active = new Map<string, Promise<void>>();
  /** Aborted at the end of the drain: what still converts then is handed back. */
  readonly #handBack = new AbortController();
  /** The jobs this instance runs, each with what stops its conversion when it is cancelled. */
  readonly #cancels = new Map<string, AbortController>();
  #unsubscribe: Promise<() => Promise<void>> | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  #slotFreed: (() => void) | undefined;
  #nextReclaimAt = 0;

  constructor(options: RunnerOptions) {
    // The service's settings come from env.ts; these two are the runner's own.
    const { converterRetries = 2, busyWaitMs = 600_000 } = options;
    this.#o = { ...options, converterRetries, busyWaitMs };
  }

  get activeJobs(): number {
    return this.#active.size;
  }

  start(): void {
    this.#running = true;
    slots.set({ service: SERVICE }, this.#o.concurrency);
    this.#unsubscribe = this.#o.pubsub
      ?.subscribe(CANCEL_CHANNEL, (jobId) => this.#cancels.get(jobId)?.abort('the job was cancelled'))
      .catch((error: unknown) => {
        this.#o.logger.warn({ err: error }, 'cannot hear cancels; they are seen at the heartbeat');
        return async () => {};
      });
    this.#loop = this.#run();
  }

  /**
   * Stops taking work and lets the jobs in flight finish for up to drainMs; those still converting
   * then are handed back to the queue for another instance (or, in the embedded mode, for this one
   * after its restart), so that a restart neither waits for a long conversion nor loses it.
   */
  async stop(): Promise<void> {
    this.#running = false;
    this.#slotFreed?.();
    await this.#loop;
    if (this.#active.size > 0) {
      const timer = setTimeout(() => this.#handBack.abort('the instance is shutting down'), this.#o.drainMs);
      await Promise.allSettled(this.#active.values());
      clearTimeout(timer);
    }
    await (await this.#unsubscribe)?.();
  }

  async #run(): Promise<void> {
    const { queue, consumer, concurrency, leaseMs, logger } = this.#o;
    while (this.#running) {
      const free = concurrency - this.#active.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          this.#slotFreed = resolve;
        });
        continue;
      }
      try {
        let entries: QueueEntry[] = [];
        if (Date.now() >= this.#nextReclaimAt) {
          this.#nextReclaimAt = Date.now() + Math.max(250, leaseMs / 4);
          entries = await queue.reclaim(consumer, { minIdleMs: leaseMs, count: free });
          if (entries.length > 0) {
            reclaims.inc({ service: SERVICE }, entries.length);
            logger.info({ entries: entries.map((e) => e.fields.jobId) }, 'reclaimed jobs');
          }
        }
        if (entries.length === 0) {
          entries = await queue.read(consumer, {
            count: free,
            blockMs: Math.min(1000, Math.max(100, leaseMs / 4)),
          });
        }
        if (!this.#running) return; // entries read now stay pending and are reclaimed elsewhere
        for (const entry of entries) {
          const work = this.#process(entry).finally(() => {
            this.#active.delete(entry.id);
            activeJobs.set({ service: SERVICE }, this.#active.size);
            this.#slotFreed?.();
          });
          this.#active.set(entry.id, work);
          activeJobs.set({ service: SERVICE }, this.#active.size);
        }
      } catch (error) {
        logger.error({ err: error }, 'reading the queue failed; retrying');
        await sleep(1000);
      }
    }
  }

  async #process(entry: QueueEntry): Promise<void> {
    const { queue, blobs, jobs, consumer, heartbeatMs, jobTtlMs, maxDeliveries, logger } = this.#o;
    const fields = entry.fields as unknown as QueuedConversion;
    const jobId = fields.jobId;
    const log = logger.child({ jobId, converter: fields.converter, delivery: entry.deliveries });
    const lost = new AbortController();
    const cancelled = new AbortController();
    this.#cancels.set(jobId, cancelled);

    const heartbeat = setInterval(async () => {
      try {
        const [held, statuses] = await Promise.all([
          queue.renew(consumer, [entry.id]),
          jobs.heartbeat([jobId]),
          blobs.touch([inputKey(jobId)], jobTtlMs),
          fields.client ? this.#o.admission?.renew(fields.client, [jobId]) : undefined,
        ]);
        if (!held.includes(entry.id)) lost.abort('another instance took the job over');
        else if (!statuses[jobId]) lost.abort('the job expired');
        else if (statuses[jobId] === 'CANCELLED') cancelled.abort('the job was cancelled');
      } catch (error) {
        log.warn({ err: error }, 'heartbeat failed');
      }
    }, heartbeatMs);

    // The job's span continues the trace of the request that queued it; its calls (the jobs
    // service, the converter, the gallery) are its children. The heartbeat above is not.
    const span = {
      kind: SpanKind.CONSUMER,
      parent: contextOf(fields.traceparent),
      attributes: {
        'pixelflow.job_id': jobId,
        'pixelflow.converter': fields.converter,
        'pixelflow.delivery': entry.deliveries,
      },
    };
    try {
      if (entry.deliveries > maxDeliveries) {
        log.warn('giving up after too many deliveries');
        await withSpan(SERVICE, `give up ${fields.converter}`, span, () =>
          this.#finish(jobId, entry, {
            ok: false,
            code: 'ATTEMPTS_EXHAUSTED',
            message: `the job was tried ${maxDeliveries} times`,
          }),
        );
        return;
      }
      // A client's heavy jobs run one at a time. While another one of theirs runs, this entry goes
      // back to the queue (QUEUED still, no attempt counted) and the runner takes the next one:
      // other clients' jobs go first, and this one is taken again at a later reclaim (no span:
      // a job waiting its turn would add one to its trace at every reclaim).
      if (!(await this.#heavyTurn(fields))) {
        await queue.release(consumer, [entry.id]);
        log.debug("another of the client's heavy jobs runs; the entry waits its turn");
        return;
      }
      await withSpan(SERVICE, `run ${fields.converter}`, span, async () => {
        // The converter starts while the jobs service marks the job RUNNING: that round trip is off
        // the critical path. A job that turns out not runnable has its conversion cancelled.
        const starting = jobs.start(jobId, entry.deliveries);
        if (entry.deliveries === 1) {
          // A stream entry's id starts with the millisecond it was added.
          const queuedAt = Number(entry.id.split('-')[0]);
          if (queuedAt > 0) {
            queueWait.observe(
              { service: SERVICE, converter: fields.converter },
              (Date.now() - queuedAt) / 1000,
            );
          }
        }
        const input = await blobs.get(inputKey(jobId));
        const notRunnable = new AbortController();
        const converting = input
          ? this.#runSteps(
              fields,
              input,
              AbortSignal.any([lost.signal, notRunnable.signal, cancelled.signal, this.#handBack.signal]),
              log,
            )
          : undefined;
        const started = await starting.catch((error: unknown) => {
          notRunnable.abort('the jobs service failed');
          throw error;
        });
        if (!started.ok) {
          // Expired, or already finished by an earlier delivery: nothing to do (idempotence).
          notRunnable.abort('the job is not runnable');
          log.info({ reason: started.reason }, 'job not runnable; dropping the entry');
          await converting;
          if (started.reason === 'missing' || started.job?.status === 'CANCELLED') {
            await this.#drop(entry, fields, log);
          } else {
            await queue.ack([entry.id]);
            await this.#releaseSlot(fields, log);
          }
          return;
        }
        if (!converting) {
          await this.#finish(jobId, entry, {
            ok: false,
            code: 'INTERNAL_SERVER_ERROR',
            message: 'the input expired',
          });
          return;
        }
        const outcome = await converting;
        if (cancelled.signal.aborted) {
          // The job says CANCELLED already: its result, if one came, is dropped and nothing is saved.
          log.info('the job was cancelled; its conversion stopped');
          await this.#drop(entry, fields, log);
          return;
        }
        if (lost.signal.aborted) {
          log.warn({ reason: String(lost.signal.reason) }, 'lost the job while converting; leaving it');
          return;
        }
        // A conversion that finished as the drain ended still counts; one that was stopped goes back.
        if (!outcome.ok && this.#handBack.signal.aborted) {
          await this.#giveBack(jobId, entry, log);
          return;
        }
        // A signed-in user's conversion goes to their gallery before the job says SUCCEEDED, so that
        // its savedImage is there with the event; a gallery that is down does not hold the job up.
        const saving = fields.owner ? this.#o.saves : undefined;
        if (outcome.ok && saving) {
          await saving.save({
            jobId,
            owner: fields.owner,
            converter: stepsOf(fields)
              .map((step) => step.converter)
              .join('+'),
            // converting exists, so the input did.
            original: { data: input!, contentType: fields.contentType },
            result: { data: outcome.data, contentType: outcome.contentType },
          });
        }
        const change = await this.#finish(jobId, entry, outcome);
        // A cancel that landed while the save was under way wins (the job says CANCELLED): what the
        // save kept goes again, so that a cancelled job leaves nothing in the gallery.
        if (outcome.ok && saving && !change.ok && change.job?.status === 'CANCELLED') {
          log.info('the job was cancelled while it was saved; removing it from the gallery');
          await saving.forget(jobId, fields.owner);
        }
      });
    } catch (error) {
      // The jobs service or the store failed: leave the entry pending so that it is reclaimed
      // and retried once the lease lapses, rather than dropping the job.
      log.error({ err: error }, 'job run failed; it will be retried');
    } finally {
      clearInterval(heartbeat);
      this.#cancels.delete(jobId);
    }
  }

  /**
   * Whether the job may run now: always a light one (or one queued before clients were known); a
   * heavy one (a step on a `cost: heavy` converter) only while no other heavy job of its client
   * runs, and its turn is then held until it ends.
   */
  async #heavyTurn(fields: QueuedConversion): Promise<boolean> {
    const { admission, registry } = this.#o;
    const heavy = stepsOf(fields).some((step) => registry.get(step.converter)?.description?.cost === 'heavy');
    if (!heavy || !fields.client || !admission) return true;
    return admission.takeHeavyTurn(fields.client, fields.jobId);
  }

  /** Done with an entry whose job will not run (cancelled or gone): the entry, its slot, its input. */
  async #drop(entry: QueueEntry, fields: QueuedConversion, log: Logger): Promise<void> {
    await this.#o.queue.ack([entry.id]);
    await this.#releaseSlot(fields, log);
    await this.#o.blobs.delete(inputKey(fields.jobId));
  }

  /**
   * QUEUED again for subscribers, and the entry released so that any instance claims it at once.
   * Giving back is no failed attempt: the entry's delivery count is not raised by it. Should either
   * call fail, the entry is still reclaimed once its lease lapses.
   */
  async #giveBack(jobId: string, entry: QueueEntry, log: Logger): Promise<void> {
    const { jobs, queue, consumer } = this.#o;
    try {
      const change = await jobs.requeue(jobId);
      if (!change.ok) log.info({ reason: change.reason }, 'job finished or gone before it was given back');
      await queue.release(consumer, [entry.id]);
      log.info('handed the running job back to the queue');
    } catch (error) {
      log.warn({ err: error }, 'handing the job back failed; it is reclaimed once its lease lapses');
    }
  }

  async #finish(jobId: string, entry: QueueEntry, outcome: Finish): Promise<JobChange> {
    const { jobs, queue, blobs } = this.#o;
    // The slot goes first: a client that sees its job finish may queue the next one at once.
    await this.#releaseSlot(entry.fields as unknown as QueuedConversion, this.#o.logger.child({ jobId }));
    const change = outcome.ok
      ? await jobs.complete(jobId, entry.deliveries, outcome.data, outcome.contentType, outcome.notice)
      : await jobs.fail(jobId, outcome.code, outcome.message);
    if (!change.ok) this.#o.logger.info({ jobId, reason: change.reason }, 'job already finished or gone');
    await queue.ack([entry.id]);
    await blobs.delete(inputKey(jobId));
    return change;
  }

  /** The job is done with: its client may queue another. A slot not freed lapses after the job TTL. */
  async #releaseSlot(fields: QueuedConversion, log: Logger): Promise<void> {
    if (!fields.client || !this.#o.admission) return;
    await this.#o.admission.release(fields.client, fields.jobId).catch((error: unknown) => {
      log.warn({ err: error }, 'freeing the job slot failed; it lapses with the job');
    });
  }

  /**
   * Passes a converter's progress on to the job: at most one update in flight and one every
   * quarter second, the latest value winning, so a chatty converter cannot flood the jobs service.
   */
  #progressReporter(jobId: string, log: Logger): (fraction: number) => void {
    let latest: number | undefined;
    let sending = false;
    let lastSent = 0;
    const send = async () => {
      if (sending || latest === undefined) return;
      const wait = lastSent + 250 - Date.now();
      if (wait > 0 && latest < 1) {
        setTimeout(() => void send(), wait).unref();
        return;
      }
      sending = true;
      const value = latest;
      latest = undefined;
      lastSent = Date.now();
      try {
        await this.#o.jobs.progress(jobId, value);
      } catch (error) {
        log.debug({ err: error }, 'progress update failed');
      } finally {
        sending = false;
        void send();
      }
    };
    return (fraction) => {
      latest = Math.max(fraction, latest ?? 0);
      void send();
    };
  }

  /**
   * Runs the job's steps one after the other, each on the result of the one before, with progress
   * over them all; the first failure ends the job, naming its step when there are several.
   */
  async #runSteps(
    fields: QueuedConversion,
    input: Buffer,
    signal: AbortSignal,
    log: Logger,
  ): Promise<Finish> {
    const steps = stepsOf(fields);
    const report = this.#progressReporter(fields.jobId, log);
    const notices: string[] = [];
    let current = { data: input, contentType: fields.contentType };
    for (const [index, step] of steps.entries()) {
      const startedAt = performance.now();
      const outcome = await this.#convert(fields.jobId, step, current, signal, log, (fraction) =>
        report((index + fraction) / steps.length),
      );
      if (!outcome.ok) {
        if (steps.length === 1) return outcome;
        return {
          ...outcome,
          message: `step ${index + 1} of ${steps.length} (${step.converter}): ${outcome.message}`,
        };
      }
      await this.#o.durations
        ?.record(step.converter, performance.now() - startedAt)
        .catch((error: unknown) => {
          log.debug({ err: error }, 'recording the duration failed');
        });
      if (outcome.notice)
        notices.push(steps.length === 1 ? outcome.notice : `${step.converter}: ${outcome.notice}`);
      current = outcome;
      if (index < steps.length - 1) report((index + 1) / steps.length);
    }
    return { ok: true, ...current, notice: notices.length > 0 ? notices.join(' · ') : null };
  }

  /** Calls one step's converter, retrying failures and waiting out a busy converter, within bounds. */
  async #convert(
    jobId: string,
    step: Step,
    input: { data: Buffer; contentType: string },
    signal: AbortSignal,
    log: Logger,
    onProgress: (fraction: number) => void,
  ): Promise<Finish> {
    const { registry, converterRetries, busyWaitMs, converterTimeoutMs } = this.#o;
    let failures = 0;
    const busyUntil = Date.now() + busyWaitMs;
    for (;;) {
      const converter = registry.get(step.converter);
      if (!converter) {
        return {
          ok: false,
          code: 'UNKNOWN_CONVERTER',
          message: `no converter "${step.converter}" any more`,
        };
      }
      const outcome: ConvertOutcome = await withSpan(
        undefined,
        `POST ${step.converter} /convert`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'pixelflow.converter': step.converter,
            'peer.service': `converter ${step.converter}`,
          },
        },
        async (span) => {
          const called = await callConverter({
            url: converter.url,
            input: input.data,
            contentType: input.contentType,
            params: step.params,
            signal,
            timeoutMs: converterTimeoutMs,
            requestId: jobId,
            runnerId: this.#o.consumer,
            traceparent: currentTraceparent(),
            onProgress: converter.description?.progress ? onProgress : undefined,
          });
          span?.setAttribute('pixelflow.outcome', called.kind);
          if (called.kind !== 'ok') failSpan(span, new Error(`the converter's answer: ${called.kind}`));
          return called;
        },
      );
      if (signal.aborted) return { ok: false, code: 'CONVERTER_FAILED', message: 'cancelled' };
      switch (outcome.kind) {
        case 'ok':
          return { ok: true, data: outcome.data, contentType: outcome.contentType, notice: outcome.notice };
        case 'rejected':
          return { ok: false, code: outcome.code, message: outcome.message };
        case 'timeout':
          return { ok: false, code: 'CONVERTER_TIMEOUT', message: outcome.message };
        case 'busy':
          if (Date.now() + outcome.retryAfterMs > busyUntil)
            return { ok: false, code: 'CONVERTER_FAILED', message: 'the converter stayed busy' };
          retries.inc({ service: SERVICE, converter: step.converter, reason: 'busy' });
          await sleep(outcome.retryAfterMs, undefined, { signal }).catch(() => undefined);
          break;
        case 'failed':
          if (++failures > converterRetries)
            return { ok: false, code: 'CONVERTER_FAILED', message: outcome.message };
          retries.inc({ service: SERVICE, converter: step.converter, reason: 'failed' });
          log.warn({ attempt: failures, reason: outcome.message }, 'converter failed; retrying');
          await sleep(250 * 4 ** (failures - 1), undefined, { signal }).catch(() => undefined);
          break;
      }
    }
  }
}
