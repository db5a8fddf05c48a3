import { createHmac, randomUUID } from 'node:crypto';
import { PixelflowClient, photo } from '@pixelflow/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Account, authFields, register } from './helpers/accounts.ts';
import { useCluster } from './helpers/cluster.ts';

// Accounts through the gateway, with real auth and gallery processes on real PostgreSQL.
const env = useCluster('accounts', {
  jobsInstances: 1,
  conversionInstances: 1,
  accountInstances: 2,
  serviceEnv: {
    auth: {
      ACCESS_TOKEN_TTL_S: '3',
      LOGIN_FREE_FAILURES: '3',
      LOGIN_BASE_DELAY_S: '60',
      LOGIN_ADDRESS_MAX_ATTEMPTS: '40',
    },
    // The client's address from X-Forwarded-For: one test signs in from two addresses.
    gateway: { TRUST_PROXY: 'true' },
  },
});

const loginMutation = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { ${authFields} } }`;
const refreshMutation = `mutation($token: String!) { refreshToken(refreshToken: $token) { ${authFields} } }`;
const code = (result: { errors?: Array<{ extensions?: { code?: string } }> }) =>
  result.errors?.[0]?.extensions?.code;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

let alice: Account;
beforeAll(async () => {
  alice = await register(env.cluster.gatewayUrl);
});

describe('registering and signing in', () => {
  it('signs in, and me answers with the account', async () => {
    const login = await env.client.graphql<{ login: { accessToken: string; user: { id: string } } }>(
      loginMutation,
      {
        email: alice.email.toUpperCase(),
        password: alice.password,
      },
    );
    expect(login.data?.login.user.id).toBe(alice.userId);
    const me = await new PixelflowClient(env.cluster.gatewayUrl, login.data!.login.accessToken).graphql<{
      me: { id: string; email: string };
    }>('{ me { id email } }');
    expect(me.data?.me).toEqual({ id: alice.userId, email: alice.email });
    expect((await env.client.graphql<{ me: unknown }>('{ me { id } }')).data?.me).toBeNull();
  });

  it('refuses a duplicate email, a weak password and an absurdly long one', async () => {
    const attempt = (email: string, password: string) =>
      env.client.graphql(
        `mutation($e: String!, $p: String!) { register(email: $e, password: $p) { accessToken } }`,
        {
          e: email,
          p: password,
        },
      );
    expect(code(await attempt(` ${alice.email.toUpperCase()} `, 'another fine passphrase'))).toBe(
      'EMAIL_TAKEN',
    );
    expect(code(await attempt(`w-${randomUUID()}@example.test`, 'password'))).toBe('WEAK_PASSWORD');
    const started = Date.now();
    expect(code(await attempt(`l-${randomUUID()}@example.test`, 'x'.repeat(1_000_000)))).toBe(
      'WEAK_PASSWORD',
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(code(await attempt('not-an-email', 'a perfectly fine passphrase'))).toBe('BAD_USER_INPUT');
  });

  it('answers BAD_USER_INPUT, never a 500, for a NUL in the email or the password', async () => {
    for (const [email, password] of [
      [`${alice.email}\u0000`, alice.password],
      [alice.email, `${alice.password}\u0000`],
    ]) {
      expect(code(await env.client.graphql(loginMutation, { email, password }))).toBe('BAD_USER_INPUT');
    }
  });

  it('gives the same error for a wrong password and an unknown email', async () => {
    const wrong = await env.client.graphql(loginMutation, {
      email: alice.email,
      password: 'not the password at all',
    });
    const unknown = await env.client.graphql(loginMutation, {
      email: `nobody-${randomUUID()}@example.test`,
      password: 'not the password at all',
    });
    expect(code(wrong)).toBe('INVALID_CREDENTIALS');
    expect(code(unknown)).toBe('INVALID_CREDENTIALS');
    expect(wrong.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
  });

  it('slows down guessing from one address without locking the owner out', async () => {
    const victim = await register(env.cluster.gatewayUrl);
    const login = async (ip: string, password: string) => {
      const response = await fetch(`${env.cluster.gatewayUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ query: loginMutation, variables: { email: victim.email, password } }),
      });
      return (await response.json()) as {
        data?: { login: { user: { id: string } } } | null;
        errors?: Array<{ extensions?: { code?: string } }>;
      };
    };
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 6; i++) codes.push(code(await login('198.51.100.7', `guess number ${i}!`)));
    // 3 free failures, a 4th that starts a 60 s wait, then refusals (the 2 instances share the count).
    expect(codes).toEqual([...Array(4).fill('INVALID_CREDENTIALS'), 'RATE_LIMITED', 'RATE_LIMITED']);
    // Even the right password waits there: the answer tells nothing.
    expect(code(await login('198.51.100.7', victim.password))).toBe('RATE_LIMITED');
    // The owner, from their own address, signs in.
    expect((await login('203.0.113.9', victim.password)).data?.login.user.id).toBe(victim.userId);
  });
});

