import { type FormEvent, type ReactNode, useEffect, useId, useMemo, useRef, useState } from 'react';
import {
  type ChoiceValue,
  type Field,
  type FormValues,
  fieldsOf,
  readParams,
  restoreValues,
} from './fields.ts';

export interface ParamsFormProps {
  /** The converter's params JSON Schema. */
  schema: unknown;
  onSubmit(params: Record<string, unknown>): void;
  /** The server's refusal of the last submit (e.g. INVALID_PARAMS), shown above the button. */
  serverError?: string | null;
  disabled?: boolean;
  submitLabel?: string;
  /** Shown beside the submit button (e.g. why it is disabled). */
  footer?: ReactNode;
  /** Values typed earlier (kept across pages and reloads); the schema's defaults fill the rest. */
  initialValues?: FormValues;
  /** Every change, so that the page can keep what was typed. */
  onValuesChange?(values: FormValues): void;
  /** The form element's id, for a submit button outside it (`<button form={id}>`). */
  formId?: string;
  /** No submit button of its own: one outside the form submits it (with `formId`). */
  hideSubmit?: boolean;
  /**
   * Check the values at once and show what is wrong, with focus on the first such field: the
   * page opened this form because its settings stopped a Start.
   */
  checkOnMount?: boolean;
}

/**
 * A form generated from a converter's params schema: selects for enums, number inputs (with a
 * slider where bounded) for numbers, checkboxes, text; a oneOf of presets and a list becomes a
 * preset select with an "advanced (JSON)" editor. Checked on submit, beside each field.
 * Give it a `key` per converter: its values start from that converter's defaults.
 */
export function ParamsForm({
  schema,
  onSubmit,
  serverError,
  disabled,
  submitLabel = 'Start',
  footer,
  initialValues,
  onValuesChange,
  formId: givenFormId,
  hideSubmit = false,
  checkOnMount = false,
}: ParamsFormProps) {
  const fields = useMemo(() => fieldsOf(schema), [schema]);
  const [values, setValues] = useState<FormValues>(() => restoreValues(fields, initialValues));
  const [firstCheck] = useState(() => (checkOnMount ? readParams(fields, values, schema) : null));
  const [errors, setErrors] = useState<Record<string, string>>(firstCheck?.errors ?? {});
  const [formError, setFormError] = useState<string | undefined>(firstCheck?.formError);
  const ownId = useId();
  const formId = givenFormId ?? ownId;
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!checkOnMount) return;
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [checkOnMount]);

  const change = (name: string, value: FormValues[string]) => {
    const next = { ...values, [name]: value };
    setValues(next);
    onValuesChange?.(next);
    setErrors(({ [name]: _, ...rest }) => rest);
    setFormError(undefined);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = readParams(fields, values, schema);
    setErrors(result.errors);
    setFormError(result.formError);
    if (Object.keys(result.errors).length === 0 && !result.formError) onSubmit(result.params);
  };

  const problems = Object.keys(errors).length;
  return (
    <form
      className="params-form"
      id={formId}
      ref={form}
      onSubmit={submit}
      noValidate
      aria-label="Converter settings"
    >
      {fields.length === 0 && <p className="hint">This converter has no settings.</p>}
      {fields.map((field) => (
        <FieldControl
          key={field.name}
          id={`${formId}-${field.name}`}
          field={field}
          value={values[field.name]}
          error={errors[field.name]}
          onChange={(value) => change(field.name, value)}
        />
      ))}
      {(formError || problems > 0) && (
        <p className="error" role="alert">
          {formError ?? `Check the ${problems === 1 ? 'setting' : `${problems} settings`} marked above.`}
        </p>
      )}
      {serverError && (
        <p className="error" role="alert">
          {serverError}
        </p>
      )}
      {!hideSubmit && (
        <div className="form-actions">
          <button type="submit" className="primary" disabled={disabled}>
            {submitLabel}
          </button>
          {footer}
        </div>
      )}
    </form>
  );
}

interface FieldControlProps {
  id: string;
  field: Field;
  value: FormValues[string] | undefined;
  error?: string;
  onChange(value: FormValues[string]): void;
}

