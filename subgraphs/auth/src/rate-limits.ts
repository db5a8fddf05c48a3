import { createHash } from 'node:crypto';
import { AppError } from '@pixelflow/errors';
import type { AttemptStore } from './store/attempt-store.ts';

export interface LoginLimits {
  /**
   * Failed sign-ins one account may have in a window; the next attempt is refused, with the right
   * password too (else the answer would still tell a right guess from a wrong one).
   * @default 5
   */
  accountMaxFailures: number;
  /**
   * Password attempts (sign-ins and registrations, each costs an argon2id hash) one client address
   * may make in a window.
   * @default 30
   */
  addressMaxAttempts: number;
  /** @default 900 (15 minutes) */
  windowS: number;
}

export const defaultLoginLimits: LoginLimits = {
  accountMaxFailures: 5,
  addressMaxAttempts: 30,
  windowS: 900,
};

/** The fixed window `now` falls in, and the whole seconds until it ends (at least 1). */
export function fixedWindow(now: Date, windowS: number): { start: Date; retryAfterS: number } {
  const windowMs = windowS * 1000;
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  return {
    start: new Date(start),
    retryAfterS: Math.max(1, Math.ceil((start + windowMs - now.getTime()) / 1000)),
  };
}

const bucket = (scope: 'account' | 'address', subject: string) =>
  createHash('sha256').update(`${scope}\0${subject}`, 'utf8').digest();

/**
 * Counts before it checks, so that concurrent attempts cannot all slip past one free slot: an
 * account gets exactly `accountMaxFailures` password checks per window until one succeeds.
 */
export class LoginLimiter {
  readonly #store: AttemptStore;
  readonly #limits: LoginLimits;

  constructor(store: AttemptStore, limits: LoginLimits) {
    this.#store = store;
    this.#limits = limits;
  }

  /** Counts a password attempt from the address; RATE_LIMITED past the limit. */
  async attemptFromAddress(ip: string, now: Date): Promise<void> {
    await this.#count(bucket('address', ip), this.#limits.addressMaxAttempts, now, 'from this address');
  }

  /** Counts a sign-in attempt on the account (a normalised email, known or not); RATE_LIMITED past the limit. */
  async attemptOnAccount(email: string, now: Date): Promise<void> {
    await this.#count(bucket('account', email), this.#limits.accountMaxFailures, now, 'for this account');
  }

  /** After a successful sign-in: the attempts so far were the owner's. */
  async resetAccount(email: string): Promise<void> {
    await this.#store.reset(bucket('account', email));
  }

  async purge(now: Date): Promise<void> {
    await this.#store.purge(new Date(now.getTime() - this.#limits.windowS * 1000));
  }

  async #count(key: Buffer, max: number, now: Date, what: string): Promise<void> {
    const window = fixedWindow(now, this.#limits.windowS);
    const count = await this.#store.hit(key, window.start);
    if (count > max) {
      throw new AppError(
        'RATE_LIMITED',
        `too many sign-in attempts ${what}; retry in ${window.retryAfterS} s`,
        { retryAfter: window.retryAfterS },
      );
    }
  }
}
