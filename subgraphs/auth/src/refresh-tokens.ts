import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes, base64url: 43 characters. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

const refreshTokenPattern = /^[A-Za-z0-9_-]{43}$/;

/** Whether the string could be a refresh token; anything else is refused without a lookup. */
export const isRefreshTokenShape = (token: string): boolean => refreshTokenPattern.test(token);

/** Only this is stored: a copy of the table alone cannot be used to refresh. */
export function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
