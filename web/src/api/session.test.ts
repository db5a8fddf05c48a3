import type { Session } from '@pixelflow/product';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthError, SessionManager } from './session.ts';

const MINUTE = 60_000;
const START = Date.parse('2030-01-01T00:00:00Z');

let tokens = 0;
function session(expiresInMs = 15 * MINUTE): Session {
  tokens += 1;
  return {
    accessToken: `access-${tokens}`,
    expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
    user: { id: 'u1', email: 'ada@example.com' },
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A fake gateway for /auth: answers each route from a queue, records every call. */
function fakeAuth() {
  const calls: Array<{ path: string; body: unknown; headers: Headers }> = [];
  const answers: Record<string, Array<() => Response | Promise<Response>>> = {};
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    const path = String(url);
    calls.push({ path, body: JSON.parse(String(init?.body ?? 'null')), headers: new Headers(init?.headers) });
    const next = answers[path]?.shift();
    if (!next) throw new Error(`unexpected ${path}`);
    return next();
  });
  const answer = (path: string, response: () => Response | Promise<Response>) => {
    answers[path] ??= [];
    answers[path].push(response);
  };
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls, answer };
}

const invalidToken = () => json(401, { error: { code: 'INVALID_TOKEN', message: 'refresh token reused' } });

type Channel = NonNullable<ConstructorParameters<typeof SessionManager>[0]>['channel'] & {};

/**
 * BroadcastChannels between "tabs" of one origin. Messages arrive at once, or with `held` only on
 * deliver() (a message still on its way while the other tab goes on).
 */
function channelHub({ held = false } = {}) {
  const channels: Channel[] = [];
  const pending: Array<() => void> = [];
  return {
    channel(): Channel {
      const channel: Channel = {
        onmessage: null,
        postMessage(data: unknown) {
          for (const other of channels) {
            if (other === channel) continue;
            const send = () => other.onmessage?.({ data } as MessageEvent);
            if (held) pending.push(send);
            else send();
          }
        },
        close() {},
      };
      channels.push(channel);
      return channel;
    },
    deliver() {
      for (const send of pending.splice(0)) send();
    },
  };
}

/** One Web Lock for several "tabs", as navigator.locks gives one per origin. */
function sharedLock() {
  let queue = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
}

/** A signed-in hint in memory, starting signed in. */
function memoryHint() {
  const hint = { on: true, get: () => hint.on, set: (on: boolean) => (hint.on = on) };
  return hint;
}

