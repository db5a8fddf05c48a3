import { useEffect, useReducer } from 'react';

// setTimeout takes at most 2^31-1 ms (about 24.8 days); a later time is reached in steps.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Whether the time `at` (ISO 8601) has come, re-rendering when it does: a page left open shows
 * the expired state without a reload. null or unreadable: never.
 */
export function useTimeUp(at: string | null): boolean {
  const deadline = at === null ? Number.NaN : Date.parse(at);
  const [, rerender] = useReducer((count: number) => count + 1, 0);
  useEffect(() => {
    if (Number.isNaN(deadline)) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = (first: boolean) => {
      const left = deadline - Date.now();
      if (left > 0) timer = setTimeout(() => check(false), Math.min(left, MAX_TIMEOUT_MS));
      // Already past when first checked: this render saw it so.
      else if (!first) rerender();
    };
    check(true);
    return () => clearTimeout(timer);
  }, [deadline]);
  return !Number.isNaN(deadline) && Date.now() >= deadline;
}
