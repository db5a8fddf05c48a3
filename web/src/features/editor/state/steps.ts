import type { FormValues } from '../params/fields.ts';

/**
 * The steps a person builds before Start: each a converter and its settings, run one after the
 * other on the server as one job (`convertImage`'s `andThen`). Pure functions over the list; the
 * EditorStore keeps it.
 */
export interface StepDraft {
  /** Stable across edits and moves: the list's React key and what focus follows. */
  id: string;
  /** null until the converters are known (a new page picks the first healthy one). */
  converterId: string | null;
  /** The settings as typed, per converter: switching a step's converter back restores them. */
  values: Record<string, FormValues>;
}

/** A step as the API takes it (`ConversionStep`). */
export interface StepInput {
  converter: string;
  params: Record<string, unknown>;
}

let lastId = 0;
/** Unique within the page, which is all a key needs. */
export const newStepId = (): string => `step-${++lastId}`;

export const newStep = (converterId: string | null = null, values: StepDraft['values'] = {}): StepDraft => ({
  id: newStepId(),
  converterId,
  values,
});

/** The list with the item at `from` moved to `to` (both clamped to the list). */
export function moved<T>(list: readonly T[], from: number, to: number): T[] {
  const target = Math.max(0, Math.min(list.length - 1, to));
  if (from === target || from < 0 || from >= list.length) return [...list];
  const next = [...list];
  const [item] = next.splice(from, 1);
  next.splice(target, 0, item as T);
  return next;
}

/** Which converters run, in order: what a result belongs to. */
export const converterSequence = (steps: readonly StepDraft[]): string =>
  steps.map((step) => step.converterId ?? '').join('>');

/** The job's steps as `convertImage` takes them: the first's converter and params, then `andThen`. */
export function jobVariables(steps: readonly StepInput[]) {
  const [first, ...rest] = steps;
  if (!first) throw new Error('a job has at least one step');
  // Left out for one step, so that a plain conversion is the request it always was.
  return { converter: first.converter, params: first.params, ...(rest.length > 0 ? { andThen: rest } : {}) };
}
