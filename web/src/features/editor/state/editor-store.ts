import { MAX_STEPS } from '@pixelflow/product';
import { useSyncExternalStore } from 'react';
import type { FormValues } from '../params/fields.ts';
import { converterSequence, moved, newStep, type StepDraft } from './steps.ts';
import {
  type EditorStorage,
  nothingStored,
  type Run,
  readStoredEditor,
  readStoredPhoto,
  writeStoredEditor,
  writeStoredPhoto,
} from './stored-editor.ts';

export interface InputImage {
  file: File;
  /** An object URL for the preview; revoked once no state holds the photo. */
  url: string;
}

/** What "Undo" brings back: the photo and the run on screen before a result was applied. */
export interface Applied {
  input: InputImage;
  run: Run | null;
}

export interface EditorState {
  input: InputImage | null;
  /** The steps to run, at least one. */
  steps: StepDraft[];
  /** The index of the step whose settings are open. */
  current: number;
  /** The last conversion, until the photo or a step's converter changes. */
  run: Run | null;
  /** Earlier photos, newest last, each replaced by applying a result: Undo goes back one. */
  history: readonly Applied[];
}

/** How many applied results Undo can walk back; each holds a photo (up to 5 MB) in memory. */
export const MAX_UNDO = 10;

const inputOf = (file: File | null): InputImage | null =>
  file ? { file, url: URL.createObjectURL(file) } : null;

/**
 * The editor's state, outside its component: the page unmounts on a visit to the gallery, and
 * the photo, steps, settings and result must be there on the way back. It also writes itself to
 * the tab's sessionStorage, and starts from it, so that a reload brings the page back too (all but
 * the Undo history, which is photos: too large for it). One per page (main.tsx), handed down
 * through the API context.
 */
export class EditorStore {
  #state: EditorState;
  readonly #storage: EditorStorage | null;
  readonly #listeners = new Set<() => void>();
  /** Settles when the photo has been written (or not) to storage; tests wait on it. */
  photoSaved: Promise<void> = Promise.resolve();

  constructor(storage: EditorStorage | null = null) {
    this.#storage = storage;
    const stored = readStoredEditor(storage);
    this.#state = { ...stored, input: inputOf(readStoredPhoto(storage)), history: [] };
  }

  get state(): EditorState {
    return this.#state;
  }

