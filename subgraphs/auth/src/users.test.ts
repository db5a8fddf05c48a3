import { AppError } from '@pixelflow/errors';
import { describe, expect, it } from 'vitest';
import { isUserId, normaliseEmail, parseEmail } from './users.ts';

describe('emails', () => {
  it('normalises case, surrounding space and Unicode composition', () => {
    expect(normaliseEmail('  Ada.Lovelace@Example.COM\t')).toBe('ada.lovelace@example.com');
    expect(normaliseEmail('Jose\u0301@example.com')).toBe('jos\u00e9@example.com');
    expect(parseEmail(' Grace@Example.com ')).toBe('grace@example.com');
  });

  it('refuses what is not an address, or longer than 254 characters', () => {
    for (const email of [
      '',
      'plain',
      'a@',
      '@b.c',
      'a@b',
      'a b@c.de',
      `${'a'.repeat(245)}@example.com`,
      'x'.repeat(100_000),
    ]) {
      expect(() => parseEmail(email)).toThrow(AppError);
    }
    expect(parseEmail(`${'a'.repeat(64)}@${'b'.repeat(60)}.example.com`)).toContain('@');
  });

  it('knows a user id from anything else', () => {
    expect(isUserId('7b0e4c1e-2a44-4c55-9d0c-3f1f6f1f9a01')).toBe(true);
    expect(isUserId("' OR 1=1 --")).toBe(false);
    expect(isUserId(undefined)).toBe(false);
  });
});
