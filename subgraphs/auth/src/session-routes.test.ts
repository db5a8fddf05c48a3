/**
 * The internal session API (what the gateway's /auth/* routes use) through its typed client, over
 * HTTP, on PGlite: the same accounts, tokens and throttle as the GraphQL mutations.
 */
import { AuthClient } from '@pixelflow/auth-api';
import { createPgliteSql } from '@pixelflow/drivers';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type OpenDatabase,
  secret,
  strongPassword,
  uniqueEmail,
  useAuthHarness,
} from '../testing/harness.ts';

const open: OpenDatabase = async () => {
  const sql = await createPgliteSql(undefined);
  return { sql, drop: () => sql.close() };
};

describe('the internal session API', () => {
  const auth = useAuthHarness(open);
  // A lifetime other than the default: the gateway's cookie must follow it, not a copy of it.
  const refreshTokenTtlS = 3600;
  let client: AuthClient;
  let url: string;
  const browser = { ip: '203.0.113.7', requestId: 'request-1' };
  beforeAll(async () => {
    const service = await auth.start({ refreshTokenTtlS, loginLimits: { addressMaxAttempts: 4 } });
    url = (await service.listen()).url;
    client = new AuthClient({ urls: [url], internalSecret: secret });
  });

  it('registers, signs in, refreshes once per token and signs out, as the mutations do', async () => {
    const email = uniqueEmail('session');
    const registered = await client.register({ email, password: strongPassword }, browser);
    expect(registered.user.email).toBe(email);
    expect(registered.refreshTokenMaxAgeS).toBe(refreshTokenTtlS);
    expect(Date.parse(registered.expiresAt)).toBe(decodeJwt(registered.accessToken).exp! * 1000);

    const signedIn = await client.login({ email: email.toUpperCase(), password: strongPassword }, browser);
    expect(signedIn.user.id).toBe(registered.user.id);
    const refreshed = await client.refresh(signedIn.refreshToken, browser);
    expect(refreshed.refreshToken).not.toBe(signedIn.refreshToken);
    await expect(client.refresh(signedIn.refreshToken, browser)).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    });

    expect(await client.logout(registered.refreshToken, browser)).toBe(true);
    expect(await client.logout(registered.refreshToken, browser)).toBe(false);
    await expect(client.refresh(registered.refreshToken, browser)).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    });
    await expect(client.register({ email, password: strongPassword }, browser)).rejects.toMatchObject({
      code: 'EMAIL_TAKEN',
    });
  });

  it("throttles by the browser's address that the caller vouches for, with retryAfter", async () => {
    const { user } = await auth.register();
    const guesser = { ip: '198.51.100.9', requestId: 'guess' };
    const wrong = { email: user.email, password: 'not the password' };
    const codes: unknown[] = [];
    for (let i = 0; i < 5; i++) codes.push(await client.login(wrong, guesser).catch((error) => error.code));
    expect(codes).toEqual([...Array(4).fill('INVALID_CREDENTIALS'), 'RATE_LIMITED']);
    await expect(client.login(wrong, guesser)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfter: expect.any(Number) },
    });
    // Another address is not held up by the guesser's attempts.
    const home = { ip: '203.0.113.80', requestId: 'owner' };
    const owner = await client.login({ email: user.email, password: strongPassword }, home);
    expect(owner.user.id).toBe(user.id);
  });

  it('refuses a caller without the internal secret (403), and a malformed body (400)', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const outsider = await post('/internal/sessions/login', { email: 'a@b.c', password: strongPassword });
    expect(outsider.status).toBe(403);
    expect(await outsider.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const malformed = await post(
      '/internal/sessions/refresh',
      { token: 'x' },
      { 'x-pixelflow-internal': secret },
    );
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });
});
