import { useQuery } from '@apollo/client/react';
import { useCallback, useEffect, useId, useState } from 'react';
import { useApi, useSession } from '../../api/context.tsx';
import { describeError } from '../../lib/errors.ts';
import { type Converter, ConvertersDocument } from './converter-picker.tsx';
import { fileProblem } from './file-checks.ts';
import { useJob } from './job/use-job.ts';
import { oversizeProblem, type PixelSize } from './limits/converter-limits.ts';
import { PhotoSection } from './photo-section.tsx';
import { ResultSection } from './result/result-section.tsx';
import { useTimeUp } from './result/use-time-up.ts';
import { useEditorState } from './state/editor-store.ts';
import type { Run } from './state/stored-editor.ts';
import { StepEditor } from './steps/step-editor.tsx';
import { StepList } from './steps/step-list.tsx';
import { readSteps } from './steps/step-summary.ts';
import { useStartRun } from './use-start-run.ts';

// The converters' health changes while the page is open.
const CONVERTERS_POLL_MS = 20_000;

const runSteps = (run: Run) => [{ converter: run.converterId, params: run.params }, ...run.nextSteps];

/** Why "Convert again" cannot run now; null when it can. */
function againBlockedFor(run: Run | null, hasPhoto: boolean, list: readonly Converter[]): string | null {
  if (!hasPhoto)
    return 'Choose your photo again first: it is no longer in the page (too large to keep across a reload).';
  const used = run ? runSteps(run).map((step) => list.find((c) => c.id === step.converter)) : [];
  if (used.some((converter) => !converter)) return 'This converter is no longer available.';
  if (used.some((converter) => !converter?.healthy)) return 'This converter is unavailable right now.';
  return null;
}

/**
 * Upload → build the steps (converters and their settings) → follow the job → compare, download,
 * cancel, or take the result on as the photo (and undo that). The photo, steps and last run live in
 * the EditorStore, so they outlast this page's unmounting (a visit to the gallery) and, through
 * sessionStorage, a reload.
 */
