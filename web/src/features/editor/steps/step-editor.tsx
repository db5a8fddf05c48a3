import { type Converter, ConverterPicker } from '../converter-picker.tsx';
import { megapixels, oversizeProblem, type PixelSize, refusesSize } from '../limits/converter-limits.ts';
import type { FormValues } from '../params/fields.ts';
import { ParamsForm } from '../params/params-form.tsx';
import type { StepDraft } from '../state/steps.ts';

interface StepEditorProps {
  step: StepDraft;
  /** Its place in the list, from 0: only the first step's converter sees the photo as it is. */
  index: number;
  converters: readonly Converter[];
  signedIn: boolean;
  /** The photo's size once the browser decoded it. */
  photoSize: PixelSize | null;
  /** The id of the form, which the Start button outside it submits. */
  formId: string;
  /** The server refused these settings at the last Start. */
  serverError: string | null;
  /**
   * Non-zero when the page opened this step because its settings stopped a Start: a new number
   * for every such Start, so that the form checks (and shows) its values again each time.
   */
  checkNonce: number;
  onConverterChange(id: string): void;
  onValuesChange(converterId: string, values: FormValues): void;
  onSubmit(params: Record<string, unknown>): void;
}

/**
 * The open step: its converter (with its limits) and the settings form generated from that
 * converter's schema. The first step's converter is checked against the photo's size, as the
 * server checks it at submit; a later step sees the result of the one before, whose size the page
 * does not know, so it only says when the photo itself would be too large for it.
 */
export function StepEditor(props: StepEditorProps) {
  const { step, index, converters, photoSize } = props;
  const converter = converters.find((c) => c.id === step.converterId) ?? null;
  const problem = index === 0 && converter && photoSize ? oversizeProblem(converter, photoSize) : null;
  const laterLimit =
    index > 0 && converter && photoSize && refusesSize(converter, photoSize) ? converter.maxPixels : null;
  return (
    <div className="step-editor" data-step-editor={step.id}>
      <ConverterPicker
        converters={converters}
        value={step.converterId}
        onChange={props.onConverterChange}
        signedIn={props.signedIn}
        problem={problem}
      />
      {laterLimit !== null && (
        <p className="hint">
          Your photo is larger than the {megapixels(laterLimit)} this converter takes: the steps before it
          must make it smaller, or the job stops at this step.
        </p>
      )}
      {converter && (
        <ParamsForm
          key={`${step.id}:${converter.id}:${props.checkNonce}`}
          formId={props.formId}
          hideSubmit
          schema={converter.params}
          initialValues={step.values[converter.id]}
          onValuesChange={(typed) => props.onValuesChange(converter.id, typed)}
          onSubmit={props.onSubmit}
          serverError={props.serverError}
          checkOnMount={props.checkNonce > 0}
        />
      )}
    </div>
  );
}
