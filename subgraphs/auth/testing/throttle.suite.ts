import { describe, expect, it } from 'vitest';
import type { LoginLimits } from '../src/rate-limits.ts';
import type { AuthService } from '../src/service.ts';
import {
  errorOf,
  type GraphQLAnswer,
  loginMutation,
  type OpenDatabase,
  type Payload,
  registerMutation,
  strongPassword,
  uniqueEmail,
  useAuthHarness,
} from './harness.ts';

const wrongPassword = 'wrong password here';
const codeOf = (answer: GraphQLAnswer<unknown>) => errorOf(answer).extensions.code;

/** The sign-in throttle (LoginLimiter) through the real service, on whichever database `open` makes. */
export function describeThrottle(name: string, open: OpenDatabase): void {
  describe(`auth sign-in throttle (${name})`, () => {
    const auth = useAuthHarness(open);

    const login = (email: string, password: string, ip: string, on: AuthService) =>
      auth.gql<{ login: Payload }>(
        loginMutation,
        { email, password },
        { identity: { userId: null, ip }, on },
      );
    const retryAfterOf = (answer: GraphQLAnswer<unknown>) => {
      const error = errorOf(answer);
      expect(error.extensions.code).toBe('RATE_LIMITED');
      return error.extensions.retryAfter as number;
    };
    const signsIn = async (email: string, ip: string, on: AuthService) =>
      expect((await login(email, strongPassword, ip, on)).errors).toBeUndefined();
    const limited = (limits: Partial<LoginLimits>) => auth.start({ loginLimits: limits });

    it('lets the owner in from their address while another address hammers the account', async () => {
      // A long first wait, so that the attacker's burst cannot outlast it on a slow machine.
      const service = await limited({ addressMaxAttempts: 1000, baseDelayS: 60 });
      const { user } = await auth.register();
      const attacker = '198.51.100.66';
      const codes: unknown[] = [];
      for (let i = 0; i < 12; i += 1)
        codes.push(codeOf(await login(user.email, wrongPassword, attacker, service)));

      await signsIn(user.email, '203.0.113.5', service);
      await signsIn(user.email.toUpperCase(), '203.0.113.5', service);
      // 5 free failures, a 6th that starts the wait, then nothing but refusals.
      expect(codes).toEqual([...Array(6).fill('INVALID_CREDENTIALS'), ...Array(6).fill('RATE_LIMITED')]);
      // The right password from the attacker's address is refused the same way (no oracle), and
      // the owner's success does not free that address.
      expect(codeOf(await login(user.email, strongPassword, attacker, service))).toBe('RATE_LIMITED');
    });

    it('doubles the wait after each failure past the free ones, up to the cap, across instances', async () => {
      const limits = { freeFailures: 2, baseDelayS: 10, maxDelayS: 40, addressMaxAttempts: 1000 };
      const [first, second] = [await limited(limits), await limited(limits)];
      const { user } = await auth.register();
      const ip = '192.0.2.20';
      const fail = async (on: AuthService) => codeOf(await login(user.email, wrongPassword, ip, on));
      expect([await fail(first), await fail(second), await fail(first)]).toEqual([
        'INVALID_CREDENTIALS',
        'INVALID_CREDENTIALS',
        'INVALID_CREDENTIALS',
      ]);
      const waits: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        const wait = retryAfterOf(await login(user.email, wrongPassword, ip, i % 2 ? first : second));
        // Right or wrong, a waiting address gets the same answer.
        expect(retryAfterOf(await login(user.email, strongPassword, ip, first))).toBe(wait);
        waits.push(wait);
        auth.clock.advance(wait * 1000 - 1500);
        expect(codeOf(await login(user.email, strongPassword, ip, second))).toBe('RATE_LIMITED');
        auth.clock.advance(1500);
        expect(await fail(i % 2 ? second : first)).toBe('INVALID_CREDENTIALS');
      }
      expect(waits).toEqual([10, 20, 40, 40]);

      // After the wait, the right password gets in and the address starts over with free failures.
      auth.clock.advance(40_000);
      await signsIn(user.email, ip, second);
      expect([await fail(first), await fail(second)]).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS']);
      expect(await fail(first)).toBe('INVALID_CREDENTIALS');
      expect(retryAfterOf(await login(user.email, wrongPassword, ip, first))).toBe(10);
    });

    it('throttles an unknown email exactly like a known one', async () => {
      const service = await limited({ freeFailures: 1, baseDelayS: 30, addressMaxAttempts: 1000 });
      const { user } = await auth.register();
      const ip = '192.0.2.21';
      const run = async (email: string) => [
        codeOf(await login(email, wrongPassword, ip, service)),
        codeOf(await login(email, wrongPassword, ip, service)),
        errorOf(await login(email, wrongPassword, ip, service)).extensions,
      ];
      expect(await run(user.email)).toEqual(await run(uniqueEmail('nobody')));
    });

    it('checks one password at a time per address once the free failures are spent', async () => {
      const service = await limited({ freeFailures: 2, baseDelayS: 60, addressMaxAttempts: 1000 });
      const { user } = await auth.register();
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => login(user.email, wrongPassword, '192.0.2.22', service)),
      );
      const codes = answers.map(codeOf);
      expect(codes.filter((code) => code === 'INVALID_CREDENTIALS')).toHaveLength(3);
      expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(5);
    });

    it("forgets an address's failures after a quiet failureMemoryS", async () => {
      const service = await limited({ freeFailures: 2, baseDelayS: 60, failureMemoryS: 600 });
      const { user } = await auth.register();
      const ip = '192.0.2.23';
      const fail = async () => codeOf(await login(user.email, wrongPassword, ip, service));
      expect([await fail(), await fail()]).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS']);
      auth.clock.advance(601_000);
      expect([await fail(), await fail(), await fail(), await fail()]).toEqual([
        'INVALID_CREDENTIALS',
        'INVALID_CREDENTIALS',
        'INVALID_CREDENTIALS',
        'RATE_LIMITED',
      ]);
    });

    it('counts an IPv6 client by its /64', async () => {
      const service = await limited({ freeFailures: 1, baseDelayS: 60, addressMaxAttempts: 1000 });
      const { user } = await auth.register();
      expect(codeOf(await login(user.email, wrongPassword, '2001:db8:1:2::a', service))).toBe(
        'INVALID_CREDENTIALS',
      );
      expect(codeOf(await login(user.email, wrongPassword, '2001:db8:1:2::b', service))).toBe(
        'INVALID_CREDENTIALS',
      );
      expect(codeOf(await login(user.email, wrongPassword, '2001:db8:1:2:ffff::c', service))).toBe(
        'RATE_LIMITED',
      );
      await signsIn(user.email, '2001:db8:1:3::a', service);
    });

    it('limits the password attempts from one address, registrations too, across instances', async () => {
      const limits = { addressMaxAttempts: 6, windowS: 60 };
      const [first, second] = [await limited(limits), await limited(limits)];
      const ip = '192.0.2.24';
      auth.clock.toNextWindow(limits.windowS);
      for (let i = 0; i < 6; i += 1) {
        const answer = await login(uniqueEmail('spray'), strongPassword, ip, i % 2 ? first : second);
        expect(codeOf(answer)).toBe('INVALID_CREDENTIALS');
      }
      const retryAfter = retryAfterOf(await login(uniqueEmail('spray'), strongPassword, ip, first));
      expect(retryAfter >= 1 && retryAfter <= 60).toBe(true);
      const blocked = await auth.gql(
        registerMutation,
        { email: uniqueEmail(), password: strongPassword },
        { identity: { userId: null, ip }, on: second },
      );
      expect(codeOf(blocked)).toBe('RATE_LIMITED');
      const { user } = await auth.register();
      await signsIn(user.email, '192.0.2.99', first);
      auth.clock.advance(retryAfter * 1000);
      await signsIn(user.email, ip, second);
    });

    it('past the account ceiling, refuses addresses the account was not signed in from, until the window ends', async () => {
      const limits = { accountCeiling: 4, freeFailures: 100, addressMaxAttempts: 1000, windowS: 60 };
      const service = await limited(limits);
      const { user } = await auth.register();
      const home = '203.0.113.80';
      await signsIn(user.email, home, service);
      auth.clock.toNextWindow(limits.windowS);
      for (let i = 0; i < 4; i += 1) {
        expect(codeOf(await login(user.email, wrongPassword, `198.51.100.${100 + i}`, service))).toBe(
          'INVALID_CREDENTIALS',
        );
      }
      const refused = await login(user.email, strongPassword, '198.51.100.200', service);
      const retryAfter = retryAfterOf(refused);
      expect(retryAfter >= 1 && retryAfter <= 60).toBe(true);
      // A known address still gets in, and other accounts are not affected.
      await signsIn(user.email, home, service);
      const other = await auth.register();
      await signsIn(other.user.email, '198.51.100.200', service);

      auth.clock.advance(retryAfter * 1000);
      await signsIn(user.email, '198.51.100.200', service);
    });

    it('limits the accounts one address registers per window, across instances', async () => {
      const limits = { registrationsPerAddress: 3, registrationWindowS: 86_400, addressMaxAttempts: 1000 };
      const [first, second] = [await limited(limits), await limited(limits)];
      const register = (ip: string, on: AuthService) =>
        auth.gql<{ register: Payload }>(
          registerMutation,
          { email: uniqueEmail(), password: strongPassword },
          { identity: { userId: null, ip }, on },
        );
      const ip = '198.51.100.90';
      // At the start of a day's window, so that its end is more than an hour away whatever the time.
      auth.clock.toNextWindow(limits.registrationWindowS);
      for (const on of [first, second, first]) expect((await register(ip, on)).errors).toBeUndefined();
      expect(retryAfterOf(await register(ip, second))).toBeGreaterThan(3600);
      // Another address is not held back, and the next window lets this one register again.
      expect((await register('198.51.100.91', first)).errors).toBeUndefined();
      auth.clock.advance(86_400_000);
      expect((await register(ip, first)).errors).toBeUndefined();
    });
  });

  describe(`auth sign-in throttle, purge (${name})`, () => {
    // A database of its own, so that only this test's rows are counted.
    const auth = useAuthHarness(open);

    it('purges what it no longer needs to remember', async () => {
      const limits = {
        freeFailures: 1,
        failureMemoryS: 600,
        windowS: 60,
        registrationWindowS: 300,
        knownAddressS: 3600,
      };
      const service = await auth.start({ loginLimits: limits });
      const { user } = await auth.register();
      const login = (password: string, ip: string) =>
        auth.gql(
          loginMutation,
          { email: user.email, password },
          { identity: { userId: null, ip }, on: service },
        );
      expect(codeOf(await login(wrongPassword, '192.0.2.30'))).toBe('INVALID_CREDENTIALS');
      expect((await login(strongPassword, '192.0.2.31')).errors).toBeUndefined();
      const count = async (table: string) =>
        Number((await auth.sql.query<{ n: string }>(`SELECT count(*) AS n FROM auth.${table}`))[0]!.n);
      // The registration's address, the failing one and the succeeding one.
      expect(await count('login_pairs')).toBe(3);
      expect(await count('login_attempts')).toBeGreaterThan(0);

      auth.clock.advance(601_000);
      await service.maintain();
      // The failure and the windows are over; the successes are remembered for knownAddressS.
      expect(await count('login_pairs')).toBe(2);
      expect(await count('login_attempts')).toBe(0);
      auth.clock.advance(3600_000);
      await service.maintain();
      expect(await count('login_pairs')).toBe(0);
    });
  });
}
