import type { Redis } from 'ioredis';
import type { PubSub } from '../types.ts';
import { closeConnection } from './connection.ts';

type Listener = (message: string) => void;

interface ChannelState {
  listeners: Set<Listener>;
  /** Whether Redis confirmed a SUBSCRIBE not yet undone by an UNSUBSCRIBE. */
  subscribed: boolean;
  /** The channel's SUBSCRIBE/UNSUBSCRIBE calls, one after another. */
  sync: Promise<void>;
}

/**
 * Pub/sub over one subscriber connection shared by every subscription of a drivers instance,
 * opened on the first subscribe. A channel is SUBSCRIBEd for its first listener and
 * UNSUBSCRIBEd after its last. After a reconnect ioredis subscribes again to every channel it
 * holds (`autoResubscribe`, on by default); messages published in between are lost, which the
 * PubSub contract allows (at most once).
 */
export class RedisPubSub implements PubSub {
  readonly #publisher: Redis;
  readonly #openSubscriber: () => Redis;
  readonly #prefix: string;
  readonly #channels = new Map<string, ChannelState>();
  #subscriber: Redis | undefined;
  #closed = false;

  constructor(publisher: Redis, openSubscriber: () => Redis, prefix: string) {
    this.#publisher = publisher;
    this.#openSubscriber = openSubscriber;
    this.#prefix = prefix;
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.#publisher.publish(this.#prefix + channel, message);
  }

  async subscribe(channel: string, onMessage: Listener): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error('the Redis drivers are closed');
    const name = this.#prefix + channel;
    let state = this.#channels.get(name);
    if (state === undefined) {
      state = { listeners: new Set(), subscribed: false, sync: Promise.resolve() };
      this.#channels.set(name, state);
    }
    // A wrapper per call, so that the same function subscribed twice is two subscriptions.
    const listener: Listener = (message) => onMessage(message);
    state.listeners.add(listener);
    try {
      await this.#reconcile(name, state);
    } catch (error) {
      state.listeners.delete(listener);
      this.#reconcile(name, state).catch(() => {});
      throw error;
    }
    const subscribed = state;
    let active = true;
    return async () => {
      // Closing dropped every subscription already; cleanup code running after it must not fail.
      if (!active || this.#closed) return;
      active = false;
      subscribed.listeners.delete(listener);
      await this.#reconcile(name, subscribed);
    };
  }

  /** Drops every subscription and closes the subscriber connection, if one was opened. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#channels.clear();
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (subscriber !== undefined) await closeConnection(subscriber);
  }

  /**
   * Brings Redis in line with the listeners present when this step runs. Steps of one channel run
   * one after another, so any interleaving of subscribe and unsubscribe calls ends subscribed
   * exactly when listeners remain.
   */
  #reconcile(name: string, state: ChannelState): Promise<void> {
    const step = async (): Promise<void> => {
      const wanted = state.listeners.size > 0;
      if (wanted && !state.subscribed) {
        await this.#connection().subscribe(name);
        state.subscribed = true;
      } else if (!wanted && state.subscribed) {
        await this.#connection().unsubscribe(name);
        state.subscribed = false;
      }
      if (!wanted && !state.subscribed && this.#channels.get(name) === state) this.#channels.delete(name);
    };
    state.sync = state.sync.then(step, step);
    return state.sync;
  }

  #connection(): Redis {
    if (this.#closed) throw new Error('the Redis drivers are closed');
    if (this.#subscriber === undefined) {
      const subscriber = this.#openSubscriber();
      subscriber.on('message', (channel: string, message: string) => this.#dispatch(channel, message));
      this.#subscriber = subscriber;
    }
    return this.#subscriber;
  }

  #dispatch(channel: string, message: string): void {
    const state = this.#channels.get(channel);
    if (state === undefined) return;
    for (const listener of [...state.listeners]) {
      try {
        listener(message);
      } catch (error) {
        // A throwing listener must neither starve the others nor break ioredis' reply parser.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
