import { useApolloClient, useMutation } from '@apollo/client/react';
import { useState } from 'react';
import { useSession } from '../../api/context.tsx';
import { graphql } from '../../gql';
import { describeError } from '../../lib/errors.ts';
import { cancelJob } from './job/cancel-job.ts';
import type { EditorStore } from './state/editor-store.ts';
import { converterSequence, jobVariables, type StepInput } from './state/steps.ts';

const ConvertImageDocument = graphql(`
  mutation ConvertImage($file: Upload!, $converter: ID!, $params: JSON, $andThen: [ConversionStep!]) {
    convertImage(file: $file, converter: $converter, params: $params, andThen: $andThen) {
      id
      status
      sequence
      cancelToken
    }
  }
`);

export interface StartError {
  message: string;
  /** INVALID_PARAMS: shown beside the settings of `step`. */
  params: boolean;
  /** From "Convert again": shown beside that button. */
  again: boolean;
  /** The step it is about, from 0 (the server names it for a job of several steps). */
  step: number;
}

/**
 * Starts a job of the given steps on the editor's photo and makes it the editor's run (with the
 * cancel token that only this answer carries). "Again" keeps the previous run on screen until the
 * new one replaces it.
 */
export function useStartRun(editor: EditorStore) {
  const apollo = useApolloClient();
  const { session } = useSession();
  const [convert, { loading: starting }] = useMutation(ConvertImageDocument);
  const [startError, setStartError] = useState<StartError | null>(null);
  const [revealJob, setRevealJob] = useState<string | null>(null);

  const start = async (steps: readonly StepInput[], again = false) => {
    const { input } = editor.state;
    const first = steps[0];
    if (!input || !first) return;
    setStartError(null);
    if (!again) editor.clearRun();
    const sequence = converterSequence(editor.state.steps);
    try {
      const { data } = await convert({ variables: { file: input.file, ...jobVariables(steps) } });
      if (!data) return;
      const { id: jobId, cancelToken = null } = data.convertImage;
      const now = editor.state;
      // Another photo or converter was chosen during the upload: this run is not what the page
      // shows, and nobody will look at its result.
      if (now.input !== input || converterSequence(now.steps) !== sequence) {
        void cancelJob(apollo, jobId, cancelToken);
        return;
      }
      editor.startRun({
        jobId,
        converterId: first.converter,
        params: first.params,
        nextSteps: steps.slice(1),
        cancelToken,
        signedIn: session !== null,
      });
      setRevealJob(jobId);
    } catch (error) {
      const failure = describeError(error);
      const named = failure.details?.step;
      const step = typeof named === 'number' && named >= 1 ? named - 1 : 0;
      const params = failure.code === 'INVALID_PARAMS';
      setStartError({ message: failure.message, params, again, step });
      if (params && !again) editor.openStep(step);
    }
  };

  return { start, starting, startError, setStartError, revealJob, setRevealJob };
}
