import { randomUUID } from 'node:crypto';
import { signIdentity } from '@pixelflow/service-kit';
import { describe, expect, it } from 'vitest';
import {
  errorOf,
  loginMutation,
  median,
  type OpenDatabase,
  type Payload,
  registerMutation,
  strongPassword,
  uniqueEmail,
  useAuthHarness,
} from './harness.ts';

/** Registration, sign-in, `me` and the User entity, on whichever database `open` makes. */
export function describeAccounts(name: string, open: OpenDatabase): void {
  describe(`auth accounts (${name})`, () => {
    const auth = useAuthHarness(open);

    const register = (email: string, password: string) =>
      auth.gql<{ register: Payload }>(registerMutation, { email, password });
    const login = (email: string, password: string, ip = '203.0.113.1', on = auth.service) =>
      auth.gql<{ login: Payload }>(
        loginMutation,
        { email, password },
        { identity: { userId: null, ip }, on },
      );

    describe('register', () => {
      it('creates an account, stores the email normalised and signs it in', async () => {
        const email = uniqueEmail('Ada');
        const { data, errors } = await register(`  ${email.toUpperCase()} `, strongPassword);
        expect(errors).toBeUndefined();
        const payload = data!.register;
        expect(payload.user.email).toBe(email.toLowerCase());
        expect(payload.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(await auth.verifier().verify(payload.accessToken)).toEqual({
          userId: payload.user.id,
          email: email.toLowerCase(),
        });
        const [row] = await auth.sql.query<{ email: string; password_hash: string }>(
          'SELECT email, password_hash FROM auth.users WHERE id = $1',
          [payload.user.id],
        );
        expect(row!.email).toBe(email.toLowerCase());
        expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      });

      it('refuses a taken email, in any case and with any surrounding space', async () => {
        const email = uniqueEmail();
        expect((await register(email, strongPassword)).errors).toBeUndefined();
        for (const variant of [email, email.toUpperCase(), ` ${email}\t`, email.replace('user', 'USER')]) {
          expect(errorOf(await register(variant, 'another good passphrase')).extensions.code).toBe(
            'EMAIL_TAKEN',
          );
        }
      });

      it('lets exactly one of several concurrent registrations of one email through', async () => {
        const email = uniqueEmail();
        const answers = await Promise.all(
          [email, email.toUpperCase(), ` ${email}`, email].map((variant) =>
            register(variant, strongPassword),
          ),
        );
        expect(answers.filter((answer) => answer.data?.register).length).toBe(1);
        const codes = answers
          .filter((answer) => answer.errors)
          .map((answer) => errorOf(answer).extensions.code);
        expect(codes).toEqual(['EMAIL_TAKEN', 'EMAIL_TAKEN', 'EMAIL_TAKEN']);
      });

      it('refuses weak passwords with a reason', async () => {
        const email = uniqueEmail('grace');
        const cases: Array<[string, string]> = [
          ['short1!', 'TOO_SHORT'],
          ['ééééééééééé', 'REPEATED'],
          ['Password123', 'COMMON'],
          ['QWERTYUIOP', 'COMMON'],
          [email.toUpperCase(), 'EMAIL'],
          ['x'.repeat(129), 'TOO_LONG'],
        ];
        for (const [password, reason] of cases) {
          const error = errorOf(await register(email, password));
          expect(error.extensions).toMatchObject({ code: 'WEAK_PASSWORD', reason });
          expect(error.message).toMatch(/password/);
        }
        // Code points, not UTF-16 units: 128 emoji (256 units) are fine, 129 are not.
        expect((await register(uniqueEmail(), '😀🐈'.repeat(64))).errors).toBeUndefined();
        expect(errorOf(await register(uniqueEmail(), `${'😀🐈'.repeat(64)}!`)).extensions.reason).toBe(
          'TOO_LONG',
        );
      });

      it('refuses an absurdly long password at once, without hashing it', async () => {
        const started = performance.now();
        const error = errorOf(await register(uniqueEmail(), 'a1'.repeat(200_000)));
        const elapsed = performance.now() - started;
        expect(error.extensions).toMatchObject({ code: 'WEAK_PASSWORD', reason: 'TOO_LONG' });
        // A hash takes ~30 ms and more; parsing 400 kB of JSON is the whole cost here.
        expect(elapsed).toBeLessThan(250);
      });

      it('refuses a NUL or an unpaired surrogate, which would be stored (or hashed) as something else', async () => {
        const cases: Array<[string, string, string]> = [
          [`nul\u0000${uniqueEmail()}`, strongPassword, 'email'],
          [`${uniqueEmail()}\ud83d`, strongPassword, 'email'],
          [uniqueEmail(), `${strongPassword}\u0000`, 'password'],
          // Both would hash as "…\ufffd": two passwords, one hash.
          [uniqueEmail(), `${strongPassword}\ud800`, 'password'],
          [uniqueEmail(), `\udfff${strongPassword}`, 'password'],
        ];
        for (const [email, password, field] of cases) {
          expect(errorOf(await register(email, password)).extensions).toMatchObject({
            code: 'BAD_USER_INPUT',
            field,
          });
        }
        // A well-formed pair (an emoji) is fine.
        expect((await register(uniqueEmail(), `${strongPassword} \ud83d\ude00`)).errors).toBeUndefined();
      });

      it('refuses an email that is not one', async () => {
        for (const email of [
          'not-an-email',
          'a@',
          '@example.com',
          'a b@example.com',
          `${'a'.repeat(250)}@x.io`,
        ]) {
          const error = errorOf(await register(email, strongPassword));
          expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
        }
      });
    });

    describe('login', () => {
      it('signs in with the email in any case', async () => {
        const { user } = await auth.register();
        const { data, errors } = await login(` ${user.email.toUpperCase()}`, strongPassword);
        expect(errors).toBeUndefined();
        expect(data!.login.user).toEqual(user);
        expect((await auth.verifier().verify(data!.login.accessToken)).userId).toBe(user.id);
      });

      it('answers INVALID_CREDENTIALS, the same, for a wrong password and an unknown email', async () => {
        const { user } = await auth.register();
        const wrong = errorOf(await login(user.email, 'not the password at all'));
        const unknown = errorOf(await login(uniqueEmail('nobody'), strongPassword));
        expect(wrong).toEqual(unknown);
        expect(wrong.extensions.code).toBe('INVALID_CREDENTIALS');
        expect(errorOf(await login(user.email, 'x'.repeat(10_000))).extensions.code).toBe(
          'INVALID_CREDENTIALS',
        );
      });

      it('answers BAD_USER_INPUT, never a 500, for a NUL or an unpaired surrogate in either argument', async () => {
        const { user } = await auth.register();
        const cases: Array<[string, string, string]> = [
          [`${user.email}\u0000`, strongPassword, 'email'],
          ['\u0000', strongPassword, 'email'],
          [`\ud800${user.email}`, strongPassword, 'email'],
          [user.email, `${strongPassword}\u0000`, 'password'],
          [user.email, `${strongPassword}\udc00`, 'password'],
        ];
        for (const [email, password, field] of cases) {
          expect(errorOf(await login(email, password)).extensions).toMatchObject({
            code: 'BAD_USER_INPUT',
            field,
          });
        }
        expect((await login(user.email, strongPassword)).errors).toBeUndefined();
      });

      it('takes about as long for an unknown email as for a wrong password', async () => {
        const { user } = await auth.register();
        const time = async (email: string) => {
          const started = performance.now();
          expect(errorOf(await login(email, 'not the password at all')).extensions.code).toBe(
            'INVALID_CREDENTIALS',
          );
          return performance.now() - started;
        };
        await time(user.email); // warm-up
        const wrong: number[] = [];
        const unknown: number[] = [];
        for (let i = 0; i < 5; i += 1) {
          wrong.push(await time(user.email));
          unknown.push(await time(uniqueEmail('ghost')));
        }
        expect(median(unknown)).toBeGreaterThanOrEqual(median(wrong) / 2);
      });
    });

    describe('me and the User entity', () => {
      const me = 'query { me { id email } }';

      it('is null for an anonymous caller', async () => {
        expect(await auth.gql(me)).toEqual({ data: { me: null } });
        expect(await auth.gql(me, {}, { identity: { userId: null, ip: '192.0.2.1' } })).toEqual({
          data: { me: null },
        });
      });

      it('is the user the gateway vouches for', async () => {
        const { user } = await auth.register();
        expect(await auth.gql(me, {}, { identity: { userId: user.id, ip: '192.0.2.1' } })).toEqual({
          data: { me: user },
        });
        // An id that is no user (deleted, or never was).
        expect(await auth.gql(me, {}, { identity: { userId: randomUUID(), ip: '192.0.2.1' } })).toEqual({
          data: { me: null },
        });
        expect(await auth.gql(me, {}, { identity: { userId: 'not-a-uuid', ip: '192.0.2.1' } })).toEqual({
          data: { me: null },
        });
      });

      it('treats an identity header not signed with the internal secret as anonymous', async () => {
        const { user } = await auth.register();
        const forged = signIdentity('another-secret-that-is-long-enough-1234', {
          userId: user.id,
          ip: '192.0.2.1',
        });
        expect(await auth.gql(me, {}, { identityHeader: forged })).toEqual({ data: { me: null } });
        const payload = Buffer.from(JSON.stringify({ u: user.id, ip: 'x', t: Date.now() })).toString(
          'base64url',
        );
        expect(await auth.gql(me, {}, { identityHeader: `v1.${payload}.bogus` })).toEqual({
          data: { me: null },
        });
      });

      it("resolves User references for the caller's own account only", async () => {
        const { user } = await auth.register();
        const other = await auth.register();
        const entities = async (identity: { userId: string | null } | { header: string }) => {
          const answer = await auth.gql<{ _entities: unknown[] }>(
            'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id email } } }',
            {
              reps: [
                { __typename: 'User', id: user.id },
                { __typename: 'User', id: randomUUID() },
                { __typename: 'User', id: 'not-a-uuid\u0000' },
              ],
            },
            'header' in identity
              ? { identityHeader: identity.header }
              : { identity: { userId: identity.userId, ip: '192.0.2.1' } },
          );
          expect(answer.errors).toBeUndefined();
          return answer.data?._entities;
        };
        expect(await entities({ userId: user.id })).toEqual([user, null, null]);
        // Without a verified identity (no header, a forged one) or as someone else: no email.
        expect(await entities({ userId: null })).toEqual([null, null, null]);
        expect(await entities({ userId: other.user.id })).toEqual([null, null, null]);
        const forged = signIdentity('another-secret-that-is-long-enough-1234', {
          userId: user.id,
          ip: '192.0.2.1',
        });
        expect(await entities({ header: forged })).toEqual([null, null, null]);
      });
    });
  });
}
