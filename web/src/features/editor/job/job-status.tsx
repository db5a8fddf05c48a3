import { describeJobError } from '../../../lib/errors.ts';
import { type JobView, OFFLINE_AFTER_FAILED_POLLS } from './job-machine.ts';

const statusText: Record<JobView['status'], string> = {
  QUEUED: 'Waiting for a converter…',
  RUNNING: 'Converting…',
  SUCCEEDED: 'Done.',
  FAILED: 'The conversion failed.',
  NOT_FOUND: 'The job expired or is unknown.',
};

/** The job's progress bar and status, announced politely as they change. */
export function JobStatus({ view }: { view: JobView }) {
  const percent = view.progress === null ? null : Math.round(view.progress * 100);
  const offline = view.failedPolls >= OFFLINE_AFTER_FAILED_POLLS;
  return (
    <div className="job-status">
      <div className="job-line">
        <progress
          max={100}
          value={percent ?? undefined}
          aria-label="Conversion progress"
          aria-valuetext={percent === null ? statusText[view.status] : `${percent}%`}
        />
        <span className="job-percent" aria-hidden="true">
          {percent === null ? '' : `${percent}%`}
        </span>
      </div>
      <p role="status" className="job-text">
        {statusText[view.status]}
        {view.status === 'RUNNING' && percent !== null && ` ${percent}%`}
        {view.transport === 'polling' && !view.done && (
          <span className="hint"> (live updates unavailable; checking every second)</span>
        )}
      </p>
      {offline && !view.done && (
        <p className="error" role="alert">
          The connection to the server is lost. Still trying; the job keeps running on the server.
        </p>
      )}
      {view.status === 'FAILED' && (
        <p className="error" role="alert">
          {describeJobError(view.error)}
        </p>
      )}
      {view.status === 'NOT_FOUND' && (
        <p className="error" role="alert">
          The job is no longer known to the server (it expired). Start it again.
        </p>
      )}
    </div>
  );
}
