import { type Ref, useId } from 'react';

export interface ConvertAgainProps {
  /** Why "Convert again" cannot run now; null when it can. */
  blocked: string | null;
  starting: boolean;
  /** Starting it again failed: the server's reason. */
  error: string | null;
  onConvertAgain(): void;
  /** For moving focus here when the control that led here went away. */
  buttonRef?: Ref<HTMLButtonElement>;
}

/** "Convert again" with the same photo, steps and settings, and why it cannot run when it cannot. */
export function ConvertAgain({ blocked, starting, error, onConvertAgain, buttonRef }: ConvertAgainProps) {
  const hintId = useId();
  return (
    <>
      <div className="form-actions">
        <button
          type="button"
          className="primary"
          ref={buttonRef}
          onClick={onConvertAgain}
          disabled={blocked !== null || starting}
          aria-describedby={blocked ? hintId : undefined}
        >
          {starting ? 'Starting…' : 'Convert again'}
        </button>
        {blocked && (
          <span className="hint" id={hintId}>
            {blocked}
          </span>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
