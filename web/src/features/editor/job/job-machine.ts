/**
 * A conversion job as the page follows it: a pure reducer, fed by the socket's `jobUpdated`
 * events and, when the socket fails or drops, by polling `job(id)`. Both sources send whole job
 * states stamped with `sequence`; an update not newer than the last one seen is dropped, so the two
 * may overlap (a late socket event after a poll) without the view moving backwards.
 */

// CANCELLED: cancelJob (the editor's Cancel, or leaving the page) ended it without a result.
export type JobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface SavedImageRef {
  id: string;
  url: string;
}

/** Where a queued job stands in its converter's line; the estimates are ISO 8601, null until timed. */
export interface QueuePlace {
  /** 1: the next to start. */
  position: number;
  estimatedStartAt?: string | null;
  estimatedFinishAt?: string | null;
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
  /** ISO 8601: when the finished job and its result are deleted; null while it waits or runs. */
  expiresAt?: string | null;
  /** While QUEUED: its place in line. */
  queue?: QueuePlace | null;
  /** What the converter said of the result for the user. */
  notice?: string | null;
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
  /** When the finished job and its result are deleted (ISO 8601); null until it finished. */
  expiresAt: string | null;
  /** Its place in line while QUEUED; null otherwise, or before the server placed it. */
  queue: QueuePlace | null;
  /** What the converter said of the result (it capped the size, worked on a smaller copy). */
  notice: string | null;
  transport: Transport;
  /** Polls in a row that could not reach the server: the page says the connection is lost. */
  failedPolls: number;
  /** SUCCEEDED, FAILED, CANCELLED or NOT_FOUND: nothing will change any more. */
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
    expiresAt: null,
    queue: null,
    notice: null,
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
      const done = job.status === 'SUCCEEDED' || job.status === 'FAILED' || job.status === 'CANCELLED';
      return {
        ...reached,
        status: job.status,
        progress: job.status === 'SUCCEEDED' ? 1 : (job.progress ?? (done ? view.progress : null)),
        sequence: job.sequence,
        resultUrl: job.resultUrl ?? null,
        error: job.error ?? null,
        savedImage: job.savedImage ?? view.savedImage,
        expiresAt: job.expiresAt ?? null,
        // A place in line means nothing once the job left it.
        queue: job.status === 'QUEUED' ? (job.queue ?? null) : null,
        notice: job.notice ?? null,
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
