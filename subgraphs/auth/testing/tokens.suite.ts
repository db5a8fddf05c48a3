import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { authSettings } from '../src/env.ts';
import { decryptSecret, deriveKeyEncryptionKey } from '../src/key-encryption.ts';
import { createAuthService } from '../src/service.ts';
import { authMigrations, migrateAuth } from '../src/store/migrations.ts';
import {
  errorOf,
  logoutMutation,
  type OpenDatabase,
  type Payload,
  quietLogger,
  refreshMutation,
  secret,
  useAuthHarness,
} from './harness.ts';

const DAY_MS = 86_400_000;

/** Refresh tokens, logout, the JWKS, key rotation and encryption, migrations. */
export function describeTokens(name: string, open: OpenDatabase): void {
  describe(`auth tokens (${name})`, () => {
    const auth = useAuthHarness(open);

    const refresh = (token: string) => auth.gql<{ refreshToken: Payload }>(refreshMutation, { token });
    const logout = (token: string) => auth.gql<{ logout: boolean }>(logoutMutation, { token });
    const refreshed = async (token: string) => {
      const answer = await refresh(token);
      expect(answer.errors).toBeUndefined();
      return answer.data!.refreshToken;
    };
    const refusal = async (token: string) => {
      const error = errorOf(await refresh(token));
      expect(error.extensions.code).toBe('INVALID_TOKEN');
      return error.message;
    };

    describe('refreshToken', () => {
      it('trades a refresh token for a new pair, once', async () => {
        const first = await auth.register();
        const second = await refreshed(first.refreshToken);
        expect(second.user).toEqual(first.user);
        expect(second.refreshToken).not.toBe(first.refreshToken);
        expect((await auth.verifier().verify(second.accessToken)).userId).toBe(first.user.id);
        const third = await refreshed(second.refreshToken);
        expect(third.refreshToken).not.toBe(second.refreshToken);
        const [row] = await auth.sql.query<{ n: number | string }>(
          `SELECT count(*) AS n FROM auth.refresh_tokens t JOIN auth.users u ON u.id = t.user_id
           WHERE u.id = $1 AND t.used_at IS NOT NULL`,
          [first.user.id],
        );
        expect(Number(row!.n)).toBe(2);
      });

      it('revokes the whole family when a used token comes back', async () => {
        const first = await auth.register();
        const second = await refreshed(first.refreshToken);
        const third = await refreshed(second.refreshToken);
        expect(await refusal(first.refreshToken)).toMatch(/used already/);
        // The newest token of the family stops working too.
        expect(await refusal(third.refreshToken)).toMatch(/revoked/);
        // Another sign-in of the same user is a family of its own and keeps working.
        await refreshed((await auth.register()).refreshToken);
      });

      it('lets exactly one of several concurrent uses of a token win', async () => {
        const { refreshToken } = await auth.register();
        const answers = await Promise.all(Array.from({ length: 5 }, () => refresh(refreshToken)));
        const winners = answers.filter((answer) => answer.data?.refreshToken);
        expect(winners.length).toBe(1);
        for (const answer of answers.filter((a) => a.errors)) {
          expect(errorOf(answer).extensions.code).toBe('INVALID_TOKEN');
        }
        // The losers count as reuse: the winner's token is revoked with its family.
        expect(await refusal(winners[0]!.data!.refreshToken.refreshToken)).toMatch(/revoked/);
      });

      it('refuses unknown, malformed and expired tokens', async () => {
        expect(await refusal('A'.repeat(43))).toMatch(/unknown/);
        expect(await refusal('not a token')).toMatch(/malformed/);
        // Refused by shape before any lookup: a NUL or a lone surrogate never reaches PostgreSQL.
        expect(await refusal(`${'A'.repeat(42)}\u0000`)).toMatch(/malformed/);
        expect(await refusal(`${'A'.repeat(42)}\ud800`)).toMatch(/malformed/);
        const { refreshToken } = await auth.register();
        auth.clock.advance(30 * DAY_MS + 1000);
        expect(await refusal(refreshToken)).toMatch(/expired/);
      });

      it('keeps a token valid until just before its expiry', async () => {
        const { refreshToken } = await auth.register();
        auth.clock.advance(30 * DAY_MS - 60_000);
        await refreshed(refreshToken);
      });

      it('stores only hashes of refresh tokens', async () => {
        const { refreshToken } = await auth.register();
        const rows = await auth.sql.query<{ token_hash: Buffer }>(
          'SELECT token_hash FROM auth.refresh_tokens',
        );
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) {
          expect(row.token_hash.length).toBe(32);
          expect(Buffer.from(row.token_hash).includes(Buffer.from(refreshToken))).toBe(false);
        }
      });
    });

    describe('logout', () => {
      it('revokes the family of the token, once', async () => {
        const first = await auth.register();
        const second = await refreshed(first.refreshToken);
        expect((await logout(first.refreshToken)).data).toEqual({ logout: true });
        expect(await refusal(second.refreshToken)).toMatch(/revoked/);
        expect((await logout(second.refreshToken)).data).toEqual({ logout: false });
      });

      it('answers false for an unknown or malformed token', async () => {
        expect((await logout('B'.repeat(43))).data).toEqual({ logout: false });
        expect((await logout('')).data).toEqual({ logout: false });
        expect((await logout(`${'B'.repeat(42)}\u0000`)).data).toEqual({ logout: false });
      });
    });

    describe('signing keys', () => {
      it('publishes the public keys at /.well-known/jwks.json, with a max-age', async () => {
        const response = await auth.service.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
        expect(response.statusCode).toBe(200);
        expect(response.headers['cache-control']).toMatch(/max-age=\d+/);
        const { keys } = response.json() as { keys: Array<Record<string, string>> };
        expect(keys.length).toBe(1);
        expect(keys[0]).toEqual({
          kty: 'OKP',
          crv: 'Ed25519',
          x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
          kid: expect.any(String),
          alg: 'EdDSA',
          use: 'sig',
        });
        const { accessToken } = await auth.register();
        expect(decodeProtectedHeader(accessToken)).toEqual({ alg: 'EdDSA', kid: keys[0]!.kid, typ: 'JWT' });
      });

      it('keeps private keys encrypted at rest', async () => {
        const rows = await auth.sql.query<{ kid: string; private_jwk_encrypted: Buffer }>(
          'SELECT kid, private_jwk_encrypted FROM auth.signing_keys',
        );
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) {
          const sealed = Buffer.from(row.private_jwk_encrypted);
          const jwk = JSON.parse(decryptSecret(deriveKeyEncryptionKey(secret), sealed, row.kid)) as {
            d: string;
          };
          expect(jwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
          for (const form of [jwk.d, Buffer.from(jwk.d, 'base64url').toString('hex'), '"d"']) {
            expect(sealed.includes(Buffer.from(form))).toBe(false);
          }
          expect(sealed.includes(Buffer.from(jwk.d, 'base64url'))).toBe(false);
          expect(() =>
            decryptSecret(deriveKeyEncryptionKey('some-other-secret-0123456789abcdef'), sealed, row.kid),
          ).toThrow();
        }
      });

      it('makes one key however many instances start at once, and none again at a restart', async () => {
        await Promise.all([auth.start(), auth.start(), auth.start()]);
        const rows = await auth.sql.query('SELECT kid FROM auth.signing_keys');
        expect(rows.length).toBe(1);
        expect(await migrateAuth(auth.sql)).toEqual([]);
        const [applied] = await auth.sql.query<{ n: number | string }>(
          'SELECT count(*) AS n FROM auth.schema_migrations',
        );
        expect(Number(applied!.n)).toBe(authMigrations.length);
      });
    });
  });

  describe(`auth housekeeping (${name})`, () => {
    // A database of its own: moving the clock a month rotates the signing keys too.
    const auth = useAuthHarness(open);

    it('deletes refresh tokens a day after they expired', async () => {
      const { refreshToken, user } = await auth.register();
      const count = async () => {
        const [row] = await auth.sql.query<{ n: number | string }>(
          'SELECT count(*) AS n FROM auth.refresh_tokens WHERE user_id = $1',
          [user.id],
        );
        return Number(row!.n);
      };
      auth.clock.advance(30 * DAY_MS + 3600_000);
      await auth.service.maintain();
      expect(await count()).toBe(1);
      auth.clock.advance(DAY_MS);
      await auth.service.maintain();
      expect(await count()).toBe(0);
      expect(errorOf(await auth.gql(refreshMutation, { token: refreshToken })).message).toMatch(/unknown/);
    });

    it('is ready while the database answers', async () => {
      const response = await auth.service.app.inject({ method: 'GET', url: '/readyz' });
      expect(response.json()).toEqual({ status: 'ready', service: 'auth' });
    });
  });

  describe(`auth first start (${name})`, () => {
    it('starts several instances at once on an empty database: migrations once, one signing key', async () => {
      const { sql, drop } = await open();
      try {
        const services = await Promise.all(
          Array.from({ length: 4 }, () =>
            createAuthService({ sql, logger: quietLogger, internalSecret: secret, ...authSettings.defaults }),
          ),
        );
        const keys = await sql.query('SELECT kid FROM auth.signing_keys');
        expect(keys.length).toBe(1);
        const migrations = await sql.query<{ id: string }>(
          'SELECT id FROM auth.schema_migrations ORDER BY id',
        );
        expect(migrations.map((row) => row.id)).toEqual([
          '0001_users',
          '0002_refresh_tokens',
          '0003_signing_keys',
          '0004_login_attempts',
          '0005_login_pairs',
        ]);
        await Promise.all(services.map((service) => service.close()));
      } finally {
        await drop();
      }
    });
  });

  describe(`auth key rotation (${name})`, () => {
    // A database of its own: rotation changes the key set that every service on it sees.
    const auth = useAuthHarness(open, { keyRotationDays: 30, keyPublishLeadS: 600, accessTokenTtlS: 900 });

    const kids = async () => {
      const response = await auth.service.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      return (response.json() as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);
    };
    const signerOf = async () => decodeProtectedHeader((await auth.register()).accessToken).kid;

    it('rotates after 30 days: publishes the new key first, then signs with it, then drops the old one', async () => {
      const [first] = await kids();
      expect(await signerOf()).toBe(first);

      auth.clock.advance(29 * DAY_MS);
      await auth.service.maintain();
      expect(await kids()).toEqual([first]);

      auth.clock.advance(DAY_MS);
      await auth.service.maintain();
      const published = await kids();
      expect(published.length).toBe(2);
      const second = published.find((kid) => kid !== first)!;
      // Published, not yet signing: verifiers learn of it first.
      expect(await signerOf()).toBe(first);

      auth.clock.advance(601_000);
      await auth.service.maintain();
      expect(await signerOf()).toBe(second);
      // The old key stays published while tokens it signed may be alive.
      expect(await kids()).toEqual(expect.arrayContaining([first, second]));
      const [retired] = await auth.sql.query<{ retired: boolean }>(
        'SELECT retired_at IS NOT NULL AS retired FROM auth.signing_keys WHERE kid = $1',
        [first],
      );
      expect(retired!.retired).toBe(true);

      // A verifier that fetched the set before the switch still verifies both.
      const verifier = auth.verifier();
      await verifier.start();
      expect((await verifier.verify((await auth.register()).accessToken)).userId).toBeTruthy();
      verifier.stop();

      auth.clock.advance(900_000 + 600_000 + 1000);
      await auth.service.maintain();
      expect(await kids()).toEqual([second]);
    });

    it('signs with a key of its own when the stored ones were encrypted under another secret', async () => {
      const other = await auth.start({ internalSecret: 'a-changed-internal-secret-0123456789abcdef' });
      const before = await kids();
      const { accessToken } = await auth.register();
      const answer = await auth.gql<{ register: Payload }>(
        'mutation($e: String!, $p: String!) { register(email: $e, password: $p) { accessToken } }',
        { e: `rotated-${Date.now()}@example.com`, p: 'correct horse battery staple' },
        { on: other },
      );
      const kid = decodeProtectedHeader(answer.data!.register.accessToken).kid;
      expect(before).not.toContain(kid);
      expect(decodeProtectedHeader(accessToken).kid).not.toBe(kid);
      await auth.service.maintain();
      expect(await kids()).toContain(kid);
    });
  });
}
