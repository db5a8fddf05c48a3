import { createHash } from 'node:crypto';
import { AppError } from '@pixelflow/errors';
import { addressKey } from '@pixelflow/service-kit';
import type { AttemptStore } from './store/attempt-store.ts';

/** The sign-in throttle's policy; the defaults are in env.ts (LOGIN_* and REGISTER_*). */
export interface LoginLimits {
  /** Failed sign-ins from one client address on one account that cost no wait. */
  freeFailures: number;
  /**
   * The wait after the first failure past the free ones, in seconds; every further failure from
   * that address on that account doubles it.
   */
  baseDelayS: number;
  /** The longest wait, in seconds. */
  maxDelayS: number;
  /**
   * An address's failures on an account are forgotten after this long without a new one. Keep it
   * well above maxDelayS, or a patient guesser starts over with free failures after each wait.
   */
  failureMemoryS: number;
  /**
   * Password attempts (sign-ins and registrations, each costs an argon2id hash) one client address
   * may make in a window.
   */
  addressMaxAttempts: number;
  /**
   * Failed sign-ins on one account from all addresses together in a window; past it, the account
   * takes sign-ins only from addresses it was signed in from lately (see knownAddressS).
   */
  accountCeiling: number;
  /** The window of addressMaxAttempts and accountCeiling, in seconds. */
  windowS: number;
  /**
   * How long a successful sign-in (or registration) from an address keeps that address known to
   * the account, exempt from accountCeiling, in seconds.
   */
  knownAddressS: number;
  /**
   * Accounts one client address may register in registrationWindowS: accounts never expire, and
   * each brings its own conversion quota, so without a bound one address would gather them.
   */
  registrationsPerAddress: number;
  /** The window of registrationsPerAddress, in seconds. */
  registrationWindowS: number;
}

/** The fixed window `now` falls in, and the whole seconds until it ends (at least 1). */
export function fixedWindow(now: Date, windowS: number): { start: Date; retryAfterS: number } {
  const windowMs = windowS * 1000;
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  return {
    start: new Date(start),
    retryAfterS: Math.max(1, Math.ceil((start + windowMs - now.getTime()) / 1000)),
  };
}

/** The wait, in ms, that the `failures`-th failure of an address on an account imposes. */
export function delayAfter(failures: number, limits: LoginLimits): number {
  if (failures <= limits.freeFailures) return 0;
  const doublings = Math.min(failures - limits.freeFailures - 1, 40);
  return Math.min(limits.maxDelayS, limits.baseDelayS * 2 ** doublings) * 1000;
}

// SHA-256 of the scope and the subjects: the tables hold no emails and no addresses.
const bucket = (...parts: string[]) => createHash('sha256').update(parts.join('\0'), 'utf8').digest();
const addressBucket = (ip: string) => bucket('address', addressKey(ip));
const accountBucket = (email: string) => bucket('account', email);
const pairBucket = (email: string, ip: string) => bucket('pair', email, addressKey(ip));
const registrationBucket = (ip: string) => bucket('registration', addressKey(ip));

const rateLimited = (what: string, retryAfterS: number) =>
  new AppError('RATE_LIMITED', `too many sign-in attempts ${what}; retry in ${retryAfterS} s`, {
    retryAfter: retryAfterS,
  });

/**
 * The sign-in throttle. It must slow password guessing without letting a guesser lock the owner
 * out, so nothing one address does can refuse another address:
 *
 * - Per account and client address (the pair): `freeFailures` failures cost nothing; each further
 *   one makes that address wait before its next attempt on that account, `baseDelayS` doubling up
 *   to `maxDelayS`. A success forgets the pair's failures, and so does `failureMemoryS` of quiet.
 *   While a pair waits, its attempts are refused before any password check, with the right
 *   password too: the answer never tells a right guess from a wrong one.
 * - Per client address: `addressMaxAttempts` password attempts (sign-ins and registrations) per
 *   window, whatever the accounts: each costs an argon2id hash, the budget bounds the CPU one
 *   address can burn.
 * - Per account, the last resort against guessing from many addresses at once: past
 *   `accountCeiling` failures in a window, the account takes sign-ins only from addresses it
 *   was signed in from within `knownAddressS`, until the window ends. The trade-off: an owner on a
 *   new address is refused for the rest of that window; a guesser needs that many addresses to
 *   get there, and gets no more guesses than the ceiling.
 *
 * IPv6 addresses count by their /64 (see addressKey). An unknown email is throttled like a known
 * one, so the answers tell neither apart. All state is in PostgreSQL, shared by every instance;
 * attempts are counted before the password is checked, so concurrent ones cannot slip past a limit.
 */