  /** The step whose settings are open. */
  get currentStep(): StepDraft {
    return this.#state.steps[this.#state.current] ?? this.#state.steps[0]!;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** A new photo: what was done with the previous one no longer applies, Undo included. */
  takeInput(file: File): void {
    this.#replaceInput(inputOf(file), null, []);
  }

  /** A result as the next photo; Undo brings back the photo and run on screen now. */
  applyResult(file: File): void {
    const { input, run, history } = this.#state;
    const kept = input ? [...history, { input, run }] : [...history];
    this.#replaceInput(inputOf(file), null, kept.slice(-MAX_UNDO));
  }

  /** Back to the photo (and its run) before the last applied result; no server involved. */
  undo(): void {
    const previous = this.#state.history.at(-1);
    if (previous) this.#replaceInput(previous.input, previous.run, this.#state.history.slice(0, -1));
  }

  /**
   * The photo could not be shown after all (a kept one that no longer decodes): it goes, the run
   * stays, since its result is still the server's.
   */
  clearInput(): void {
    if (this.#state.input) this.#replaceInput(null, this.#state.run, this.#state.history);
  }

  /** Another converter for the open step: the last run's result or failure was made by the previous one. */
  setConverter(converterId: string): void {
    this.#setStep(this.#state.current, { converterId });
  }

  /** Every step without a converter, or with one that is gone, gets `fallback`. */
  replaceMissingConverters(known: ReadonlySet<string>, fallback: string): void {
    const steps = this.#state.steps.map((step) =>
      step.converterId !== null && known.has(step.converterId) ? step : { ...step, converterId: fallback },
    );
    if (steps.some((step, index) => step !== this.#state.steps[index])) this.#setSteps(steps);
  }

  /** The settings typed for the open step with this converter. */
  setValues(converterId: string, values: FormValues): void {
    const step = this.currentStep;
    this.#setStep(this.#state.current, { values: { ...step.values, [converterId]: values } });
  }

  /** A step at the end, opened; its id, or null at the most steps a job runs. */
  addStep(converterId: string | null): string | null {
    const { steps } = this.#state;
    if (steps.length >= MAX_STEPS) return null;
    const step = newStep(converterId);
    this.#setSteps([...steps, step], steps.length);
    return step.id;
  }

  removeStep(index: number): void {
    const { steps, current } = this.#state;
    if (steps.length <= 1 || !steps[index]) return;
    const next = steps.filter((_, i) => i !== index);
    // The open step stays open; when it is the one removed, the one before it opens.
    const open = index < current ? current - 1 : index === current ? Math.max(0, index - 1) : current;
    this.#setSteps(next, open);
  }

  /** Moves a step by `delta` places (−1: up); the open step stays open wherever it goes. */
  moveStep(index: number, delta: number): void {
    const { steps, current } = this.#state;
    const open = steps[current]?.id;
    const next = moved(steps, index, index + delta);
    this.#setSteps(
      next,
      Math.max(
        0,
        next.findIndex((step) => step.id === open),
      ),
    );
  }

  openStep(index: number): void {
    if (index !== this.#state.current && this.#state.steps[index]) this.#set({ current: index });
  }

  startRun(run: Omit<Run, 'expiresAt' | 'expired' | 'nextSteps' | 'cancelToken'> & Partial<Run>): void {
    this.#set({ run: { nextSteps: [], cancelToken: null, ...run, expiresAt: null, expired: false } });
  }

  clearRun(): void {
    if (this.#state.run) this.#set({ run: null });
  }

  /** The job said when its result goes (so it ended); kept for a reload. */
  noteExpiry(jobId: string, expiresAt: string): void {
    const { run } = this.#state;
    if (run?.jobId === jobId && run.expiresAt !== expiresAt) this.#set({ run: { ...run, expiresAt } });
  }

  markExpired(jobId: string): void {
    const { run } = this.#state;
    if (run?.jobId === jobId && !run.expired) this.#set({ run: { ...run, expired: true } });
  }

  /** Forgets everything, in storage too (a sign-out: the next person starts afresh). */
  clear(): void {
    this.#replaceInput(null, null, []);
    this.#set(nothingStored());
  }

  #setStep(index: number, patch: Partial<StepDraft>): void {
    const step = this.#state.steps[index];
    if (!step) return;
    const changed = Object.entries(patch).some(([key, value]) => step[key as keyof StepDraft] !== value);
    if (changed) this.#setSteps(this.#state.steps.map((s, i) => (i === index ? { ...s, ...patch } : s)));
  }

  /**
   * A result belongs to the converters that made it: when another converter takes a step's place,
   * the last run goes, as it did when the editor had one converter. Settings, order and
   * adding or removing steps leave it: it still says what it ran.
   */
  #setSteps(steps: StepDraft[], current = this.#state.current): void {
    const before = this.#state.steps;
    const replaced = before.length === steps.length && converterSequence(before) !== converterSequence(steps);
    const reordered = steps.map((step) => step.id).join() !== before.map((step) => step.id).join();
    const run = replaced && !reordered ? null : this.#state.run;
    this.#set({ steps, current: Math.min(current, steps.length - 1), run });
  }

  #replaceInput(input: InputImage | null, run: Run | null, history: readonly Applied[]): void {
    const before = this.#state;
    this.#set({ input, run, history });
    // An object URL is let go once neither the page nor Undo shows its photo.
    const live = new Set([input?.url, ...history.map((entry) => entry.input.url)]);
    for (const old of [before.input, ...before.history.map((entry) => entry.input)])
      if (old && !live.has(old.url)) URL.revokeObjectURL(old.url);
    this.photoSaved = writeStoredPhoto(this.#storage, input?.file ?? null, () => this.#state.input === input);
  }

  #set(patch: Partial<EditorState>): void {
    this.#state = { ...this.#state, ...patch };
    const { steps, current, run } = this.#state;
    writeStoredEditor(this.#storage, { steps, current, run });
    for (const listener of this.#listeners) listener();
  }
}

/** The editor's state; re-renders on every change. */
export function useEditorState(store: EditorStore): EditorState {
  return useSyncExternalStore(store.subscribe, () => store.state);
}
