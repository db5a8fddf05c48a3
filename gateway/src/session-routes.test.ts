/**
 * The browser session routes (/auth/*) against an auth service that serves the session contract
 * with canned answers: what the browser sees (cookie, status, error codes) and what auth is told.
 */
import { authRoutes, type SignIn } from '@pixelflow/auth-api';
import { AppError } from '@pixelflow/errors';
import { createLogger } from '@pixelflow/logger';
import {
  createHttpService,
  type HttpService,
  IDENTITY_HEADER,
  serveRoutes,
  Upstream,
  verifyIdentity,
} from '@pixelflow/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSessionRoutes } from './session-routes.ts';

const secret = 'a-secret-of-at-least-thirty-two-characters!';
const logger = createLogger({ service: 'test', level: 'silent' });
const accessToken = 'header.payload.signature';
const signIn: SignIn = {
  accessToken,
  expiresAt: new Date(2_000_000_000_000).toISOString(),
  refreshToken: 'r'.repeat(43),
  refreshTokenMaxAgeS: 1234,
  user: { id: 'user-1', email: 'alice@example.com' },
};

/** What auth was asked, with the address the identity header carried. */
const told: Array<{ route: string; ip: string; requestId: unknown; body: unknown }> = [];
let auth: HttpService;
let gateway: HttpService;
beforeAll(async () => {
  auth = createHttpService({ name: 'auth', logger });
  const seen = (route: string, request: { headers: Record<string, unknown>; body: unknown }) => {
    const { ip } = verifyIdentity(secret, request.headers[IDENTITY_HEADER]);
    told.push({ route, ip, requestId: request.headers['x-request-id'], body: request.body });
  };
  serveRoutes(auth.app, authRoutes, {
    register: async (request) => {
      seen('register', request);
      throw new AppError('RATE_LIMITED', 'too many accounts registered from this address', {
        retryAfter: 60,
      });
    },
    login: async (request) => {
      seen('login', request);
      if (request.body.password !== 'right') throw new AppError('INVALID_CREDENTIALS', 'wrong');
      return signIn;
    },
    refresh: async (request) => {
      seen('refresh', request);
      if (request.body.refreshToken !== signIn.refreshToken) throw new AppError('INVALID_TOKEN', 'dead');
      return signIn;
    },
    logout: async (request) => {
      seen('logout', request);
      return { revoked: true };
    },
  });
  const { url } = await auth.listen();
  gateway = createHttpService({ name: 'gateway', logger });
  registerSessionRoutes(gateway.app, new Upstream({ urls: [url], secret, name: 'auth' }), secret);
});
afterAll(async () => {
  await gateway.close();
  await auth.close();
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  gateway.app.inject({
    method: 'POST',
    url,
    remoteAddress: '198.51.100.4',
    headers: { 'content-type': 'application/json', 'x-request-id': 'browser-request', ...headers },
    payload: JSON.stringify(body),
  });
const cookie = `pixelflow_refresh=${signIn.refreshToken}`;

describe('browser sessions', () => {
  it('signs in: the access token in the answer, the refresh token in a cookie for as long as auth says', async () => {
    told.length = 0;
    const answer = await post('/auth/login', { email: 'alice@example.com', password: 'right' });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ accessToken, expiresAt: signIn.expiresAt, user: signIn.user });
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['set-cookie']).toBe(
      `pixelflow_refresh=${signIn.refreshToken}; Max-Age=1234; Path=/auth; HttpOnly; SameSite=Strict`,
    );
    expect(told).toEqual([
      {
        route: 'login',
        ip: '198.51.100.4',
        requestId: 'browser-request',
        body: { email: 'alice@example.com', password: 'right' },
      },
    ]);
  });

  it("answers auth's errors with their codes and details", async () => {
    const wrong = await post('/auth/login', { email: 'alice@example.com', password: 'wrong' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: { code: 'INVALID_CREDENTIALS' } });
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const limited = await post('/auth/register', { email: 'bob@example.com', password: 'long enough' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED', details: { retryAfter: 60 } } });
  });

  it('wants JSON credentials, with a JSON content type, before asking auth', async () => {
    told.length = 0;
    const missing = await post('/auth/login', { email: 'alice@example.com' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
    const form = await gateway.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a&password=right',
    });
    expect([400, 415]).toContain(form.statusCode);
    expect(form.headers['set-cookie']).toBeUndefined();
    expect(told).toEqual([]);
  });

  it('refreshes from the cookie, and drops a cookie whose token auth refuses', async () => {
    const refreshed = await post('/auth/refresh', {}, { cookie });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.headers['set-cookie']).toContain('Max-Age=1234');
    const none = await post('/auth/refresh', {});
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'INVALID_TOKEN' } });
    const dead = await post('/auth/refresh', {}, { cookie: 'pixelflow_refresh=dead' });
    expect(dead.statusCode).toBe(401);
    expect(dead.headers['set-cookie']).toContain('Max-Age=0');
  });

  it('signs out: 204, the cookie cleared, and auth told only when there was a token', async () => {
    told.length = 0;
    const out = await post('/auth/logout', {}, { cookie });
    expect(out.statusCode).toBe(204);
    expect(out.headers['set-cookie']).toContain('Max-Age=0');
    expect((await post('/auth/logout', {})).statusCode).toBe(204);
    expect(told.map(({ route, body }) => ({ route, body }))).toEqual([
      { route: 'logout', body: { refreshToken: signIn.refreshToken } },
    ]);
  });
});
