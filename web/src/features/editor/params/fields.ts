/**
 * A converter's params schema as form fields, and back: the values a person typed, checked
 * against the schema and turned into the typed params object that convertImage takes.
 */
import { boundsProblem, exampleOf, isJsonSchema, type JsonSchema, validate } from './json-schema.ts';

interface FieldBase {
  name: string;
  label: string;
  description?: string;
  required: boolean;
  schema: JsonSchema;
}

export type Field =
  | (FieldBase & { kind: 'select'; options: Array<string | number> })
  | (FieldBase & {
      kind: 'number';
      integer: boolean;
      min?: number;
      max?: number;
      /** Bounded on both sides within a range a slider can cover. */
      slider: boolean;
    })
  | (FieldBase & { kind: 'boolean' })
  | (FieldBase & { kind: 'text'; colour: boolean })
  /** A oneOf of a string enum (the presets) and anything else (edited as JSON), e.g. DeepDream's layers. */
  | (FieldBase & { kind: 'choice'; options: string[]; advanced: JsonSchema })
  /** Anything else: a JSON textarea, validated against the schema. */
  | (FieldBase & { kind: 'json' });

export interface ChoiceValue {
  mode: 'preset' | 'advanced';
  preset: string;
  json: string;
}

/** What each control holds: text as typed (numbers too), a checkbox's state, a choice's parts. */
export type FieldValue = string | boolean | ChoiceValue;
export type FormValues = Record<string, FieldValue>;

const humanize = (name: string) =>
  name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

const typeOf = (schema: JsonSchema) => (Array.isArray(schema.type) ? schema.type[0] : schema.type);
const isNumeric = (schema: JsonSchema) => typeOf(schema) === 'integer' || typeOf(schema) === 'number';
// A slider is useful for a handful to a few thousand positions, not for a seed's 2^31.
const SLIDER_MAX_SPAN = 10_000;

function fieldOf(name: string, schema: JsonSchema, required: boolean): Field {
  const base = {
    name,
    label: schema.title ?? humanize(name),
    description: schema.description,
    required,
    schema,
  };
  const stringPreset = schema.oneOf?.find((option) => typeOf(option) === 'string' && option.enum);
  const other = schema.oneOf?.find((option) => option !== stringPreset);
  if (stringPreset && other && schema.oneOf?.length === 2)
    return { ...base, kind: 'choice', options: stringPreset.enum!.map(String), advanced: other };
  if (schema.enum) return { ...base, kind: 'select', options: schema.enum as Array<string | number> };
  if (isNumeric(schema)) {
    const min = schema.minimum ?? schema.exclusiveMinimum;
    const max = schema.maximum ?? schema.exclusiveMaximum;
    // Without a default the field is optional and starts empty, which a slider cannot show.
    const slider =
      min !== undefined && max !== undefined && max - min <= SLIDER_MAX_SPAN && schema.default !== undefined;
    return { ...base, kind: 'number', integer: typeOf(schema) === 'integer', min, max, slider };
  }
  if (typeOf(schema) === 'boolean') return { ...base, kind: 'boolean' };
  if (typeOf(schema) === 'string')
    return { ...base, kind: 'text', colour: schema.pattern?.startsWith('^#') ?? false };
  return { ...base, kind: 'json' };
}

/** The fields of a params schema (an object schema), in the schema's order. */
export function fieldsOf(params: unknown): Field[] {
  if (!isJsonSchema(params) || !params.properties) return [];
  const required = new Set(params.required ?? []);
  return Object.entries(params.properties)
    .filter(([, schema]) => isJsonSchema(schema))
    .map(([name, schema]) => fieldOf(name, schema, required.has(name)));
}

