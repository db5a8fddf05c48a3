import { AppError } from '@pixelflow/errors';
import { contextOf, type Span, SpanKind, startSpan } from '@pixelflow/telemetry';
import { isJobId, isTerminal, type JobModel } from './job.ts';
import type { JobStore } from './store/job-store.ts';

export interface JobUpdatesOptions {
  /**
   * With no event for this long, the job is read again: pub/sub is at-most-once, and an expired
   * job publishes nothing (JOB_RECHECK_MS in env.ts).
   */
  recheckMs: number;
  /** Whether the caller may see the job; one it may not see is answered as unknown. */
  visible?: (job: JobModel) => boolean;
}

/** Yielded in place of a job when the stream ends in an error (the field resolver throws it). */
export type JobUpdate = JobModel | AppError;

const notFound = (id: string) => new AppError('JOB_NOT_FOUND', `job ${id} is unknown or expired`);

/**
 * Opens the event stream behind `jobUpdated`: subscribes first, then reads the current state, so
 * no change can fall between the two. Yields the current state, then only strictly newer states
 * (by sequence), and ends after a terminal state. Throws JOB_NOT_FOUND when the job does not exist.
 */
export async function openJobUpdates(
  store: JobStore,
  id: string,
  { recheckMs, visible = () => true }: JobUpdatesOptions,
): Promise<AsyncIterableIterator<JobUpdate>> {
  if (!isJobId(id)) throw notFound(id);
  const buffered: JobUpdate[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let last = 0;
  let endAfterNext = false;
  // Each event's span, child of the change that published it, from its arrival until the
  // subscription hands it out: the last hop of a conversion's trace.
  const spans = new Map<JobUpdate, Span>();
  const handedOut = (event: JobUpdate, delivered: boolean) => {
    const span = spans.get(event);
    if (!span) return;
    span.setAttribute('pixelflow.delivered', delivered);
    span.end();
    spans.delete(event);
  };

  const unlisten = await store.listen(id, (job, traceparent) => {
    buffered.push(job);
    const span = startSpan('jobs', 'jobUpdated event', {
      kind: SpanKind.CONSUMER,
      parent: contextOf(traceparent),
      attributes: {
        'pixelflow.job_id': job.id,
        'pixelflow.job_status': job.status,
        'pixelflow.sequence': job.sequence,
      },
    });
    if (span) spans.set(job, span);
    wake?.();
  });
  const finish = async () => {
    if (done) return;
    done = true;
    wake?.();
    for (const event of spans.keys()) handedOut(event, false);
    await unlisten();
  };

  let current: JobModel | null;
  try {
    current = await store.get(id);
  } catch (error) {
    await finish();
    throw error;
  }
  if (!current || !visible(current)) {
    await finish();
    throw notFound(id);
  }
  buffered.unshift(current);

  const waitForEvent = () =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve(false);
      }, recheckMs);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve(true);
      };
    });

  const iterator: AsyncIterableIterator<JobUpdate> = {
    async next() {
      while (!done) {
        if (endAfterNext) break;
        const event = buffered.shift();
        if (event instanceof AppError) {
          endAfterNext = true;
          return { done: false, value: event };
        }
        if (event) {
          handedOut(event, event.sequence > last);
          if (event.sequence <= last) continue;
          last = event.sequence;
          if (isTerminal(event.status)) endAfterNext = true;
          return { done: false, value: event };
        }
        const woke = await waitForEvent();
        if (woke || done) continue;
        const now = await store.get(id).catch(() => undefined);
        if (now === null) buffered.push(notFound(id));
        else if (now && now.sequence > last) buffered.push(now);
      }
      await finish();
      return { done: true, value: undefined };
    },
    async return() {
      await finish();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}
