import { useEffect, useRef } from 'react';
import { bringIntoView } from '../../../lib/reveal.ts';
import type { JobView } from '../job/job-machine.ts';
import { JobStatus } from '../job/job-status.tsx';
import { useCancel } from '../job/use-cancel.ts';
import type { InputImage } from '../state/editor-store.ts';
import type { Run } from '../state/stored-editor.ts';
import { CancelButton } from './cancel-button.tsx';
import { CancelledNotice } from './cancelled-notice.tsx';
import { ExpiredNotice } from './expired-notice.tsx';
import { ResultView } from './result-view.tsx';

export interface ResultSectionProps {
  run: Run;
  /** The job as followed; null while it is not (e.g. once expired). */
  job: JobView | null;
  expired: boolean;
  input: InputImage | null;
  signedIn: boolean;
  /** The run's steps by title, in order. */
  stepTitles: readonly string[];
  /** Bring the section into view and focus it: the person just started this run. */
  reveal: boolean;
  onRevealed(): void;
  /** Why "Convert again" cannot run now; null when it can. */
  againBlocked: string | null;
  starting: boolean;
  againError: string | null;
  onConvertAgain(): void;
  onExpired(): void;
  onUseResult(file: File): void;
}

/** Step 3: the run's state (with Cancel while it waits or runs), then its result, or that it expired. */
export function ResultSection(props: ResultSectionProps) {
  const { run, job, expired, input, reveal, onRevealed } = props;
  const section = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const cancel = useCancel(run);
  useEffect(() => {
    if (!reveal || !section.current || !heading.current) return;
    bringIntoView(section.current, heading.current);
    onRevealed();
  }, [reveal, onRevealed]);

  const resultUrl = !expired && job?.status === 'SUCCEEDED' ? job.resultUrl : null;
  const active = job !== null && !job.done && !expired;
  const again = {
    blocked: props.againBlocked,
    starting: props.starting,
    error: props.againError,
    onConvertAgain: props.onConvertAgain,
  };
  return (
    <section className="panel result" aria-labelledby="result-heading" ref={section}>
      {/* Focused after Start (tabIndex -1: reachable by script, not a tab stop). */}
      <h2 id="result-heading" tabIndex={-1} ref={heading}>
        3. Result
      </h2>
      <JobStatus view={job} expired={expired} steps={props.stepTitles} />
      {active && (
        <CancelButton cancelling={cancel.cancelling} error={cancel.error} onCancel={cancel.cancel} />
      )}
      {resultUrl && (
        <ResultView
          resultUrl={resultUrl}
          converterId={run.nextSteps.at(-1)?.converter ?? run.converterId}
          input={input}
          expiresAt={job?.expiresAt ?? run.expiresAt}
          notice={job?.notice ?? null}
          saved={job?.savedImage != null}
          signedIn={props.signedIn}
          onExpired={props.onExpired}
          onUseResult={props.onUseResult}
        />
      )}
      {!expired && job?.status === 'CANCELLED' && <CancelledNotice takeFocus={cancel.requested} {...again} />}
      {expired && <ExpiredNotice inGallery={run.signedIn && props.signedIn} {...again} />}
    </section>
  );
}