function FieldControl({ id, field, value, error, onChange }: FieldControlProps) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy =
    [field.description ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined };
  const hint = field.description && (
    <p className="hint" id={hintId}>
      {field.description}
    </p>
  );
  const errorText = error && (
    <p className="field-error" id={errorId}>
      {error}
    </p>
  );
  const text = typeof value === 'string' ? value : '';

  if (field.kind === 'boolean') {
    return (
      <div className="field field-checkbox">
        <input
          type="checkbox"
          {...common}
          checked={value === true}
          onChange={(event) => onChange(event.target.checked)}
        />
        <label htmlFor={id}>{field.label}</label>
        {hint}
        {errorText}
      </div>
    );
  }

  if (field.kind === 'choice') {
    return (
      <ChoiceControl
        {...{ id, field, error, onChange, hint, errorText, describedBy }}
        value={value as ChoiceValue}
      />
    );
  }

  let control: ReactNode;
  switch (field.kind) {
    case 'select':
      control = (
        <select {...common} value={text} onChange={(event) => onChange(event.target.value)}>
          {!field.required && field.schema.default === undefined && <option value="">(default)</option>}
          {field.options.map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </select>
      );
      break;
    case 'number': {
      const step = field.integer ? 1 : 'any';
      control = (
        <div className="number-control">
          {field.slider && (
            <input
              type="range"
              aria-label={`${field.label} (slider)`}
              aria-describedby={describedBy}
              min={field.min}
              max={field.max}
              step={field.integer ? 1 : ((field.max! - field.min!) / 100).toPrecision(1)}
              value={text === '' || Number.isNaN(Number(text)) ? String(field.min) : text}
              onChange={(event) => onChange(event.target.value)}
            />
          )}
          <input
            type="number"
            inputMode={field.integer ? 'numeric' : 'decimal'}
            {...common}
            min={field.min}
            max={field.max}
            step={step}
            value={text}
            placeholder={field.required ? undefined : 'optional'}
            onChange={(event) => onChange(event.target.value)}
          />
        </div>
      );
      break;
    }
    case 'text':
      control = (
        <div className="text-control">
          <input type="text" {...common} value={text} onChange={(event) => onChange(event.target.value)} />
          {field.colour && (
            <input
              type="color"
              aria-label={`${field.label} (picker)`}
              value={/^#[0-9a-f]{6}$/i.test(text) ? text : '#000000'}
              onChange={(event) => onChange(event.target.value)}
            />
          )}
        </div>
      );
      break;
    case 'json':
      control = (
        <textarea
          {...common}
          rows={4}
          spellCheck={false}
          value={text}
          onChange={(event) => onChange(event.target.value)}
        />
      );
      break;
  }
  return (
    <div className="field">
      <label htmlFor={id}>
        {field.label}
        {field.required && <span aria-hidden="true"> *</span>}
      </label>
      {control}
      {hint}
      {errorText}
    </div>
  );
}

interface ChoiceControlProps {
  id: string;
  field: Extract<Field, { kind: 'choice' }>;
  value: ChoiceValue;
  error?: string;
  describedBy?: string;
  hint: ReactNode;
  errorText: ReactNode;
  onChange(value: ChoiceValue): void;
}

/** Presets by name, or the advanced form as JSON (e.g. DeepDream's layers with their weights). */
function ChoiceControl({
  id,
  field,
  value,
  error,
  describedBy,
  hint,
  errorText,
  onChange,
}: ChoiceControlProps) {
  const set = (patch: Partial<ChoiceValue>) => onChange({ ...value, ...patch });
  return (
    <fieldset className="field field-choice" aria-describedby={describedBy}>
      <legend>{field.label}</legend>
      <div className="segmented">
        <label>
          <input
            type="radio"
            name={`${id}-mode`}
            checked={value.mode === 'preset'}
            onChange={() => set({ mode: 'preset' })}
          />
          Preset
        </label>
        <label>
          <input
            type="radio"
            name={`${id}-mode`}
            checked={value.mode === 'advanced'}
            onChange={() => set({ mode: 'advanced' })}
          />
          Advanced (JSON)
        </label>
      </div>
      {value.mode === 'preset' ? (
        <>
          <label htmlFor={`${id}-preset`} className="visually-hidden">
            {field.label} preset
          </label>
          <select
            id={`${id}-preset`}
            value={value.preset}
            onChange={(event) => set({ preset: event.target.value })}
          >
            {field.options.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </>
      ) : (
        <>
          <label htmlFor={`${id}-json`}>{field.label} as JSON</label>
          <textarea
            id={`${id}-json`}
            rows={6}
            spellCheck={false}
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy}
            value={value.json}
            onChange={(event) => set({ json: event.target.value })}
          />
        </>
      )}
      {hint}
      {errorText}
    </fieldset>
  );
}
