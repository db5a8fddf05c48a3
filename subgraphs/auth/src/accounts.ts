import { randomUUID } from 'node:crypto';
import { AppError } from '@pixelflow/errors';
import type { Logger } from '@pixelflow/logger';
import {
  checkPasswordPolicy,
  hashPassword,
  isOverlongPassword,
  needsRehash,
  verifyPassword,
} from './passwords.ts';
import type { LoginLimiter } from './rate-limits.ts';
import { hashRefreshToken, isRefreshTokenShape, newRefreshToken } from './refresh-tokens.ts';
import type { KeyRing } from './signing-keys.ts';
import type { RefreshTokenStore } from './store/refresh-token-store.ts';
import type { UserStore } from './store/user-store.ts';
import { MAX_EMAIL_LENGTH, normaliseEmail, parseEmail, requireText, type UserModel } from './users.ts';

export interface AuthPayload {
  accessToken: string;
  refreshToken: string;
  user: UserModel;
}

export interface AccountsOptions {
  users: UserStore;
  refreshTokens: RefreshTokenStore;
  keys: KeyRing;
  limiter: LoginLimiter;
  /** A hash of a random password at today's cost; see createDummyHash. */
  dummyHash: string;
  refreshTokenTtlMs: number;
  logger: Logger;
  now: () => Date;
}

const invalidCredentials = () => new AppError('INVALID_CREDENTIALS', 'the email or the password is wrong');
const invalidToken = (why: string) => new AppError('INVALID_TOKEN', `the refresh token ${why}`);

/** Sign-up, sign-in, token refresh and sign-out. */
export class Accounts {
  readonly #options: AccountsOptions;

  constructor(options: AccountsOptions) {
    this.#options = options;
  }

  async register(email: string, password: string, ip: string): Promise<AuthPayload> {
    const { users, limiter, now } = this.#options;
    const normalised = parseEmail(email);
    checkPasswordPolicy(password, normalised);
    requireText(password, 'password');
    await limiter.attemptFromAddress(ip, now());
    await limiter.registrationFromAddress(ip, now());
    const passwordHash = await hashPassword(password);
    const user = await users.create({ id: randomUUID(), email: normalised, passwordHash }, now());
    if (!user) throw new AppError('EMAIL_TAKEN', 'an account with this email exists');
    await limiter.succeeded(normalised, ip, now());
    return this.#signIn(user);
  }

  /**
   * INVALID_CREDENTIALS for an unknown email and for a wrong password alike, after the same work:
   * an unknown email is checked against a dummy hash of the same cost. RATE_LIMITED as the
   * LoginLimiter decides, before any password check. BAD_USER_INPUT for a NUL or an unpaired
   * surrogate in either argument (no account can have one: registration refuses them).
   */
  async login(email: string, password: string, ip: string): Promise<AuthPayload> {
    const { users, limiter, dummyHash, now, logger } = this.#options;
    requireText(email, 'email');
    requireText(password, 'password');
    await limiter.attemptFromAddress(ip, now());
    // No account can have these (registration refuses them): refused before any hashing.
    if (email.length > MAX_EMAIL_LENGTH * 4 || isOverlongPassword(password)) throw invalidCredentials();
    const normalised = normaliseEmail(email);
    await limiter.beginSignIn(normalised, ip, now());
    const user = await users.byEmail(normalised);
    const matches = await verifyPassword(user?.passwordHash ?? dummyHash, password);
    if (!user || !matches) {
      await limiter.failed(normalised, now());
      throw invalidCredentials();
    }
    await limiter.succeeded(normalised, ip, now());
    if (needsRehash(user.passwordHash)) {
      // The cost was raised since this hash was made: upgrade it now that we hold the password.
      await users
        .setPasswordHash(user.id, await hashPassword(password))
        .catch((error: unknown) => logger.warn({ err: error, userId: user.id }, 'password rehash failed'));
    }
    return this.#signIn(user);
  }

  async refresh(refreshToken: string): Promise<AuthPayload> {
    const { refreshTokens, users, logger, now } = this.#options;
    if (!isRefreshTokenShape(refreshToken)) throw invalidToken('is malformed');
    const next = newRefreshToken();
    const at = now();
    const outcome = await refreshTokens.rotate(
      hashRefreshToken(refreshToken),
      { hash: hashRefreshToken(next), expiresAt: this.#refreshExpiry(at) },
      at,
    );
    switch (outcome.status) {
      case 'unknown':
        throw invalidToken('is unknown');
      case 'expired':
        throw invalidToken('has expired');
      case 'revoked':
        throw invalidToken('was revoked');
      case 'reused':
        logger.warn(
          { userId: outcome.userId, familyId: outcome.familyId },
          'a used refresh token was presented again; its family is revoked',
        );
        throw invalidToken('was used already; every token of this sign-in is revoked, sign in again');
    }
    const user = await users.byId(outcome.userId);
    if (!user) throw invalidToken('belongs to no account');
    return { accessToken: await this.#options.keys.signAccessToken(user), refreshToken: next, user };
  }

  /** Revokes the refresh token's family; false when there was nothing to revoke. */
  async logout(refreshToken: string): Promise<boolean> {
    if (!isRefreshTokenShape(refreshToken)) return false;
    return this.#options.refreshTokens.revokeFamilyOf(hashRefreshToken(refreshToken), this.#options.now());
  }

  userById(id: string): Promise<UserModel | null> {
    return this.#options.users.byId(id);
  }

  /**
   * The User entity for another subgraph's reference: only the caller's own account. Anyone
   * else's, and any reference from a caller without a verified identity, resolves to null, so
   * that `_entities` (reachable inside the network) hands out no one's email.
   */
  entityFor(id: string, callerId: string | null): Promise<UserModel | null> {
    return callerId !== null && id === callerId ? this.userById(id) : Promise.resolve(null);
  }

  /** Deletes refresh tokens expired a day ago and rate-limit state with nothing left to remember. */
  async purge(): Promise<void> {
    const at = this.#options.now();
    await this.#options.refreshTokens.purgeExpired(new Date(at.getTime() - 86_400_000));
    await this.#options.limiter.purge(at);
  }

  async #signIn(user: UserModel): Promise<AuthPayload> {
    const { refreshTokens, keys, now } = this.#options;
    const refreshToken = newRefreshToken();
    const at = now();
    await refreshTokens.startFamily(
      user.id,
      { hash: hashRefreshToken(refreshToken), expiresAt: this.#refreshExpiry(at) },
      at,
    );
    return {
      accessToken: await keys.signAccessToken(user),
      refreshToken,
      user: { id: user.id, email: user.email },
    };
  }

  #refreshExpiry(at: Date): Date {
    return new Date(at.getTime() + this.#options.refreshTokenTtlMs);
  }
}
