import { randomBytes } from 'node:crypto';
import { AppError } from '@pixelflow/errors';
import argon2 from 'argon2';
import { commonPasswords } from './common-passwords.ts';

/**
 * argon2id at OWASP's first recommended setting: 19 MiB of memory, 2 passes, 1 lane (about 30 ms
 * on one core of a laptop). Exported so that `bench/` measures sign-ins at exactly this cost.
 */
export const PASSWORD_HASH_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 128;

export type WeakPasswordReason = 'TOO_SHORT' | 'TOO_LONG' | 'REPEATED' | 'COMMON' | 'EMAIL';

const weak = (reason: WeakPasswordReason, message: string) =>
  new AppError('WEAK_PASSWORD', message, { reason });

/**
 * The password as it is hashed: NFKC, so that the same characters typed on two keyboards (a
 * composed or a decomposed accent, a full-width digit) are the same password, as NIST SP 800-63B
 * recommends.
 */
export function canonicalPassword(password: string): string {
  return password.normalize('NFKC');
}

/** Unicode code points, but at most `limit + 1` of them: a megabyte-long string costs no more than that. */
function codePoints(value: string, limit: number): number {
  // A code point takes one or two UTF-16 units, so a string this long has too many for certain.
  if (value.length > 2 * limit) return limit + 1;
  let count = 0;
  for (const _ of value) {
    count += 1;
    if (count > limit) break;
  }
  return count;
}

/** Whether the password is too long to be anyone's, checked before any normalising or hashing. */
export const isOverlongPassword = (password: string) =>
  codePoints(password, MAX_PASSWORD_LENGTH) > MAX_PASSWORD_LENGTH;

/**
 * WEAK_PASSWORD (with a `reason`) unless the password is 10 to 128 code points, not one character
 * repeated, not among the most common passwords, and not the account's email (or its local part).
 */
export function checkPasswordPolicy(password: string, email: string): void {
  if (isOverlongPassword(password)) {
    throw weak('TOO_LONG', `the password must be at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  const canonical = canonicalPassword(password);
  const length = codePoints(canonical, MAX_PASSWORD_LENGTH);
  if (length < MIN_PASSWORD_LENGTH) {
    throw weak('TOO_SHORT', `the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (new Set(canonical).size === 1) {
    throw weak('REPEATED', 'the password must not be one character repeated');
  }
  const lower = canonical.toLowerCase();
  if (commonPasswords.has(lower)) {
    throw weak('COMMON', 'the password is one of the most commonly used passwords; choose another');
  }
  const localPart = email.slice(0, email.lastIndexOf('@'));
  if (lower.trim() === email || lower.trim() === localPart) {
    throw weak('EMAIL', 'the password must not be your email address');
  }
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(canonicalPassword(password), PASSWORD_HASH_OPTIONS);
}

/** Never throws for a bad hash: a stored hash that cannot be read matches nothing. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, canonicalPassword(password));
  } catch {
    return false;
  }
}

/** Whether a hash was made with other parameters than today's (it is replaced at the next sign-in). */
export function needsRehash(hash: string): boolean {
  try {
    return argon2.needsRehash(hash, PASSWORD_HASH_OPTIONS);
  } catch {
    return false;
  }
}

/**
 * A hash of a random password at today's cost, made once at start: a sign-in with an unknown email
 * verifies against it, so that it takes as long as one with a wrong password.
 */
export function createDummyHash(): Promise<string> {
  return hashPassword(randomBytes(24).toString('base64url'));
}
