import { describe, expect, it } from 'vitest';
import { IDENTITY_HEADER, signIdentity, verifyIdentity } from './identity.ts';

const secret = 'a-secret-of-at-least-thirty-two-characters!';

describe('signed identity', () => {
  it('round-trips a user and an address', () => {
    const envelope = signIdentity(secret, { userId: 'u1', ip: '10.0.0.7' });
    expect(verifyIdentity(secret, envelope)).toEqual({ userId: 'u1', ip: '10.0.0.7' });
    expect(verifyIdentity(secret, signIdentity(secret, { userId: null, ip: '::1' }))).toEqual({
      userId: null,
      ip: '::1',
    });
  });

  it('treats a forged, tampered, foreign or stale envelope as anonymous', () => {
    const envelope = signIdentity(secret, { userId: 'u1', ip: '1.2.3.4' });
    const [version, payload, signature] = envelope.split('.');
    const other = Buffer.from(JSON.stringify({ u: 'admin', ip: '1.2.3.4', t: Date.now() })).toString(
      'base64url',
    );
    const anonymous = { userId: null, ip: 'unknown' };
    expect(verifyIdentity(secret, `${version}.${other}.${signature}`)).toEqual(anonymous);
    expect(verifyIdentity(secret, `${version}.${payload}.${signature!.slice(0, -2)}xx`)).toEqual(anonymous);
    expect(verifyIdentity('another-secret-of-thirty-two-characters', envelope)).toEqual(anonymous);
    expect(
      verifyIdentity(secret, signIdentity(secret, { userId: 'u1', ip: 'x' }, Date.now() - 120_000)),
    ).toEqual(anonymous);
    expect(verifyIdentity(secret, 'u1')).toEqual(anonymous);
    expect(verifyIdentity(secret, undefined)).toEqual(anonymous);
    expect(IDENTITY_HEADER).toBe('x-pixelflow-identity');
  });
});
