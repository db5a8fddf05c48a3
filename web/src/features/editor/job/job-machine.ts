/**
 * A conversion job as the page follows it: a pure reducer, fed by the socket's `jobUpdated`
 * events and, when the socket fails or drops, by polling `job(id)`. Both sources send whole job
 * states stamped with `sequence`; an update not newer than the last one seen is dropped, so the two
 * may overlap (a late socket event after a poll) without the view moving backwards.
 */

export type JobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface SavedImageRef {
  id: string;
  url: string;
}

/** The fields both sources deliver. */
export interface JobSnapshot {
  id: string;
  status: JobStatus;
  progress?: number | null;
  sequence: number;
  resultUrl?: string | null;
  error?: { code: string; message: string } | null;
  savedImage?: SavedImageRef | null;
}

export type Transport = 'socket' | 'polling';

export interface JobView {
  jobId: string;
  /** NOT_FOUND: the job expired or never existed; it will not finish. */
  status: JobStatus | 'NOT_FOUND';
  /** 0..1; null while unknown (queued, or a converter that reports no progress). */
  progress: number | null;
  sequence: number;
  resultUrl: string | null;
  error: { code: string; message: string } | null;
  savedImage: SavedImageRef | null;
  transport: Transport;
  /** Polls in a row that could not reach the server: the page says the connection is lost. */
  failedPolls: number;
  /** SUCCEEDED, FAILED or NOT_FOUND: nothing will change any more. */
  done: boolean;
}

export type JobEvent =
  | { type: 'update'; job: JobSnapshot }
  /** The socket could not open, dropped, errored or ended before the job did. */
  | { type: 'socket-lost' }
  | { type: 'not-found' }
  | { type: 'poll-failed' };

export function initialJobView(jobId: string, transport: Transport = 'socket'): JobView {
  return {
    jobId,
    status: 'QUEUED',
    progress: null,
    sequence: -1,
    resultUrl: null,
    error: null,
    savedImage: null,
    transport,
    failedPolls: 0,
    done: false,
  };
}

export function jobReducer(view: JobView, event: JobEvent): JobView {
  if (view.done) return view;
  switch (event.type) {
    case 'update': {
      const { job } = event;
      if (job.id !== view.jobId) return view;
      // Any answer proves the network is back.
      const reached = view.failedPolls === 0 ? view : { ...view, failedPolls: 0 };
      if (job.sequence <= view.sequence) return reached;
      const done = job.status === 'SUCCEEDED' || job.status === 'FAILED';
      return {
        ...reached,
        status: job.status,
        progress: job.status === 'SUCCEEDED' ? 1 : (job.progress ?? (done ? view.progress : null)),
        sequence: job.sequence,
        resultUrl: job.resultUrl ?? null,
        error: job.error ?? null,
        savedImage: job.savedImage ?? view.savedImage,
        done,
      };
    }
    case 'socket-lost':
      return view.transport === 'polling' ? view : { ...view, transport: 'polling' };
    case 'not-found':
      return { ...view, status: 'NOT_FOUND', done: true, failedPolls: 0 };
    case 'poll-failed':
      return { ...view, failedPolls: view.failedPolls + 1 };
  }
}

/** The failed polls in a row after which the page says that the connection is lost. */
export const OFFLINE_AFTER_FAILED_POLLS = 3;
