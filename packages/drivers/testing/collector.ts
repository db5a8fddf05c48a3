import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyValueDrivers, StoredRecord } from '../src/types.ts';

/** Opens drivers over a fresh namespace; the suite closes them after each test. */
export type OpenDrivers = () => KeyValueDrivers;

/** Collects what a subscription receives, and waits for a number of messages. */
export function collector() {
  const messages: string[] = [];
  let waiting: { count: number; resolve: () => void } | undefined;
  return {
    messages,
    onMessage(message: string) {
      messages.push(message);
      if (waiting !== undefined && messages.length >= waiting.count) waiting.resolve();
    },
    async until(count: number, timeoutMs = 2000): Promise<string[]> {
      if (messages.length < count) {
        const arrived = new Promise<void>((resolve) => {
          waiting = { count, resolve };
        });
        const timer = new AbortController();
        const timedOut = sleep(timeoutMs, undefined, { signal: timer.signal }).then(() => {
          throw new Error(`got ${messages.length} of ${count} messages within ${timeoutMs} ms`);
        });
        try {
          await Promise.race([arrived, timedOut]);
        } finally {
          timer.abort();
          timedOut.catch(() => {});
        }
      }
      return messages;
    },
  };
}

export const events = (messages: readonly string[]): StoredRecord[] =>
  messages.map((message) => JSON.parse(message) as StoredRecord);
