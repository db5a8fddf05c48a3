import { useApolloClient } from '@apollo/client/react';
import { useState } from 'react';
import { describeError } from '../../../lib/errors.ts';
import type { Run } from '../state/stored-editor.ts';
import { cancelJob } from './cancel-job.ts';

interface CancelState {
  jobId: string;
  /** sending: awaiting the answer; sent: the server cancelled it, the status follows. */
  phase: 'sending' | 'sent' | 'failed';
  error: string | null;
}

export interface CancelControl {
  /** Sent and not yet seen ended: the button says "Cancelling…". */
  cancelling: boolean;
  /** This page asked to cancel this run's job (focus then follows to what replaces the button). */
  requested: boolean;
  error: string | null;
  cancel(): void;
}

/** Cancels the run's job with its token, and tracks the request for the button. */
export function useCancel(run: Run | null): CancelControl {
  const apollo = useApolloClient();
  const [state, setState] = useState<CancelState | null>(null);
  const current = run && state?.jobId === run.jobId ? state : null;
  const cancel = () => {
    if (!run) return;
    const { jobId, cancelToken } = run;
    setState({ jobId, phase: 'sending', error: null });
    void cancelJob(apollo, jobId, cancelToken).then((outcome) => {
      const error =
        outcome.kind === 'failed' ? `Could not cancel: ${describeError(outcome.error).message}` : null;
      setState({ jobId, phase: error ? 'failed' : 'sent', error });
    });
  };
  return {
    cancelling: current?.phase === 'sending' || current?.phase === 'sent',
    requested: current !== null,
    error: current?.error ?? null,
    cancel,
  };
}
