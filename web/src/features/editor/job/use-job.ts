import { useEffect, useReducer } from 'react';
import { errorCodeOf } from '../../../lib/errors.ts';
import { initialJobView, type JobView, jobReducer } from './job-machine.ts';
import type { JobTransport } from './job-transport.ts';

export interface UseJobOptions {
  /** Time between polls once the socket is given up. @default 1000 */
  pollIntervalMs?: number;
  /**
   * Falls back to polling when the socket brings no first event in this time (a socket that
   * neither opens nor fails, behind some proxies). @default 5000
   */
  firstEventTimeoutMs?: number;
}

/**
 * Follows a job to its end: live over the socket, and by polling `job(id)` about once a second
 * from the moment the socket fails, drops or stays silent, so that the job still finishes in the
 * page. null `jobId`: nothing to follow.
 */
export function useJob(
  jobId: string | null,
  transport: JobTransport,
  { pollIntervalMs = 1000, firstEventTimeoutMs = 5000 }: UseJobOptions = {},
): JobView | null {
  const [view, dispatch] = useReducer(
    (state: JobView | null, action: Parameters<typeof jobReducer>[1] | { type: 'reset'; jobId: string }) => {
      if (action.type === 'reset') return initialJobView(action.jobId);
      return state ? jobReducer(state, action) : state;
    },
    null,
  );
  const current = view && view.jobId === jobId ? view : null;
  const transportKind = current?.transport;
  const done = current?.done ?? false;

  useEffect(() => {
    if (jobId) dispatch({ type: 'reset', jobId });
  }, [jobId]);

  // The socket, while it serves.
  useEffect(() => {
    if (!jobId || transportKind !== 'socket' || done) return;
    let gotEvent = false;
    const lost = () => dispatch({ type: 'socket-lost' });
    const silence = setTimeout(() => {
      if (!gotEvent) lost();
    }, firstEventTimeoutMs);
    const stopTrouble = transport.onSocketTrouble(lost);
    const unsubscribe = transport.subscribe(jobId, {
      next: (job) => {
        gotEvent = true;
        dispatch({ type: 'update', job });
      },
      error: (error) => {
        if (errorCodeOf(error) === 'JOB_NOT_FOUND') dispatch({ type: 'not-found' });
        else lost();
      },
      // The server completes after the last state; a completion before it means the socket ended.
      complete: lost,
    });
    return () => {
      clearTimeout(silence);
      stopTrouble();
      unsubscribe();
    };
  }, [jobId, transportKind, done, transport, firstEventTimeoutMs]);

  // Polling, once the socket is given up.
  useEffect(() => {
    if (!jobId || transportKind !== 'polling' || done) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const pollOnce = async () => {
      try {
        const answer = await transport.poll(jobId);
        if (stopped) return;
        dispatch(answer.found ? { type: 'update', job: answer.job } : { type: 'not-found' });
      } catch {
        if (stopped) return;
        dispatch({ type: 'poll-failed' });
      }
      if (!stopped) timer = setTimeout(pollOnce, pollIntervalMs);
    };
    void pollOnce();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [jobId, transportKind, done, transport, pollIntervalMs]);

  return current;
}
