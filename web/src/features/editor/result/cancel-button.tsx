interface CancelButtonProps {
  /** The cancel was sent and its answer is awaited. */
  cancelling: boolean;
  /** Why the last cancel failed; null when it did not. */
  error: string | null;
  onCancel(): void;
}

/**
 * Cancel, while the job waits or runs. While the request is out the button says so and ignores
 * presses, but stays enabled (aria-disabled): disabling the focused button would drop keyboard
 * focus to the page's start. The outcome is said by the job's status, not here.
 */
export function CancelButton({ cancelling, error, onCancel }: CancelButtonProps) {
  return (
    <>
      <div className="form-actions">
        <button
          type="button"
          className="danger"
          aria-disabled={cancelling || undefined}
          onClick={() => {
            if (!cancelling) onCancel();
          }}
        >
          {cancelling ? 'Cancelling…' : 'Cancel conversion'}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
