import { AppError } from '@pixelflow/errors';
import argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import {
  checkPasswordPolicy,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  needsRehash,
  PASSWORD_HASH_OPTIONS,
  verifyPassword,
} from './passwords.ts';

const reasonOf = (password: string, email = 'ada@example.com') => {
  try {
    checkPasswordPolicy(password, email);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('WEAK_PASSWORD');
    return (error as AppError).details?.reason;
  }
};

describe('password policy', () => {
  it('accepts 10 to 128 code points', () => {
    expect(reasonOf('abcdefgh1!')).toBeNull();
    expect(reasonOf('abcdefgh1')).toBe('TOO_SHORT');
    expect(reasonOf('x1'.repeat(64))).toBeNull();
    expect(reasonOf(`${'x1'.repeat(64)}!`)).toBe('TOO_LONG');
    // Astral characters count once each, in both directions.
    expect(reasonOf('🔑🔒🗝️'.repeat(2))).toBe('TOO_SHORT');
    expect(reasonOf('🔑🔒'.repeat(64))).toBeNull();
    expect(reasonOf(`${'🔑🔒'.repeat(64)}🔑`)).toBe('TOO_LONG');
    expect(MAX_PASSWORD_LENGTH).toBe(128);
  });

  it('refuses one character repeated, common passwords and the email', () => {
    expect(reasonOf('aaaaaaaaaaaa')).toBe('REPEATED');
    expect(reasonOf('🔑'.repeat(12))).toBe('REPEATED');
    expect(reasonOf('1234567890')).toBe('COMMON');
    expect(reasonOf('PassWord123')).toBe('COMMON');
    expect(reasonOf('grace.hopper@example.com', 'grace.hopper@example.com')).toBe('EMAIL');
    expect(reasonOf('Grace.Hopper', 'grace.hopper@example.com')).toBe('EMAIL');
  });

  it('refuses an absurdly long password in no time', () => {
    const huge = 'ab'.repeat(5_000_000);
    const started = performance.now();
    expect(reasonOf(huge)).toBe('TOO_LONG');
    expect(performance.now() - started).toBeLessThan(5);
  });
});

describe('password hashing', () => {
  it('hashes with argon2id at the OWASP cost and verifies', async () => {
    expect(PASSWORD_HASH_OPTIONS).toEqual({
      type: argon2.argon2id,
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
    });
    const hash = await hashPassword('correct horse battery staple');
    expect(hash.startsWith('$argon2id$v=19$m=19456,p=1,t=2$')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapler')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it('treats canonically equivalent spellings as one password (NFKC)', async () => {
    const composed = 'caf\u00e9 au lait 42';
    const decomposed = 'cafe\u0301 au lait 42';
    const hash = await hashPassword(composed);
    expect(await verifyPassword(hash, decomposed)).toBe(true);
  });

  it('asks to rehash a hash of a lower cost', async () => {
    const cheap = await argon2.hash('correct horse battery staple', {
      ...PASSWORD_HASH_OPTIONS,
      memoryCost: 8192,
    });
    expect(needsRehash(cheap)).toBe(true);
  });
});
