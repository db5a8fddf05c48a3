import { MAX_STEPS } from '@pixelflow/product';
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import type { Converter } from '../converter-picker.tsx';
import type { StepDraft } from '../state/steps.ts';
import { summarizeStep } from './step-summary.ts';

/** Where focus goes after a change that moved or removed the control that had it. */
type FocusTarget = { stepId: string; control: 'open' | 'up' | 'down' | 'remove' | 'converter' };

interface StepListProps {
  steps: readonly StepDraft[];
  /** The index of the open step. */
  current: number;
  converters: readonly Converter[];
  /** The open step's converter and settings. */
  editor: ReactNode;
  onOpen(index: number): void;
  onMove(index: number, delta: -1 | 1): void;
  onRemove(index: number): void;
  /** Adds and opens a step; its id, or null when none could be added. */
  onAdd(): string | null;
  /** Beside "Add a step" (Start). */
  actions: ReactNode;
}

/**
 * The steps a job runs, in order. One step looks as the editor always did (a converter and its
 * settings); with more, each is a list item with its summary and buttons to open, move and remove
 * it, and one is open for editing. Buttons, not drag and drop: keyboards and screen readers work
 * them as they are. Every change keeps focus on a control that still exists and is said in a
 * polite live region, since the list reorders under the person's focus.
 */
export function StepList(props: StepListProps) {
  const { steps, current, converters, editor } = props;
  const list = useRef<HTMLDivElement>(null);
  const [focus, setFocus] = useState<FocusTarget | null>(null);
  const [said, setSaid] = useState('');
  const limitId = useId();
  const titleOf = (step: StepDraft | undefined) =>
    converters.find((c) => c.id === step?.converterId)?.title ?? 'no converter';

  // After the DOM moved: focus the asked-for control, or the step's other move button when that
  // one became disabled (a step moved to the top has no "Move up").
  useEffect(() => {
    if (!focus || !list.current) return;
    const scope = list.current;
    const find = (control: FocusTarget['control']) =>
      control === 'converter'
        ? scope.querySelector<HTMLElement>(`[data-step-editor="${focus.stepId}"] select`)
        : scope.querySelector<HTMLButtonElement>(`[data-step="${focus.stepId}"][data-control="${control}"]`);
    const wanted = find(focus.control);
    const other = focus.control === 'up' ? 'down' : focus.control === 'down' ? 'up' : 'open';
    const target = wanted && !(wanted as HTMLButtonElement).disabled ? wanted : find(other);
    (target ?? find('converter'))?.focus();
    setFocus(null);
  }, [focus]);

  const move = (index: number, delta: -1 | 1) => {
    const step = steps[index];
    if (!step) return;
    props.onMove(index, delta);
    setSaid(`${titleOf(step)} moved to step ${index + delta + 1} of ${steps.length}.`);
    setFocus({ stepId: step.id, control: delta < 0 ? 'up' : 'down' });
  };
  const remove = (index: number) => {
    const step = steps[index];
    if (!step) return;
    props.onRemove(index);
    const left = steps.filter((_, i) => i !== index);
    const place = Math.min(index, left.length - 1);
    // Which step is open afterwards: as the store decides it.
    const openAfter = index < current ? current - 1 : index === current ? Math.max(0, index - 1) : current;
    setSaid(`Step ${index + 1} (${titleOf(step)}) removed; ${left.length} left.`);
    // The step that took its place: its Edit button, or its converter when it is the open one.
    const next = left[place];
    if (next) setFocus({ stepId: next.id, control: place === openAfter ? 'converter' : 'open' });
  };
  const open = (index: number) => {
    const step = steps[index];
    if (!step) return;
    props.onOpen(index);
    setFocus({ stepId: step.id, control: 'converter' });
  };
  const add = () => {
    const id = props.onAdd();
    if (!id) return;
    setSaid(`Step ${steps.length + 1} added.`);
    setFocus({ stepId: id, control: 'converter' });
  };

  const several = steps.length > 1;
  return (
    <div className="steps" ref={list}>
      {several ? (
        <ol className="step-list" aria-label="Steps">
          {steps.map((step, index) => {
            const isOpen = index === current;
            const converter = converters.find((c) => c.id === step.converterId);
            // Named with the step, which the list's layout alone shows: "Remove step 2 (Blur)".
            const name = (action: string) => `${action} step ${index + 1} (${titleOf(step)})`;
            const control = (kind: FocusTarget['control']) => ({
              'data-step': step.id,
              'data-control': kind,
            });
            return (
              <li
                key={step.id}
                className={isOpen ? 'step open' : 'step'}
                aria-current={isOpen ? 'step' : undefined}
              >
                <div className="step-head">
                  <div className="step-title">
                    <strong>
                      Step {index + 1}: {titleOf(step)}
                    </strong>
                    {!isOpen && <span className="hint">{summarizeStep(step, converter)}</span>}
                  </div>
                  <div className="step-actions">
                    {!isOpen && (
                      <button
                        type="button"
                        {...control('open')}
                        aria-label={name('Edit')}
                        onClick={() => open(index)}
                      >
                        Edit
                      </button>
                    )}
                    <button
                      type="button"
                      {...control('up')}
                      aria-label={name('Move up')}
                      disabled={index === 0}
                      onClick={() => move(index, -1)}
                    >
                      Move up
                    </button>
                    <button
                      type="button"
                      {...control('down')}
                      aria-label={name('Move down')}
                      disabled={index === steps.length - 1}
                      onClick={() => move(index, 1)}
                    >
                      Move down
                    </button>
                    <button
                      type="button"
                      {...control('remove')}
                      aria-label={name('Remove')}
                      onClick={() => remove(index)}
                    >
                      Remove
                    </button>
                  </div>
                </div>
                {isOpen && editor}
              </li>
            );
          })}
        </ol>
      ) : (
        editor
      )}
      <div className="form-actions">
        <button
          type="button"
          onClick={add}
          disabled={steps.length >= MAX_STEPS}
          aria-describedby={steps.length >= MAX_STEPS ? limitId : undefined}
        >
          Add a step
        </button>
        {props.actions}
      </div>
      {steps.length >= MAX_STEPS && (
        <p className="hint" id={limitId}>
          A job runs at most {MAX_STEPS} steps.
        </p>
      )}
      {/* Not role=status: the result's status is the page's one status region. */}
      <p className="visually-hidden" aria-live="polite">
        {said}
      </p>
    </div>
  );
}
