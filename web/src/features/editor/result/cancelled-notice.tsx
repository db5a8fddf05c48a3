import { useEffect, useRef } from 'react';
import { ConvertAgain, type ConvertAgainProps } from './convert-again.tsx';

interface CancelledNoticeProps extends ConvertAgainProps {
  /**
   * The person cancelled from this page: the Cancel button they pressed is gone, so focus moves
   * to "Convert again" rather than drop to the page's start.
   */
  takeFocus: boolean;
}

/** A cancelled job: nothing was made, nothing kept; the same steps can run again. */
export function CancelledNotice({ takeFocus, ...again }: CancelledNoticeProps) {
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (takeFocus) button.current?.focus();
  }, [takeFocus]);
  return (
    <div className="cancelled">
      <p>
        Nothing was converted or kept. Convert the photo again with the same steps and settings when you like.
      </p>
      <ConvertAgain {...again} buttonRef={button} />
    </div>
  );
}
