import { describe, expect, it } from 'vitest';
import { decryptSecret, deriveKeyEncryptionKey, encryptSecret } from './key-encryption.ts';

const kek = deriveKeyEncryptionKey('an-internal-secret-of-32-characters-at-least');

describe('signing key encryption', () => {
  it('round-trips, with a fresh IV each time', () => {
    const a = encryptSecret(kek, '{"d":"secret"}', 'kid-1');
    const b = encryptSecret(kek, '{"d":"secret"}', 'kid-1');
    expect(a.equals(b)).toBe(false);
    expect(decryptSecret(kek, a, 'kid-1')).toBe('{"d":"secret"}');
    expect(a.includes(Buffer.from('secret'))).toBe(false);
  });

  it('derives a 256-bit key that is not the secret itself, the same on every instance', () => {
    expect(kek.length).toBe(32);
    expect(deriveKeyEncryptionKey('an-internal-secret-of-32-characters-at-least').equals(kek)).toBe(true);
    expect(kek.includes(Buffer.from('an-internal-secret'))).toBe(false);
  });

  it('refuses changed data, another key id and another secret', () => {
    const sealed = encryptSecret(kek, 'private', 'kid-1');
    const changed = Buffer.from(sealed);
    changed[changed.length - 1]! ^= 1;
    expect(() => decryptSecret(kek, changed, 'kid-1')).toThrow();
    expect(() => decryptSecret(kek, sealed, 'kid-2')).toThrow();
    expect(() => decryptSecret(deriveKeyEncryptionKey('x'.repeat(32)), sealed, 'kid-1')).toThrow();
    expect(() => decryptSecret(kek, Buffer.alloc(10), 'kid-1')).toThrow();
  });
});
