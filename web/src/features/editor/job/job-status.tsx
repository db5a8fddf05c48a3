import { describeJobError } from '../../../lib/errors.ts';
import { type JobView, OFFLINE_AFTER_FAILED_POLLS } from './job-machine.ts';
import { describeQueuePlace } from './queue-place.ts';
import { currentStep } from './step-progress.ts';
import { useNow } from './use-now.ts';

// Often enough for estimates rounded to 10 s, seldom enough not to chatter.
const ESTIMATE_TICK_MS = 5000;

const statusText: Record<JobView['status'], string> = {
  QUEUED: 'Waiting for a converter…',
  RUNNING: 'Converting…',
  SUCCEEDED: 'Done.',
  FAILED: 'The conversion failed.',
  CANCELLED: 'The conversion was cancelled.',
  NOT_FOUND: 'This result has expired: the server no longer keeps it.',
};

interface JobStatusProps {
  /** null: the job is not followed (any more), e.g. once it expired. */
  view: JobView | null;
  /** The result is gone (its time passed, or the server no longer knows the job). */
  expired?: boolean;
  /** The job's steps, by title, in order: a job of several says which one runs. */
  steps?: readonly string[];
}

/**
 * The job's progress bar and its one live region. Every change a person waits for (progress,
 * the end, a failure and why, the expiry) is said by the same polite status element, once: a
 * failure's reason is part of it rather than a second, assertive alert that would repeat it.
 * The element stays mounted from the first state to the expiry, so each change is announced.
 */
export function JobStatus({ view, expired = false, steps = [] }: JobStatusProps) {
  const status = expired ? 'NOT_FOUND' : (view?.status ?? 'QUEUED');
  const percent = view?.progress == null || expired ? null : Math.round(view.progress * 100);
  const following = view !== null && !view.done && !expired;
  const offline = following && view.failedPolls >= OFFLINE_AFTER_FAILED_POLLS;
  const problem = status === 'FAILED' || status === 'NOT_FOUND';
  const queue = status === 'QUEUED' ? (view?.queue ?? null) : null;
  const now = useNow(ESTIMATE_TICK_MS, queue !== null);
  const step = status === 'RUNNING' ? currentStep(view?.progress ?? null, steps.length) : null;
  return (
    <div className="job-status">
      {/* An ended job that made nothing has no progress to show, and an empty bar would look busy. */}
      {status !== 'NOT_FOUND' && (!view?.done || status === 'SUCCEEDED') && (
        <div className="job-line">
          <progress
            max={100}
            value={percent ?? undefined}
            aria-label="Conversion progress"
            aria-valuetext={percent === null ? statusText[status] : `${percent}%`}
          />
          <span className="job-percent" aria-hidden="true">
            {percent === null ? '' : `${percent}%`}
          </span>
        </div>
      )}
      <p role="status" className={problem ? 'job-text error' : 'job-text'}>
        {statusText[status]}
        {queue && ` ${describeQueuePlace(queue, now)}`}
        {step !== null &&
          ` Step ${step} of ${steps.length} (${steps[step - 1]})${percent === null ? '.' : ','}`}
        {status === 'RUNNING' && percent !== null && ` ${percent}%`}
        {status === 'FAILED' && view?.error && ` ${describeJobError(view.error)}`}
        {following && view.transport === 'polling' && (
          <span className="hint"> (live updates unavailable; checking every second)</span>
        )}
      </p>
      {offline && (
        <p className="error" role="alert">
          The connection to the server is lost. Still trying; the job keeps running on the server.
        </p>
      )}
    </div>
  );
}
