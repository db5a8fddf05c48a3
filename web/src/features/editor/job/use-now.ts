import { useEffect, useState } from 'react';

/**
 * The time now, refreshed every `intervalMs` while `active`: estimates such as "starts in about
 * 40 s" count down between the server's updates.
 */
export function useNow(intervalMs: number, active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, active]);
  return active ? now : Date.now();
}
