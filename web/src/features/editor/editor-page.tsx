import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { useApi, useSession } from '../../api/context.tsx';
import { graphql } from '../../gql';
import { describeError } from '../../lib/errors.ts';
import { linkTo } from '../../lib/router.ts';
import { CompareSlider } from './compare-slider.tsx';
import { ConverterPicker, ConvertersDocument } from './converter-picker.tsx';
import { DropZone } from './drop-zone.tsx';
import { fileProblem } from './file-checks.ts';
import { JobStatus } from './job/job-status.tsx';
import { useJob } from './job/use-job.ts';
import { ParamsForm } from './params/params-form.tsx';

const ConvertImageDocument = graphql(`
  mutation ConvertImage($file: Upload!, $converter: ID!, $params: JSON) {
    convertImage(file: $file, converter: $converter, params: $params) {
      id
      status
      sequence
    }
  }
`);

interface InputImage {
  file: File;
  /** An object URL for the preview; revoked when the input changes. */
  url: string;
}

// The converters' health changes while the page is open.
const CONVERTERS_POLL_MS = 20_000;

/** Upload → pick a converter and its settings → follow the job → compare, download or go on. */
export function EditorPage() {
  const { jobs } = useApi();
  const { session } = useSession();
  const [input, setInput] = useState<InputImage | null>(null);
  const [inputError, setInputError] = useState<string | null>(null);
  const [converterId, setConverterId] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [startError, setStartError] = useState<{ message: string; params: boolean } | null>(null);
  const [chaining, setChaining] = useState(false);

  const converters = useQuery(ConvertersDocument, { pollInterval: CONVERTERS_POLL_MS });
  const [convert, { loading: starting }] = useMutation(ConvertImageDocument);
  const job = useJob(jobId, jobs);

  const list = converters.data?.converters ?? [];
  const converter = list.find((c) => c.id === converterId) ?? null;
  // The first healthy converter, until the person picks one.
  useEffect(() => {
    if (converterId === null && list.length > 0) setConverterId((list.find((c) => c.healthy) ?? list[0])!.id);
  }, [converterId, list]);

  useEffect(() => () => (input ? URL.revokeObjectURL(input.url) : undefined), [input]);

  const takeFile = (file: File) => {
    const problem = fileProblem(file);
    setInputError(problem);
    if (problem) return;
    setInput({ file, url: URL.createObjectURL(file) });
    setJobId(null);
    setStartError(null);
  };

  const start = async (params: Record<string, unknown>) => {
    if (!input || !converter) return;
    setStartError(null);
    setJobId(null);
    try {
      const { data } = await convert({ variables: { file: input.file, converter: converter.id, params } });
      if (data) setJobId(data.convertImage.id);
    } catch (error) {
      const failure = describeError(error);
      setStartError({ message: failure.message, params: failure.code === 'INVALID_PARAMS' });
    }
  };

  const continueWithResult = async () => {
    if (!job?.resultUrl || !input) return;
    setChaining(true);
    try {
      const response = await fetch(job.resultUrl);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const blob = await response.blob();
      const extension = blob.type.split('/')[1] ?? 'png';
      const base = input.file.name.replace(/\.[^.]+$/, '');
      takeFile(new File([blob], `${base}-${converter?.id ?? 'result'}.${extension}`, { type: blob.type }));
    } catch {
      setInputError(
        'Could not fetch the result to use it as the new input. Check your connection and try again.',
      );
    } finally {
      setChaining(false);
    }
  };

  const running = starting || (job !== null && !job.done);
  const succeeded = job?.status === 'SUCCEEDED' && job.resultUrl;

  return (
    <div className="editor">
      <section className="panel" aria-labelledby="input-heading">
        <h2 id="input-heading">1. Your photo</h2>
        <DropZone onFile={takeFile} compact={input !== null} />
        {inputError && (
          <p className="error" role="alert">
            {inputError}
          </p>
        )}
        {input && (
          <img
            className="preview"
            src={input.url}
            alt={`Your photo: ${input.file.name}`}
            onError={() => {
              setInputError(`"${input.file.name}" could not be read as an image. Choose another file.`);
              setInput(null);
            }}
          />
        )}
      </section>

      <section className="panel" aria-labelledby="convert-heading">
        <h2 id="convert-heading">2. Converter</h2>
        {converters.error && !converters.data && (
          <p className="error" role="alert">
            Could not load the converters: {describeError(converters.error).message}
          </p>
        )}
        {converters.loading && !converters.data && <p role="status">Loading converters…</p>}
        {list.length > 0 && (
          <ConverterPicker converters={list} value={converterId} onChange={setConverterId} />
        )}
        {converter && (
          <ParamsForm
            key={converter.id}
            schema={converter.params}
            onSubmit={start}
            serverError={startError?.params ? startError.message : null}
            disabled={!input || running || !converter.healthy}
            submitLabel={starting ? 'Starting…' : 'Start'}
            footer={
              !input ? (
                <span className="hint">Choose a photo first.</span>
              ) : !converter.healthy ? (
                <span className="hint">This converter is unavailable.</span>
              ) : null
            }
          />
        )}
        {startError && !startError.params && (
          <p className="error" role="alert">
            {startError.message}
          </p>
        )}
      </section>

      {job && (
        <section className="panel result" aria-labelledby="result-heading">
          <h2 id="result-heading">3. Result</h2>
          <JobStatus view={job} />
          {succeeded && input && (
            <>
              <CompareSlider before={input.url} after={job.resultUrl!} />
              <div className="form-actions">
                <a className="button-like primary" href={job.resultUrl!} download>
                  Download
                </a>
                <button type="button" onClick={continueWithResult} disabled={chaining}>
                  {chaining ? 'Loading…' : 'Apply another converter to this result'}
                </button>
              </div>
              <p className="hint">
                {job.savedImage ? (
                  <>
                    Saved to <a {...linkTo('/gallery')}>your gallery</a>.
                  </>
                ) : session ? null : (
                  <>
                    <a {...linkTo('/account')}>Sign in</a> to keep your originals and results in a gallery.
                  </>
                )}
              </p>
            </>
          )}
        </section>
      )}
    </div>
  );
}