describe('SessionManager', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const manager = (auth: ReturnType<typeof fakeAuth>) =>
    new SessionManager({ fetch: auth.fetch, channel: undefined, withLock: (task) => task(), hint: null });

  it('signs in with JSON and keeps the access token in memory', async () => {
    const auth = fakeAuth();
    const first = session();
    auth.answer('/auth/login', () => json(200, first));
    const sessions = manager(auth);
    const seen: string[] = [];
    sessions.subscribe(() => seen.push(sessions.status));

    await sessions.signIn('ada@example.com', 'correct horse battery');

    expect(auth.calls[0]!.headers.get('content-type')).toBe('application/json');
    expect(auth.calls[0]!.body).toEqual({ email: 'ada@example.com', password: 'correct horse battery' });
    expect(sessions.status).toBe('signed-in');
    expect(await sessions.accessToken()).toBe(first.accessToken);
    expect(seen).toEqual(['signed-in']);
  });

  it('refreshes 60 s before the access token expires, and again before the next one does', async () => {
    const auth = fakeAuth();
    auth.answer('/auth/login', () => json(200, session(15 * MINUTE)));
    const sessions = manager(auth);
    await sessions.signIn('ada@example.com', 'pw');
    const second = session(15 * MINUTE + 14 * MINUTE);
    auth.answer('/auth/refresh', () => json(200, second));

    await vi.advanceTimersByTimeAsync(14 * MINUTE - 1);
    expect(auth.calls.filter((c) => c.path === '/auth/refresh')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(auth.calls.filter((c) => c.path === '/auth/refresh')).toHaveLength(1);
    expect(sessions.session?.accessToken).toBe(second.accessToken);

    const third = session(30 * MINUTE);
    auth.answer('/auth/refresh', () => json(200, third));
    await vi.advanceTimersByTimeAsync(14 * MINUTE);
    expect(auth.calls.filter((c) => c.path === '/auth/refresh')).toHaveLength(2);
    expect(sessions.session?.accessToken).toBe(third.accessToken);
  });

  it('shares one refresh among every caller that asks while it is in flight', async () => {
    const auth = fakeAuth();
    const fresh = session();
    let release!: () => void;
    auth.answer(
      '/auth/refresh',
      () => new Promise<Response>((resolve) => (release = () => resolve(json(200, fresh)))),
    );
    const sessions = manager(auth);

    const callers = [sessions.refresh(), sessions.restore(), sessions.refresh(), sessions.accessToken()];
    await vi.advanceTimersByTimeAsync(0);
    release();
    const results = await Promise.all(callers);

    expect(auth.calls).toHaveLength(1);
    expect(results.slice(0, 3)).toEqual([fresh, fresh, fresh]);
    expect(results[3]).toBe(fresh.accessToken);
  });

  it('refreshes once for many requests rejected with the same token, and hands each the new one', async () => {
    const auth = fakeAuth();
    const first = session();
    auth.answer('/auth/login', () => json(200, first));
    const sessions = manager(auth);
    await sessions.signIn('ada@example.com', 'pw');
    const second = session();
    auth.answer('/auth/refresh', () => json(200, second));

    const retried = await Promise.all([
      sessions.tokenRejected(first.accessToken),
      sessions.tokenRejected(first.accessToken),
      sessions.tokenRejected(first.accessToken),
    ]);

    expect(auth.calls.filter((c) => c.path === '/auth/refresh')).toHaveLength(1);
    expect(retried).toEqual([second.accessToken, second.accessToken, second.accessToken]);
    // A late rejection of the old token does not refresh again.
    expect(await sessions.tokenRejected(first.accessToken)).toBe(second.accessToken);
    expect(auth.calls.filter((c) => c.path === '/auth/refresh')).toHaveLength(1);
  });

  it('signs out when the refresh is refused (401), and stops refreshing', async () => {
    const auth = fakeAuth();
    auth.answer('/auth/login', () => json(200, session()));
    const sessions = manager(auth);
    await sessions.signIn('ada@example.com', 'pw');
    auth.answer('/auth/refresh', invalidToken);

    expect(await sessions.tokenRejected(sessions.session!.accessToken)).toBeNull();
    expect(sessions.session).toBeNull();
    expect(sessions.status).toBe('signed-out');
    expect(await sessions.accessToken()).toBeNull();
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(auth.calls.filter((c) => c.path === '/auth/refresh')).toHaveLength(1);
  });

  it('restores a sign-in on page load from the cookie, or ends signed out without one', async () => {
    const auth = fakeAuth();
    const restored = session();
    auth.answer('/auth/refresh', () => json(200, restored));
    const sessions = manager(auth);
    expect(sessions.status).toBe('restoring');
    expect(await sessions.restore()).toEqual(restored);
    expect(auth.calls[0]).toMatchObject({ path: '/auth/refresh', body: {} });
    expect(auth.calls[0]!.headers.get('content-type')).toBe('application/json');

    const anonymous = fakeAuth();
    anonymous.answer('/auth/refresh', invalidToken);
    const other = manager(anonymous);
    expect(await other.restore()).toBeNull();
    expect(other.status).toBe('signed-out');
  });

  it('keeps the session when a refresh fails for want of a network, and tries again later', async () => {
    const auth = fakeAuth();
    auth.answer('/auth/login', () => json(200, session()));
    const sessions = new SessionManager({
      fetch: auth.fetch,
      channel: undefined,
      withLock: (task) => task(),
      retryDelayMs: 5000,
      hint: null,
    });
    await sessions.signIn('ada@example.com', 'pw');
    auth.answer('/auth/refresh', () => Promise.reject(new TypeError('Failed to fetch')));

    await expect(sessions.refresh()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    expect(sessions.status).toBe('signed-in');

    const fresh = session();
    auth.answer('/auth/refresh', () => json(200, fresh));
    await vi.advanceTimersByTimeAsync(5000);
    expect(sessions.session?.accessToken).toBe(fresh.accessToken);
  });

  it('reports the gateway error code, message and details of a refused sign-in', async () => {
    const auth = fakeAuth();
    auth.answer('/auth/register', () =>
      json(400, { error: { code: 'WEAK_PASSWORD', message: 'too common', details: { reason: 'common' } } }),
    );
    const failure = await manager(auth)
      .register('ada@example.com', 'password123')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthError);
    expect(failure).toMatchObject({
      code: 'WEAK_PASSWORD',
      message: 'too common',
      details: { reason: 'common' },
    });
  });

  it('serializes refreshes across tabs through the lock, and skips one that another tab made', async () => {
    const auth = fakeAuth();
    const order: string[] = [];
    let queue = Promise.resolve();
    // One lock for two "tabs", as navigator.locks gives one per origin.
    const withLock = <T>(task: () => Promise<T>): Promise<T> => {
      const run = queue.then(task);
      queue = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    };
    const channels: Array<{ onmessage: ((event: MessageEvent) => void) | null }> = [];
    const channelFor = () => {
      const channel = {
        onmessage: null as ((event: MessageEvent) => void) | null,
        postMessage(data: unknown) {
          for (const other of channels) if (other !== channel) other.onmessage?.({ data } as MessageEvent);
        },
        close() {},
      };
      channels.push(channel);
      return channel;
    };
    const fresh = session();
    auth.answer('/auth/refresh', () => {
      order.push('refresh');
      return json(200, fresh);
    });
    const tabA = new SessionManager({ fetch: auth.fetch, withLock, channel: channelFor(), hint: null });
    const tabB = new SessionManager({ fetch: auth.fetch, withLock, channel: channelFor(), hint: null });
    tabB.subscribe(() => order.push(`B:${tabB.status}`));

    const [a, b] = await Promise.all([tabA.restore(), tabB.restore()]);

    // One refresh in all: tab B learnt tab A's session and did not present the cookie again.
    expect(auth.calls).toHaveLength(1);
    expect(a).toEqual(fresh);
    expect(b).toEqual(fresh);
    expect(order).toEqual(['refresh', 'B:signed-in']);
  });

  it('signs out at the gateway and tells other tabs', async () => {
    const auth = fakeAuth();
    auth.answer('/auth/login', () => json(200, session()));
    auth.answer('/auth/logout', () => new Response(null, { status: 204 }));
    const posted: unknown[] = [];
    const sessions = new SessionManager({
      fetch: auth.fetch,
      withLock: (task) => task(),
      hint: null,
      channel: { onmessage: null, postMessage: (data: unknown) => posted.push(data), close() {} },
    });
    await sessions.signIn('ada@example.com', 'pw');
    await sessions.signOut();
    expect(auth.calls.map((c) => c.path)).toEqual(['/auth/login', '/auth/logout']);
    expect(sessions.status).toBe('signed-out');
    expect(posted.at(-1)).toMatchObject({ type: 'signed-out' });
  });

  it('asks for a refresh on load only where this browser signed in before (no 401 for visitors)', async () => {
    const auth = fakeAuth();
    let flag = false;
    const hint = { get: () => flag, set: (on: boolean) => (flag = on) };
    const visitor = new SessionManager({ fetch: auth.fetch, channel: undefined, withLock: (t) => t(), hint });
    expect(await visitor.restore()).toBeNull();
    expect(visitor.status).toBe('signed-out');
    expect(auth.calls).toHaveLength(0);

    auth.answer('/auth/login', () => json(200, session()));
    await visitor.signIn('ada@example.com', 'pw');
    expect(flag).toBe(true);

    // A reload: the next page restores; offline, it keeps the hint for the one after.
    const offline = new SessionManager({ fetch: auth.fetch, channel: undefined, withLock: (t) => t(), hint });
    auth.answer('/auth/refresh', () => Promise.reject(new TypeError('Failed to fetch')));
    expect(await offline.restore()).toBeNull();
    expect(flag).toBe(true);

    const next = new SessionManager({ fetch: auth.fetch, channel: undefined, withLock: (t) => t(), hint });
    auth.answer('/auth/refresh', invalidToken);
    expect(await next.restore()).toBeNull();
    expect(flag).toBe(false);
    expect(auth.calls.map((c) => c.path)).toEqual(['/auth/login', '/auth/refresh', '/auth/refresh']);
  });

  it('keeps the session and the hint through 5xx answers to a refresh (auth down, a proxy), and retries', async () => {
    const auth = fakeAuth();
    auth.answer('/auth/login', () => json(200, session()));
    const hint = memoryHint();
    const sessions = new SessionManager({
      fetch: auth.fetch,
      channel: undefined,
      withLock: (task) => task(),
      retryDelayMs: 5000,
      hint,
    });
    await sessions.signIn('ada@example.com', 'pw');
    auth.answer('/auth/refresh', () =>
      json(503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'auth is unavailable' } }),
    );

    await expect(sessions.refresh()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    expect(sessions.status).toBe('signed-in');
    expect(hint.on).toBe(true);

    // The retry meets a proxy's own 502 page (no JSON), then a 500: still signed in.
    auth.answer('/auth/refresh', () => new Response('<html>Bad Gateway</html>', { status: 502 }));
    await vi.advanceTimersByTimeAsync(5000);
    expect(sessions.status).toBe('signed-in');
    auth.answer('/auth/refresh', () =>
      json(500, { error: { code: 'INTERNAL_SERVER_ERROR', message: 'boom' } }),
    );
    await vi.advanceTimersByTimeAsync(5000);
    expect(sessions.status).toBe('signed-in');
    expect(hint.on).toBe(true);

    const fresh = session();
    auth.answer('/auth/refresh', () => json(200, fresh));
    await vi.advanceTimersByTimeAsync(5000);
    expect(sessions.session?.accessToken).toBe(fresh.accessToken);
    expect(auth.calls.filter((c) => c.path === '/auth/refresh')).toHaveLength(4);
  });

  it('keeps the hint when a page load meets a 503, and signs out on a 401 UNAUTHENTICATED', async () => {
    const auth = fakeAuth();
    const hint = memoryHint();
    const load = () =>
      new SessionManager({ fetch: auth.fetch, channel: undefined, withLock: (t) => t(), hint });
    auth.answer('/auth/refresh', () =>
      json(503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'down' } }),
    );
    const first = load();
    expect(await first.restore()).toBeNull();
    expect(first.status).toBe('signed-out');
    expect(hint.on).toBe(true);

    auth.answer('/auth/refresh', () =>
      json(401, { error: { code: 'UNAUTHENTICATED', message: 'no cookie' } }),
    );
    expect(await load().restore()).toBeNull();
    expect(hint.on).toBe(false);
  });

  it('gives an /auth request 15 s, then counts it a network failure and frees the lock', async () => {
    const aborts: AbortController[] = [];
    const timeout = vi.spyOn(AbortSignal, 'timeout').mockImplementation(() => {
      const controller = new AbortController();
      aborts.push(controller);
      return controller.signal;
    });
    try {
      const auth = fakeAuth();
      auth.answer('/auth/login', () => json(200, session()));
      // A gateway that never answers, as fetch does: only the signal ends the wait.
      const hanging = () =>
        new Promise<Response>((_, reject) => {
          const signal = aborts.at(-1)!.signal;
          signal.addEventListener('abort', () => reject(new DOMException('timed out', 'TimeoutError')));
        });
      auth.answer('/auth/refresh', hanging);
      const sessions = manager(auth);
      await sessions.signIn('ada@example.com', 'pw');

      const refresh = sessions.refresh();
      await vi.advanceTimersByTimeAsync(0);
      expect(timeout).toHaveBeenLastCalledWith(15_000);
      aborts.at(-1)!.abort();
      await expect(refresh).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
      expect(sessions.status).toBe('signed-in');

      const fresh = session();
      auth.answer('/auth/refresh', () => json(200, fresh));
      expect(await sessions.refresh()).toEqual(fresh);
    } finally {
      timeout.mockRestore();
    }
  });

  it('fails tokenRejected on a passing refresh failure (no anonymous retry), null only once refused', async () => {
    const auth = fakeAuth();
    const first = session();
    auth.answer('/auth/login', () => json(200, first));
    const sessions = manager(auth);
    await sessions.signIn('ada@example.com', 'pw');

    auth.answer('/auth/refresh', () =>
      json(503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'down' } }),
    );
    await expect(sessions.tokenRejected(first.accessToken)).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    auth.answer('/auth/refresh', () => Promise.reject(new TypeError('Failed to fetch')));
    await expect(sessions.tokenRejected(first.accessToken)).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    expect(sessions.status).toBe('signed-in');

    auth.answer('/auth/refresh', invalidToken);
    expect(await sessions.tokenRejected(first.accessToken)).toBeNull();
    expect(sessions.status).toBe('signed-out');
  });

  it('sends the old token, not none, when the refresh before an expiring one fails for a passing reason', async () => {
    const auth = fakeAuth();
    const first = session(3_000);
    auth.answer('/auth/login', () => json(200, first));
    const sessions = manager(auth);
    await sessions.signIn('ada@example.com', 'pw');
    auth.answer('/auth/refresh', () => Promise.reject(new TypeError('Failed to fetch')));
    expect(await sessions.accessToken()).toBe(first.accessToken);
  });

  it('drops a refresh that another tab finishes after this tab signed out (and logs out after it)', async () => {
    const auth = fakeAuth();
    const hub = channelHub();
    const withLock = sharedLock();
    const first = session();
    auth.answer('/auth/login', () => json(200, first));
    const tabA = new SessionManager({ fetch: auth.fetch, withLock, channel: hub.channel(), hint: null });
    const tabB = new SessionManager({ fetch: auth.fetch, withLock, channel: hub.channel(), hint: null });
    await tabA.signIn('ada@example.com', 'pw');
    expect(tabB.status).toBe('signed-in');

    let release!: () => void;
    auth.answer(
      '/auth/refresh',
      () => new Promise<Response>((resolve) => (release = () => resolve(json(200, session())))),
    );
    auth.answer('/auth/logout', () => new Response(null, { status: 204 }));
    const refreshInB = tabB.refresh();
    await vi.advanceTimersByTimeAsync(0);

    const signOut = tabA.signOut();
    await vi.advanceTimersByTimeAsync(0);
    expect(tabA.status).toBe('signed-out');
    // The logout waits for the refresh under the lock: it must revoke the refresh's new cookie.
    expect(auth.calls.map((c) => c.path)).toEqual(['/auth/login', '/auth/refresh']);

    release();
    expect(await refreshInB).toBeNull();
    await signOut;
    expect(auth.calls.map((c) => c.path)).toEqual(['/auth/login', '/auth/refresh', '/auth/logout']);
    expect([tabA.status, tabB.status]).toEqual(['signed-out', 'signed-out']);
    expect([tabA.session, tabB.session]).toEqual([null, null]);
  });

  it('drops a session broadcast that reaches this tab after it signed out, but adopts a later sign-in', async () => {
    const auth = fakeAuth();
    const hub = channelHub({ held: true });
    const tabA = new SessionManager({
      fetch: auth.fetch,
      withLock: sharedLock(),
      channel: hub.channel(),
      hint: null,
    });
    const tabB = new SessionManager({
      fetch: auth.fetch,
      withLock: sharedLock(),
      channel: hub.channel(),
      hint: null,
    });
    auth.answer('/auth/login', () => json(200, session()));
    await tabA.signIn('ada@example.com', 'pw');
    hub.deliver();
    expect(tabB.status).toBe('signed-in');

    // B refreshes and posts its session; before that reaches A, A signs out.
    auth.answer('/auth/refresh', () => json(200, session()));
    await tabB.refresh();
    auth.answer('/auth/logout', () => new Response(null, { status: 204 }));
    await tabA.signOut();
    hub.deliver();
    expect([tabA.status, tabB.status]).toEqual(['signed-out', 'signed-out']);

    // A sign-in after the sign-out is news to every tab.
    const again = session();
    auth.answer('/auth/login', () => json(200, again));
    await tabB.signIn('ada@example.com', 'pw');
    hub.deliver();
    expect(tabA.session?.accessToken).toBe(again.accessToken);
    // And so are B's refreshes after it.
    const refreshed = session();
    auth.answer('/auth/refresh', () => json(200, refreshed));
    await tabB.refresh();
    hub.deliver();
    expect(tabA.session?.accessToken).toBe(refreshed.accessToken);
  });
});
