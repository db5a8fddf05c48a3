/**
 * What the auth contract suites share: a database per suite, services started on it with a clock
 * the tests move, and GraphQL through the real fastify app (`app.inject`).
 */
import type { Sql } from '@pixelflow/drivers';
import { createLogger } from '@pixelflow/logger';
import { IDENTITY_HEADER, type Identity, signIdentity } from '@pixelflow/service-kit';
import { createTokenVerifier, type TokenVerifier } from '@pixelflow/tokens';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { authSettings } from '../src/env.ts';
import type { LoginLimits } from '../src/rate-limits.ts';
import { type AuthService, type AuthServiceOptions, createAuthService } from '../src/service.ts';

/** A fresh, empty database (or one to itself) and how to get rid of it. */
export type OpenDatabase = () => Promise<{ sql: Sql; drop(): Promise<void> }>;

export const secret = 'test-internal-secret-of-at-least-32-chars';

export const payloadFields = 'accessToken refreshToken user { id email }';

export interface Payload {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string };
}

export interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions: { code: string } & Record<string, unknown> }>;
}

export interface CallOptions {
  /** Sent as the gateway would: a signed identity envelope. */
  identity?: Identity;
  /** A raw identity header, e.g. a forged one. */
  identityHeader?: string;
}

/** Wall time plus an offset that tests move forward; reset after each test. */
export class TestClock {
  offsetMs = 0;
  readonly now = () => new Date(Date.now() + this.offsetMs);
  advance(ms: number) {
    this.offsetMs += ms;
  }
  /** Moves to just after the start of the next fixed window, so a test does not straddle two. */
  toNextWindow(windowS: number) {
    const windowMs = windowS * 1000;
    const now = this.now().getTime();
    this.advance(Math.ceil(now / windowMs) * windowMs - now + 100);
  }
}

export const quietLogger = createLogger({ service: 'auth-test', level: 'silent' });

/** What a suite changes: the rest are the service's defaults (env.ts), the throttle's included. */
export type AuthTestOptions = Partial<Omit<AuthServiceOptions, 'loginLimits'>> & {
  loginLimits?: Partial<LoginLimits>;
};

export interface AuthHarness {
  sql: Sql;
  clock: TestClock;
  /** The first service, with generous rate limits. */
  service: AuthService;
  /** Another instance on the same database; stopped after the suite. */
  start(options?: AuthTestOptions): Promise<AuthService>;
  gql<T>(
    query: string,
    variables?: Record<string, unknown>,
    options?: CallOptions & { on?: AuthService },
  ): Promise<GraphQLAnswer<T>>;
  /** A verifier as the gateway runs it, fetching the JWKS from the service. */
  verifier(on?: AuthService): TokenVerifier;
  /** Registers a fresh account and answers its payload and password. */
  register(email?: string): Promise<Payload & { password: string }>;
}

let counter = 0;
export function uniqueEmail(tag = 'user'): string {
  counter += 1;
  return `${tag}-${Date.now().toString(36)}-${counter}@example.com`;
}

export const strongPassword = 'correct horse battery staple';

/** Limits no suite reaches unless it means to: the throttle's own suite sets its own. */
const generousLimits: Partial<LoginLimits> = {
  freeFailures: 1000,
  accountCeiling: 100_000,
  addressMaxAttempts: 100_000,
  registrationsPerAddress: 100_000,
};

/** Registers the vitest hooks of one suite: a database of its own, services on it, cleanup. */
export function useAuthHarness(open: OpenDatabase, base: AuthTestOptions = {}): AuthHarness {
  const clock = new TestClock();
  const services: AuthService[] = [];
  let database: Awaited<ReturnType<OpenDatabase>>;
  const harness = {} as AuthHarness;

  const start = async (options: AuthTestOptions = {}) => {
    const { loginLimits = generousLimits, ...given } = { ...base, ...options };
    const service = await createAuthService({
      sql: database.sql,
      logger: quietLogger,
      internalSecret: secret,
      now: clock.now,
      ...authSettings.defaults,
      ...given,
      loginLimits: { ...authSettings.defaults.loginLimits, ...loginLimits },
    });
    services.push(service);
    return service;
  };

  beforeAll(async () => {
    database = await open();
    harness.sql = database.sql;
    harness.service = await start();
  }, 60_000);
  afterEach(() => {
    clock.offsetMs = 0;
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.close()));
    await database?.drop();
  });

  return Object.assign(harness, {
    clock,
    start,
    async gql<T>(
      query: string,
      variables: Record<string, unknown> = {},
      options: CallOptions & { on?: AuthService } = {},
    ) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (options.identity) headers[IDENTITY_HEADER] = signIdentity(secret, options.identity);
      if (options.identityHeader) headers[IDENTITY_HEADER] = options.identityHeader;
      const response = await (options.on ?? harness.service).app.inject({
        method: 'POST',
        url: '/graphql',
        headers,
        payload: JSON.stringify({ query, variables }),
      });
      return response.json() as GraphQLAnswer<T>;
    },
    verifier(on?: AuthService) {
      return createTokenVerifier({
        jwksUrl: 'http://auth.test/.well-known/jwks.json',
        unknownKeyRefetchMs: 0,
        fetch: async (url) => {
          const response = await (on ?? harness.service).app.inject({
            method: 'GET',
            url: new URL(url).pathname,
          });
          return new Response(response.body, { status: response.statusCode });
        },
      });
    },
    async register(email = uniqueEmail()) {
      const answer = await harness.gql<{ register: Payload }>(
        `mutation($email: String!, $password: String!) { register(email: $email, password: $password) { ${payloadFields} } }`,
        { email, password: strongPassword },
      );
      if (!answer.data?.register) throw new Error(`register failed: ${JSON.stringify(answer.errors)}`);
      return { ...answer.data.register, password: strongPassword };
    },
  });
}

/** The error code of a GraphQL answer with exactly one error. */
export function errorOf(answer: GraphQLAnswer<unknown>) {
  if (answer.errors?.length !== 1) throw new Error(`expected one error, got ${JSON.stringify(answer)}`);
  return answer.errors[0]!;
}

export const loginMutation = `mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { ${payloadFields} }
}`;
export const registerMutation = `mutation($email: String!, $password: String!) {
  register(email: $email, password: $password) { ${payloadFields} }
}`;
export const refreshMutation = `mutation($token: String!) { refreshToken(refreshToken: $token) { ${payloadFields} } }`;
export const logoutMutation = 'mutation($token: String!) { logout(refreshToken: $token) }';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
