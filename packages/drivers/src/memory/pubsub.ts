import type { PubSub } from '../types.ts';

type Listener = (message: string) => void;

/**
 * In-process pub/sub. Delivery is asynchronous (one microtask per message, so messages arrive in
 * publish order) because Redis' is too: a publisher must never observe its own subscribers
 * running inside `publish`.
 */
export class MemoryPubSub implements PubSub {
  readonly #channels = new Map<string, Set<Listener>>();

  async publish(channel: string, message: string): Promise<void> {
    this.publishNow(channel, message);
  }

  /** Publishes synchronously, so that a record update and its event form one atomic step. */
  publishNow(channel: string, message: string): void {
    const listeners = this.#channels.get(channel);
    if (listeners === undefined) return;
    // Only those subscribed when the message was published get it, as with Redis.
    const recipients = [...listeners];
    queueMicrotask(() => {
      for (const listener of recipients) {
        if (!listeners.has(listener)) continue;
        try {
          listener(message);
        } catch (error) {
          // One failing subscriber must not starve the others; the error still surfaces.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    });
  }

  async subscribe(channel: string, onMessage: Listener): Promise<() => Promise<void>> {
    // A wrapper per call, so that the same function subscribed twice is two subscriptions.
    const listener: Listener = (message) => onMessage(message);
    let listeners = this.#channels.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      this.#channels.set(channel, listeners);
    }
    listeners.add(listener);
    const subscribed = listeners;
    return async () => {
      subscribed.delete(listener);
      if (subscribed.size === 0 && this.#channels.get(channel) === subscribed) this.#channels.delete(channel);
    };
  }

  clear(): void {
    this.#channels.clear();
  }
}