/** The form's starting values: the schema's defaults, empty where it has none. */
export function initialValues(fields: Field[]): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const fallback = field.schema.default;
    switch (field.kind) {
      case 'boolean':
        values[field.name] = fallback === true;
        break;
      case 'choice': {
        const preset = typeof fallback === 'string' ? fallback : (field.options[0] ?? '');
        const advanced = Array.isArray(fallback) ? fallback : exampleOf(field.advanced);
        values[field.name] = {
          mode: typeof fallback === 'string' || fallback === undefined ? 'preset' : 'advanced',
          preset,
          json: JSON.stringify(advanced, null, 2),
        };
        break;
      }
      case 'json':
        values[field.name] = fallback === undefined ? '' : JSON.stringify(fallback, null, 2);
        break;
      default:
        values[field.name] = fallback === undefined ? '' : String(fallback);
    }
  }
  return values;
}

/**
 * The starting values with what was typed before laid over them, where it still fits the field
 * (the converter's schema may have changed since): a value of another kind is dropped.
 */
export function restoreValues(fields: Field[], typed: FormValues | undefined): FormValues {
  const values = initialValues(fields);
  if (!typed) return values;
  for (const field of fields) {
    const value = typed[field.name];
    const start = values[field.name];
    if (value === undefined || typeof value !== typeof start) continue;
    const isOption = field.kind === 'select' && field.options.some((option) => String(option) === value);
    if (field.kind === 'select' && value !== '' && !isOption) continue;
    values[field.name] = value;
  }
  return values;
}

export interface ReadResult {
  params: Record<string, unknown>;
  /** Per field name, what is wrong with it. */
  errors: Record<string, string>;
  /** A problem of the whole (e.g. "give width or height"), beside no one field. */
  formError?: string;
}

/** Checks the typed values and turns them into typed params; empty optional fields are left out. */
export function readParams(fields: Field[], values: FormValues, schema?: unknown): ReadResult {
  const params: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = values[field.name];
    const result = readField(field, raw);
    if ('error' in result) errors[field.name] = result.error;
    else if (result.value !== undefined) params[field.name] = result.value;
    else if (field.required) errors[field.name] = 'Required.';
  }
  let formError: string | undefined;
  if (Object.keys(errors).length === 0 && isJsonSchema(schema)) {
    const rule = schema.anyOf ?? schema.oneOf;
    const requiredSets = rule?.map((option) => option.required ?? []);
    if (rule && !rule.some((option) => validate(option, params) === null)) {
      const labels = (names: string[]) =>
        names.map((name) => fields.find((f) => f.name === name)?.label ?? name).join(' and ');
      formError = requiredSets?.every((set) => set.length > 0)
        ? `Give ${requiredSets.map(labels).join(' or ')}.`
        : 'These settings do not go together.';
    }
  }
  return { params, errors, ...(formError ? { formError } : {}) };
}

function readField(field: Field, raw: FieldValue | undefined): { value?: unknown } | { error: string } {
  switch (field.kind) {
    case 'boolean':
      return { value: raw === true };
    case 'select': {
      const option = field.options.find((o) => String(o) === raw);
      return option === undefined ? {} : { value: option };
    }
    case 'number': {
      const text = typeof raw === 'string' ? raw.trim() : '';
      if (text === '') return {};
      const value = Number(text);
      if (!Number.isFinite(value)) return { error: 'Enter a number.' };
      if (field.integer && !Number.isInteger(value)) return { error: 'Enter a whole number.' };
      const problem = boundsProblem(field.schema, value);
      return problem ? { error: problem } : { value };
    }
    case 'text': {
      const text = typeof raw === 'string' ? raw : '';
      if (text === '') return {};
      const problem = validate(field.schema, text, 'This');
      return problem ? { error: field.colour ? 'Enter a colour like #ff8800.' : problem } : { value: text };
    }
    case 'choice': {
      const choice = raw as ChoiceValue | undefined;
      if (!choice) return {};
      if (choice.mode === 'preset') return { value: choice.preset };
      return readJson(field.advanced, choice.json);
    }
    case 'json': {
      const text = typeof raw === 'string' ? raw.trim() : '';
      return text === '' ? {} : readJson(field.schema, text);
    }
  }
}

function readJson(schema: JsonSchema, text: string): { value: unknown } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'This is not valid JSON.' };
  }
  const problem = validate(schema, value, typeOf(schema) === 'array' ? 'The list' : 'The value');
  return problem ? { error: problem } : { value };
}