describe('tokens', () => {
  it('rotates refresh tokens, and the reuse of a rotated one revokes the whole family', async () => {
    const account = await register(env.cluster.gatewayUrl);
    const first = await env.client.graphql<{ refreshToken: { refreshToken: string } }>(refreshMutation, {
      token: account.refreshToken,
    });
    const next = first.data!.refreshToken.refreshToken;
    expect(next).not.toBe(account.refreshToken);
    expect(code(await env.client.graphql(refreshMutation, { token: account.refreshToken }))).toBe(
      'INVALID_TOKEN',
    );
    // The family is revoked: the newest token is refused too.
    expect(code(await env.client.graphql(refreshMutation, { token: next }))).toBe('INVALID_TOKEN');
  });

  it('logs out', async () => {
    const account = await register(env.cluster.gatewayUrl);
    const logout = await env.client.graphql<{ logout: boolean }>(
      `mutation($t: String!) { logout(refreshToken: $t) }`,
      {
        t: account.refreshToken,
      },
    );
    expect(logout.data?.logout).toBe(true);
    expect(code(await env.client.graphql(refreshMutation, { token: account.refreshToken }))).toBe(
      'INVALID_TOKEN',
    );
  });

  it('refuses tampered, unsigned, HMAC-forged and expired access tokens with 401', async () => {
    const [header, payload, signature] = alice.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const jwks = (await (
      await fetch(`${env.cluster.instances('auth')[0]!.url}/.well-known/jwks.json`)
    ).json()) as {
      keys: Array<{ kid: string; x: string }>;
    };
    const key = jwks.keys[0]!;
    const hs256Header = b64({ alg: 'HS256', kid: key.kid, typ: 'JWT' });
    const hs256Body = b64({ ...claims, sub: 'someone-else' });
    const hs256 = `${hs256Header}.${hs256Body}.${createHmac('sha256', Buffer.from(key.x, 'base64url'))
      .update(`${hs256Header}.${hs256Body}`)
      .digest('base64url')}`;
    const forged = {
      tampered: `${header}.${b64({ ...claims, sub: randomUUID() })}.${signature}`,
      unsigned: `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      hs256,
      garbage: 'not.a.token',
    };
    for (const [name, token] of Object.entries(forged)) {
      const response = await fetch(`${env.cluster.gatewayUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      expect(response.status, name).toBe(401);
      expect(code((await response.json()) as never), name).toBe('INVALID_TOKEN');
    }
    // ACCESS_TOKEN_TTL_S is 3 here.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const expired = await alice.client.graphql('{ me { id } }');
    expect(expired.status).toBe(401);
    expect(code(expired)).toBe('INVALID_TOKEN');
    const fresh = await env.client.graphql<{ login: { accessToken: string } }>(loginMutation, {
      email: alice.email,
      password: alice.password,
    });
    alice.client.token = fresh.data!.login.accessToken;
  });

  it('treats a forged identity header sent straight to a subgraph as anonymous', async () => {
    const forged = `v1.${b64({ u: alice.userId, ip: '1.2.3.4', t: Date.now() })}.bm90LXNpZ25lZA`;
    const gallery = env.cluster.instances('gallery')[0]!;
    const response = await fetch(`${gallery.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-pixelflow-identity': forged },
      body: JSON.stringify({ query: 'mutation { deleteImage(id: "00000000-0000-4000-8000-000000000000") }' }),
    });
    expect(code((await response.json()) as never)).toBe('UNAUTHENTICATED');
  });
});

describe('subscriptions', () => {
  it('authenticate in connection_init, and see only their own or anonymous jobs', async () => {
    const bob = await register(env.cluster.gatewayUrl);
    const login = await env.client.graphql<{ login: { accessToken: string } }>(loginMutation, {
      email: alice.email,
      password: alice.password,
    });
    alice.client.token = login.data!.login.accessToken;
    const { data } = await alice.client.convert(photo('mate/nature/Garden.jpg'), 'grayscale');
    const aliceJob = data!.convertImage.id;

    const own = alice.client.subscribe(aliceJob);
    await own.until((e) => e.status === 'SUCCEEDED');
    for (const stranger of [bob.client, new PixelflowClient(env.cluster.gatewayUrl)]) {
      const subscription = stranger.subscribe(aliceJob);
      await subscription.done;
      expect(subscription.events).toEqual([]);
      expect(subscription.errors[0]?.extensions?.code).toBe('JOB_NOT_FOUND');
      expect((await stranger.poll(aliceJob)).outcome).toBe('JobNotFound');
      await stranger.close();
    }

    const anonymousJob = (await env.client.convert(photo('mate/nature/Garden.jpg'), 'flip')).data!
      .convertImage.id;
    const seenByBob = bob.client.subscribe(anonymousJob);
    expect((await seenByBob.until((e) => e.status === 'SUCCEEDED')).id).toBe(anonymousJob);

    // A bad token in connection_init closes the socket.
    const intruder = new PixelflowClient(env.cluster.gatewayUrl, 'not-a-token');
    const refused = intruder.subscribe(anonymousJob);
    await refused.done;
    expect(refused.events).toEqual([]);
    expect(refused.errors.length).toBeGreaterThan(0);
    await intruder.close();
  });
});

describe('browser sessions (/auth/*): the refresh token in an HttpOnly cookie', () => {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${env.cluster.gatewayUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const cookieOf = (response: Response) => response.headers.get('set-cookie') ?? '';
  const tokenIn = (setCookie: string) => /pixelflow_refresh=([^;]*)/.exec(setCookie)?.[1] ?? '';

  it('signs in with a cookie the page cannot read, refreshes once per token, and signs out', async () => {
    const login = await post('/auth/login', { email: alice.email, password: alice.password });
    expect(login.status).toBe(200);
    const session = (await login.json()) as { accessToken: string; expiresAt: string; user: { id: string } };
    expect(session.user.id).toBe(alice.userId);
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now());
    expect(JSON.stringify(session)).not.toContain('refreshToken');
    const setCookie = cookieOf(login);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/auth/);
    const first = tokenIn(setCookie);
    expect(first.length).toBeGreaterThan(20);

    // The access token works on GraphQL.
    const me = await new PixelflowClient(env.cluster.gatewayUrl, session.accessToken).graphql<{
      me: { id: string };
    }>('{ me { id } }');
    expect(me.data?.me.id).toBe(alice.userId);

    const refreshed = await post('/auth/refresh', {}, { cookie: `pixelflow_refresh=${first}` });
    expect(refreshed.status).toBe(200);
    const second = tokenIn(cookieOf(refreshed));
    expect(second).not.toBe(first);
    expect(((await refreshed.json()) as { user: { id: string } }).user.id).toBe(alice.userId);

    // The first token again: refused, the cookie cleared, and the whole sign-in revoked.
    const replay = await post('/auth/refresh', {}, { cookie: `pixelflow_refresh=${first}` });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('INVALID_TOKEN');
    expect(cookieOf(replay)).toMatch(/Max-Age=0/);
    const revoked = await post('/auth/refresh', {}, { cookie: `pixelflow_refresh=${second}` });
    expect(revoked.status).toBe(401);

    const again = tokenIn(
      cookieOf(await post('/auth/login', { email: alice.email, password: alice.password })),
    );
    const logout = await post('/auth/logout', {}, { cookie: `pixelflow_refresh=${again}` });
    expect(logout.status).toBe(204);
    expect(cookieOf(logout)).toMatch(/Max-Age=0/);
    expect((await post('/auth/refresh', {}, { cookie: `pixelflow_refresh=${again}` })).status).toBe(401);
  });

  it('answers bad input with a JSON error, and wants a JSON content type', async () => {
    // An account of its own: wrong passwords count towards its lockout.
    const bob = await register(env.cluster.gatewayUrl);
    const wrong = await post('/auth/login', { email: bob.email, password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('INVALID_CREDENTIALS');
    const missing = await post('/auth/login', { email: bob.email });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('BAD_USER_INPUT');
    const noCookie = await post('/auth/refresh', {});
    expect(noCookie.status).toBe(401);
    // A cross-site form post (no preflight) cannot send JSON: such a request is refused.
    const form = await fetch(`${env.cluster.gatewayUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=${encodeURIComponent(bob.email)}&password=${encodeURIComponent(bob.password)}`,
    });
    expect([400, 415]).toContain(form.status);
    expect(cookieOf(form)).toBe('');
  });
});