export function EditorPage() {
  const { jobs, editor } = useApi();
  const { session, status: sessionStatus } = useSession();
  const { input, steps, current, run, history } = useEditorState(editor);
  const [inputError, setInputError] = useState<string | null>(null);
  const [revealPhoto, setRevealPhoto] = useState(false);
  const [measured, setMeasured] = useState<(PixelSize & { url: string }) | null>(null);
  const [check, setCheck] = useState<{ stepId: string; nonce: number } | null>(null);
  const { start, starting, startError, setStartError, revealJob, setRevealJob } = useStartRun(editor);
  const formId = useId();
  const signedIn = session !== null;

  const converters = useQuery(ConvertersDocument, { pollInterval: CONVERTERS_POLL_MS });
  // Re-attaches by id after a visit elsewhere or a reload: the first event is the job's state now.
  // A signed-in person's job is visible to them only: after a reload, not before the sign-in is back.
  const waitForSignIn = run?.signedIn === true && sessionStatus === 'restoring';
  const job = useJob(run && !run.expired && !waitForSignIn ? run.jobId : null, jobs);
  const timeUp = useTimeUp(run?.expiresAt ?? null);
  // Only a result can expire: a failed (or cancelled) job's time passing changes nothing on screen.
  const resultless = job?.status === 'FAILED' || job?.status === 'CANCELLED';
  const expired = run !== null && (run.expired || job?.status === 'NOT_FOUND' || (timeUp && !resultless));

  const list = converters.data?.converters ?? [];
  const titleOf = (id: string) => list.find((c) => c.id === id)?.title ?? id;
  const openStep = steps[current] ?? steps[0]!;
  const converter = list.find((c) => c.id === openStep.converterId) ?? null;
  const firstConverter = list.find((c) => c.id === steps[0]?.converterId) ?? null;
  // The first healthy converter, for steps without one (a new page) or whose converter is gone.
  useEffect(() => {
    if (list.length === 0) return;
    const known = new Set(list.map((c) => c.id));
    if (steps.every((step) => step.converterId !== null && known.has(step.converterId))) return;
    editor.replaceMissingConverters(known, (list.find((c) => c.healthy) ?? list[0])!.id);
  }, [editor, steps, list]);

  // Kept for a reload: when the result goes, and that it is gone (then nothing is followed).
  const runJobId = run?.jobId ?? null;
  const jobExpiresAt = job?.expiresAt ?? null;
  useEffect(() => {
    if (runJobId && jobExpiresAt) editor.noteExpiry(runJobId, jobExpiresAt);
  }, [editor, runJobId, jobExpiresAt]);
  useEffect(() => {
    if (runJobId && expired) editor.markExpired(runJobId);
  }, [editor, runJobId, expired]);

  const photoSize = measured && input && measured.url === input.url ? measured : null;
  const tooLarge = firstConverter && photoSize ? oversizeProblem(firstConverter, photoSize) : null;

  const takeFile = (file: File, asResult = false) => {
    const problem = fileProblem(file);
    setInputError(problem);
    if (problem) return;
    if (asResult) {
      editor.applyResult(file);
      setRevealPhoto(true);
    } else editor.takeInput(file);
    setStartError(null);
  };

  const undo = () => {
    editor.undo();
    setInputError(null);
    setStartError(null);
    setRevealPhoto(true);
  };

  // The open step's form checked its settings; every other step is read from what was typed.
  const startSteps = (params: Record<string, unknown>) => {
    const read = readSteps(steps, list, { index: current, params });
    if (read.ok) {
      setCheck(null);
      void start(read.steps);
      return;
    }
    editor.openStep(read.index);
    const failing = steps[read.index];
    if (read.settings && failing) setCheck({ stepId: failing.id, nonce: (check?.nonce ?? 0) + 1 });
    setStartError({ message: read.reason, params: false, again: false, step: read.index });
  };

  const revealed = useCallback(() => setRevealJob(null), [setRevealJob]);
  const photoRevealed = useCallback(() => setRevealPhoto(false), []);
  const running = starting || (job !== null && !job.done);
  const why = !input
    ? 'Choose a photo first.'
    : tooLarge
      ? 'The photo is too large for the first step (see above).'
      : converter && !converter.healthy
        ? 'This converter is unavailable.'
        : null;
  const whyId = `${formId}-why`;

  return (
    <div className="editor">
      <PhotoSection
        input={input}
        history={history}
        error={inputError}
        onFile={(file) => takeFile(file)}
        onUndo={undo}
        onSize={setMeasured}
        onUnreadable={() => {
          if (!input) return;
          setInputError(`"${input.file.name}" could not be read as an image. Choose another file.`);
          editor.clearInput();
        }}
        reveal={revealPhoto}
        onRevealed={photoRevealed}
      />

      <section className="panel" aria-labelledby="convert-heading">
        <h2 id="convert-heading">2. Steps</h2>
        {converters.error && !converters.data && (
          <p className="error" role="alert">
            Could not load the converters: {describeError(converters.error).message}
          </p>
        )}
        {converters.loading && !converters.data && <p role="status">Loading converters…</p>}
        {list.length > 0 && (
          <StepList
            steps={steps}
            current={current}
            converters={list}
            onOpen={(index) => editor.openStep(index)}
            onMove={(index, delta) => editor.moveStep(index, delta)}
            onRemove={(index) => editor.removeStep(index)}
            onAdd={() => editor.addStep(converter?.id ?? null)}
            editor={
              <StepEditor
                step={openStep}
                index={current}
                converters={list}
                signedIn={signedIn}
                photoSize={photoSize}
                formId={formId}
                serverError={
                  startError?.params && !startError.again && startError.step === current
                    ? startError.message
                    : null
                }
                checkNonce={check?.stepId === openStep.id ? check.nonce : 0}
                onConverterChange={(id) => {
                  editor.setConverter(id);
                  setStartError(null);
                }}
                onValuesChange={(converterId, values) => {
                  editor.setValues(converterId, values);
                  // "Step 2 has settings to check" is stale once they change; the server's words stay.
                  if (startError && !startError.params && !startError.again) setStartError(null);
                }}
                onSubmit={startSteps}
              />
            }
            actions={
              converter && (
                <>
                  <button
                    type="submit"
                    form={formId}
                    className="primary"
                    disabled={running || why !== null}
                    aria-describedby={why ? whyId : undefined}
                  >
                    {starting ? 'Starting…' : 'Start'}
                  </button>
                  {why && (
                    <span className="hint" id={whyId}>
                      {why}
                    </span>
                  )}
                </>
              )
            }
          />
        )}
        {startError && !startError.params && !startError.again && (
          <p className="error" role="alert">
            {startError.message}
          </p>
        )}
      </section>

      {run && (
        <ResultSection
          run={run}
          job={job}
          expired={expired}
          input={input}
          signedIn={signedIn}
          stepTitles={runSteps(run).map((step) => titleOf(step.converter))}
          reveal={revealJob === run.jobId}
          onRevealed={revealed}
          againBlocked={againBlockedFor(run, input !== null, list)}
          starting={starting}
          againError={startError?.again ? startError.message : null}
          onConvertAgain={() => void start(runSteps(run), true)}
          onExpired={() => editor.markExpired(run.jobId)}
          onUseResult={(file) => takeFile(file, true)}
        />
      )}
    </div>
  );
}