export class LoginLimiter {
  readonly #store: AttemptStore;
  readonly #limits: LoginLimits;

  constructor(store: AttemptStore, limits: LoginLimits) {
    this.#store = store;
    this.#limits = limits;
  }

  /** Counts a password attempt from the address; RATE_LIMITED past its budget. */
  async attemptFromAddress(ip: string, now: Date): Promise<void> {
    const window = fixedWindow(now, this.#limits.windowS);
    const count = await this.#store.hit(addressBucket(ip), window.start);
    if (count > this.#limits.addressMaxAttempts) throw rateLimited('from this address', window.retryAfterS);
  }

  /** Counts a registration from the address; RATE_LIMITED past registrationsPerAddress. */
  async registrationFromAddress(ip: string, now: Date): Promise<void> {
    const window = fixedWindow(now, this.#limits.registrationWindowS);
    const count = await this.#store.hit(registrationBucket(ip), window.start);
    if (count > this.#limits.registrationsPerAddress) {
      throw new AppError(
        'RATE_LIMITED',
        `too many accounts registered from this address; retry in ${window.retryAfterS} s`,
        { retryAfter: window.retryAfterS },
      );
    }
  }

  /**
   * Before a password check on the account (a normalised email, known or not): RATE_LIMITED while
   * the address waits, or while the account is past its ceiling and the address unknown to it.
   * Otherwise the attempt counts as the pair's next failure until `succeeded` says otherwise.
   */
  async beginSignIn(email: string, ip: string, now: Date): Promise<void> {
    const limits = this.#limits;
    const window = fixedWindow(now, limits.windowS);
    const pair = pairBucket(email, ip);
    const failures = await this.#store.count(accountBucket(email), window.start);
    if (failures >= limits.accountCeiling) {
      const knownSince = new Date(now.getTime() - limits.knownAddressS * 1000);
      if (!(await this.#store.knownSince(pair, knownSince))) {
        throw rateLimited('for this account', window.retryAfterS);
      }
    }
    const outcome = await this.#store.reserve(pair, now, {
      forgetBefore: new Date(now.getTime() - limits.failureMemoryS * 1000),
      delayMs: (count) => delayAfter(count, limits),
    });
    if (outcome.blockedUntil) {
      const waitS = Math.max(1, Math.ceil((outcome.blockedUntil.getTime() - now.getTime()) / 1000));
      throw rateLimited('for this account from this address', waitS);
    }
  }

  /** After a wrong password: one more failure towards the account's ceiling. */
  async failed(email: string, now: Date): Promise<void> {
    await this.#store.hit(accountBucket(email), fixedWindow(now, this.#limits.windowS).start);
  }

  /** After a right password (or a registration): the address is the owner's, its failures were too. */
  async succeeded(email: string, ip: string, now: Date): Promise<void> {
    await this.#store.succeeded(pairBucket(email, ip), now);
  }

  /** Deletes finished windows and pairs with nothing left to remember. */
  async purge(now: Date): Promise<void> {
    const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
    await this.#store.purge({
      windowsBefore: ago(Math.max(this.#limits.windowS, this.#limits.registrationWindowS)),
      failuresBefore: ago(this.#limits.failureMemoryS),
      successesBefore: ago(this.#limits.knownAddressS),
      now,
    });
  }
}
