import { MAX_STEPS } from '@pixelflow/product';
import type { ChoiceValue, FieldValue, FormValues } from '../params/fields.ts';
import { newStep, type StepDraft, type StepInput } from './steps.ts';

/**
 * What the editor keeps in sessionStorage so that a reload brings back the page a person left:
 * the steps with their settings, the last run (to re-attach to its job by id, and to cancel it)
 * and, when it fits, the photo. sessionStorage, not localStorage: it is the tab's, and goes with it.
 */

/** One conversion started from the editor, as the page follows it. */
export interface Run {
  jobId: string;
  /** The first step's converter and params: "Convert again" sends the same. */
  converterId: string;
  params: Record<string, unknown>;
  /**
   * The steps after the first, as sent (`andThen`, empty for a one-step job).
   */
  nextSteps: StepInput[];
  /** What cancels an anonymous job (convertImage's answer only has it); null when signed in. */
  cancelToken: string | null;
  /** When the job and its result are deleted (ISO 8601), once the job said so. */
  expiresAt: string | null;
  /** Started signed in: the result is saved to the gallery, and outlives the job there. */
  signedIn: boolean;
  /** Known to be gone: the server answered JOB_NOT_FOUND, or its time passed. */
  expired: boolean;
}

export interface StoredEditor {
  /** At least one. */
  steps: StepDraft[];
  /** The index of the step whose settings are open. */
  current: number;
  run: Run | null;
}

/** The subset of Storage the editor uses (tests pass a Map-backed one). */
export type EditorStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export const EDITOR_KEY = 'pixelflow:editor';
export const PHOTO_KEY = 'pixelflow:editor-photo';

/**
 * Photos up to this size are kept for a reload. Base64 makes them a third larger, and browsers
 * give an origin about 5 MB of sessionStorage: a 5 MB upload would not fit, 2 MB leaves room.
 */
export const MAX_KEPT_PHOTO_BYTES = 2 * 1024 * 1024;

/** The tab's sessionStorage, or null where the browser refuses it (some private modes, sandboxes). */
export function browserSessionStorage(): EditorStorage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isChoice = (value: unknown): value is ChoiceValue =>
  isRecord(value) &&
  (value.mode === 'preset' || value.mode === 'advanced') &&
  typeof value.preset === 'string' &&
  typeof value.json === 'string';

const isFieldValue = (value: unknown): value is FieldValue =>
  typeof value === 'string' || typeof value === 'boolean' || isChoice(value);

function formValuesOf(value: unknown): FormValues | null {
  if (!isRecord(value)) return null;
  const values: FormValues = {};
  for (const [name, field] of Object.entries(value)) if (isFieldValue(field)) values[name] = field;
  return values;
}

function valuesByConverterOf(value: unknown): Record<string, FormValues> {
  const values: Record<string, FormValues> = {};
  if (!isRecord(value)) return values;
  for (const [converterId, form] of Object.entries(value)) {
    const read = formValuesOf(form);
    if (read) values[converterId] = read;
  }
  return values;
}

function stepOf(value: unknown): StepDraft | null {
  if (!isRecord(value)) return null;
  const converterId = typeof value.converterId === 'string' ? value.converterId : null;
  return newStep(converterId, valuesByConverterOf(value.values));
}

function stepInputOf(value: unknown): StepInput | null {
  if (!isRecord(value) || typeof value.converter !== 'string' || !isRecord(value.params)) return null;
  return { converter: value.converter, params: value.params };
}

function runOf(value: unknown): Run | null {
  if (!isRecord(value)) return null;
  const { jobId, converterId, params, nextSteps, cancelToken, expiresAt, signedIn, expired } = value;
  if (typeof jobId !== 'string' || typeof converterId !== 'string' || !isRecord(params)) return null;
  const further = Array.isArray(nextSteps) ? nextSteps.map(stepInputOf) : [];
  // A run whose steps cannot all be read would be converted again without some of them.
  if (further.some((step) => step === null)) return null;
  return {
    jobId,
    converterId,
    params,
    nextSteps: further as StepInput[],
    cancelToken: typeof cancelToken === 'string' ? cancelToken : null,
    expiresAt: typeof expiresAt === 'string' ? expiresAt : null,
    signedIn: signedIn === true,
    expired: expired === true,
  };
}

function readJson(storage: EditorStorage, key: string): unknown {
  try {
    const text = storage.getItem(key);
    return text === null ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

/** A fresh page: one step, no converter yet. */
export const nothingStored = (): StoredEditor => ({ steps: [newStep()], current: 0, run: null });

/**
 * What the tab kept; anything unreadable (a hand edit, another version's shape) counts as nothing.
 * The shape before steps (one `converterId` with its `values`) is read as one step, so that a tab
 * open across an upgrade keeps its settings.
 */
export function readStoredEditor(storage: EditorStorage | null): StoredEditor {
  const stored = storage ? readJson(storage, EDITOR_KEY) : null;
  if (!isRecord(stored)) return nothingStored();
  const listed = Array.isArray(stored.steps)
    ? stored.steps
        .map(stepOf)
        .filter((step) => step !== null)
        .slice(0, MAX_STEPS)
    : [];
  const steps = listed.length > 0 ? listed : [stepOf(stored) ?? newStep()];
  const current = typeof stored.current === 'number' ? stored.current : 0;
  return {
    steps,
    current: Number.isInteger(current) && current >= 0 && current < steps.length ? current : 0,
    run: runOf(stored.run),
  };
}

export function writeStoredEditor(storage: EditorStorage | null, state: StoredEditor): void {
  try {
    // The ids are the page's own; a reload makes new ones.
    const steps = state.steps.map(({ converterId, values }) => ({ converterId, values }));
    storage?.setItem(EDITOR_KEY, JSON.stringify({ ...state, steps }));
  } catch {
    // Full or refused: the page works on, it only forgets across a reload.
  }
}

/** The kept photo as a File again, or null. */
export function readStoredPhoto(storage: EditorStorage | null): File | null {
  const stored = storage ? readJson(storage, PHOTO_KEY) : null;
  if (!isRecord(stored)) return null;
  const { name, type, base64 } = stored;
  if (typeof name !== 'string' || typeof type !== 'string' || typeof base64 !== 'string') return null;
  try {
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    return new File([bytes], name, { type });
  } catch {
    return null;
  }
}

function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/**
 * Keeps the photo for a reload when it fits comfortably, else forgets the previous one (a reload
 * must not bring back another photo than the one on screen). Reading it takes a moment: `current`
 * says whether it is still the page's photo by then. Resolves once written.
 */
export async function writeStoredPhoto(
  storage: EditorStorage | null,
  file: File | null,
  current: () => boolean = () => true,
): Promise<void> {
  if (!storage) return;
  try {
    storage.removeItem(PHOTO_KEY);
    if (!file || file.size > MAX_KEPT_PHOTO_BYTES) return;
    const base64 = await base64Of(file);
    if (!current()) return;
    storage.setItem(PHOTO_KEY, JSON.stringify({ name: file.name, type: file.type, base64 }));
  } catch {
    // Over the quota after all, or unreadable: the photo is simply not kept.
  }
}
