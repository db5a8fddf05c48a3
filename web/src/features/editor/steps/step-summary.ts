import type { Converter } from '../converter-picker.tsx';
import { type Field, fieldsOf, type ReadResult, readParams, restoreValues } from '../params/fields.ts';
import type { StepDraft, StepInput } from '../state/steps.ts';

/** A step's settings as the form would send them now: checked, defaults filled in. */
export function readStep(step: StepDraft, converter: Converter): ReadResult & { fields: Field[] } {
  const fields = fieldsOf(converter.params);
  const values = restoreValues(fields, step.values[converter.id]);
  return { ...readParams(fields, values, converter.params), fields };
}

const shown = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : 'custom';

/**
 * A closed step's settings in one line, "Amount 2 · Sigma 4", or what is wrong with them. Every
 * setting is listed, defaults too: the line says what will run.
 */
export function summarizeStep(step: StepDraft, converter: Converter | undefined): string {
  if (!converter) return step.converterId ? 'This converter is no longer available.' : 'No converter yet.';
  const { params, errors, formError, fields } = readStep(step, converter);
  if (Object.keys(errors).length > 0 || formError) return 'Some settings need checking.';
  const parts = fields
    .filter((field) => params[field.name] !== undefined)
    .map((field) => `${field.label} ${shown(params[field.name])}`);
  return parts.length > 0 ? parts.join(' · ') : 'Default settings.';
}

export type StepsRead =
  | { ok: true; steps: StepInput[] }
  /**
   * The first step that cannot run; `settings`: because of its settings (its form then opens
   * with what is wrong), else its converter is missing or unavailable.
   */
  | { ok: false; index: number; reason: string; settings: boolean };

/**
 * Every step as the job takes it, the open one from what its form just checked; the first step
 * that cannot run (no converter, an unhealthy one, settings that do not pass) stops it.
 */
export function readSteps(
  steps: readonly StepDraft[],
  converters: readonly Converter[],
  open: { index: number; params: Record<string, unknown> },
): StepsRead {
  const inputs: StepInput[] = [];
  for (const [index, step] of steps.entries()) {
    const converter = converters.find((c) => c.id === step.converterId);
    const name = `Step ${index + 1}`;
    if (!converter)
      return { ok: false, index, reason: `${name} has no converter that is available.`, settings: false };
    if (!converter.healthy)
      return {
        ok: false,
        index,
        reason: `${name} (${converter.title}) is unavailable right now.`,
        settings: false,
      };
    if (index === open.index) {
      inputs.push({ converter: converter.id, params: open.params });
      continue;
    }
    const read = readStep(step, converter);
    if (Object.keys(read.errors).length > 0 || read.formError)
      return {
        ok: false,
        index,
        reason: `${name} (${converter.title}) has settings to check.`,
        settings: true,
      };
    inputs.push({ converter: converter.id, params: read.params });
  }
  return { ok: true, steps: inputs };
}
