/**
 * The browser's sign-in, against the gateway's /auth routes. The access token lives in this
 * object's memory only; the refresh token sits in an HttpOnly cookie that no script can read.
 *
 * A refresh token works once, and presenting a used one again revokes the whole sign-in. So every
 * refresh goes through one shared promise (however many requests find the token stale at once),
 * and across tabs through a Web Lock: tabs share the cookie, so two tabs refreshing together would
 * present the same token twice.
 *
 * Only the server's refusal of the refresh token (HTTP 401) ends the sign-in. Any other failure
 * (no network, a timeout, 429, the gateway's 503 while the auth service is down, a proxy's 502)
 * passes: the session and the signed-in hint stay, and the refresh is tried again later.
 */

import type { Session } from '@pixelflow/product';

/** `restoring` until the first refresh on page load answers. */
export type SessionStatus = 'restoring' | 'signed-in' | 'signed-out';

/** A refusal from an /auth route, with the gateway's error code (or NETWORK_ERROR). */
export class AuthError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    /** The HTTP status of the answer; absent when none came (NETWORK_ERROR). */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface SessionManagerOptions {
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Where the /auth routes are. @default '' (this origin) */
  baseUrl?: string;
  /** How long before expiry the token is refreshed. @default 60_000 */
  refreshMarginMs?: number;
  /** Wait before trying again when a refresh failed for want of a network. @default 15_000 */
  retryDelayMs?: number;
  /**
   * Runs a refresh while holding a lock shared by every tab of this origin.
   * @default navigator.locks where the browser has it, else no lock
   */
  withLock?: <T>(task: () => Promise<T>) => Promise<T>;
  /**
   * Tells other tabs about sign-ins and sign-outs so that they adopt them without a refresh of
   * their own. @default a BroadcastChannel where the browser has one
   */
  channel?: Pick<BroadcastChannel, 'postMessage' | 'close'> & {
    onmessage: ((event: MessageEvent) => void) | null;
  };
  /**
   * Remembers, across reloads, that this browser holds a sign-in, so that a page load asks
   * /auth/refresh only then (an anonymous visitor's browser would log a 401 every time).
   * null: always ask. @default a flag in localStorage
   */
  hint?: SignedInHint | null;
  /** @default Date.now */
  now?: () => number;
}

/** Whether this browser may hold a refresh cookie; not a secret (the cookie is). */
export interface SignedInHint {
  get(): boolean;
  set(signedIn: boolean): void;
}

const HINT_KEY = 'pixelflow-signed-in';

function defaultHint(): SignedInHint | null {
  try {
    const storage = globalThis.localStorage;
    if (!storage) return null;
    return {
      get: () => storage.getItem(HINT_KEY) === '1',
      set: (signedIn) => (signedIn ? storage.setItem(HINT_KEY, '1') : storage.removeItem(HINT_KEY)),
    };
  } catch {
    // Storage refused (privacy settings): ask the server every time.
    return null;
  }
}

/** How long an /auth request may take: a refresh holds a lock that every tab waits on. */
const REQUEST_TIMEOUT_MS = 15_000;

/** The server refused the refresh token itself (not a passing failure): the sign-in is over. */
function isRefusal(error: unknown): boolean {
  return (
    error instanceof AuthError &&
    (error.status === 401 || error.code === 'INVALID_TOKEN' || error.code === 'UNAUTHENTICATED')
  );
}

type Listener = () => void;
/**
 * `generation`: the sign-outs the sender knew of (see SessionManager#generation). A session from a
 * refresh carries the count from when that refresh began; one from a sign-in carries none, as no
 * earlier sign-out makes a new sign-in stale.
 */
type ChannelMessage =
  | { type: 'session'; session: Session; generation?: number }
  | { type: 'signed-out'; generation: number };

const LOCK_NAME = 'pixelflow-session-refresh';

function defaultLock(): SessionManagerOptions['withLock'] {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  return locks ? (task) => locks.request(LOCK_NAME, task) : (task) => task();
}

function defaultChannel(): SessionManagerOptions['channel'] {
  return typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel('pixelflow-session');
}

export class SessionManager {
  #session: Session | null = null;
  #status: SessionStatus = 'restoring';
  #refreshing: Promise<Session | null> | null = null;
  /**
   * Counts the sign-outs this tab knows of, its own and other tabs' (their messages carry theirs;
   * a tab keeps the larger). A refresh that began before a sign-out may still answer after it (in
   * this tab, or in another that broadcasts the session): comparing counts tells such a stale
   * session, which is dropped instead of signing the page in again. A tab opened later starts at 0
   * and catches up from the next message; until then others drop its refreshes, which only costs
   * them a refresh of their own.
   */
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #listeners = new Set<Listener>();
  readonly #fetch: typeof fetch;
  readonly #baseUrl: string;
  readonly #margin: number;
  readonly #retryDelay: number;
  readonly #withLock: NonNullable<SessionManagerOptions['withLock']>;
  readonly #channel: SessionManagerOptions['channel'];
  readonly #now: () => number;
  readonly #hint: SignedInHint | null;

  constructor(options: SessionManagerOptions = {}) {
    this.#fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this.#baseUrl = options.baseUrl ?? '';
    this.#margin = options.refreshMarginMs ?? 60_000;
    this.#retryDelay = options.retryDelayMs ?? 15_000;
    this.#withLock = options.withLock ?? defaultLock()!;
    this.#channel = 'channel' in options ? options.channel : defaultChannel();
    this.#now = options.now ?? Date.now;
    this.#hint = 'hint' in options ? (options.hint ?? null) : defaultHint();
    if (this.#channel) this.#channel.onmessage = (event) => this.#onChannelMessage(event.data);
  }

  get session(): Session | null {
    return this.#session;
  }

  get status(): SessionStatus {
    return this.#status;
  }

  /** Calls `listener` on every change of session or status; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Restores the sign-in a reload lost (the cookie outlives the page); signed out when there is none. */
  async restore(): Promise<Session | null> {
    if (this.#hint && !this.#hint.get()) {
      this.#set(null, 'signed-out');
      return null;
    }
    try {
      return await this.refresh();
    } catch {
      // Offline at load: the page works signed out; a later sign-in or reload tries again, so the
      // hint stays.
      if (this.#status === 'restoring') this.#set(null, 'signed-out', true);
      return null;
    }
  }

  signIn(email: string, password: string): Promise<Session> {
    return this.#start('login', email, password);
  }

  register(email: string, password: string): Promise<Session> {
    return this.#start('register', email, password);
  }

  /**
   * Signs out here and in every tab at once, then revokes the cookie at the gateway under the
   * refresh lock: a refresh in flight in any tab finishes first, so the logout revokes its new
   * cookie, and its session (begun before this sign-out) is dropped as stale.
   */
  async signOut(): Promise<void> {
    this.#generation += 1;
    this.#set(null, 'signed-out');
    this.#broadcast({ type: 'signed-out', generation: this.#generation });
    await this.#withLock(() => this.#request('/auth/logout').catch(() => undefined));
  }

  /**
   * A fresh session, shared by every caller until it settles: the same promise for all who ask
   * while one refresh is in flight. Resolves null (and signs out) when the server refuses the
   * refresh token; rejects, keeping the session, when the network failed.
   */
  refresh(): Promise<Session | null> {
    if (!this.#refreshing) {
      const stale = this.#session?.accessToken;
      const generation = this.#generation;
      this.#refreshing = this.#withLock(async () => {
        // A sign-out came while this one waited for the lock: nothing to refresh.
        if (this.#generation !== generation) return this.#session;
        // Another tab may have refreshed while this one waited for the lock and told us.
        if (this.#session && this.#session.accessToken !== stale) return this.#session;
        return this.#refreshNow(generation);
      }).finally(() => {
        this.#refreshing = null;
      });
    }
    return this.#refreshing;
  }

  /**
   * The access token to send now, refreshed first when it is about to expire (a tab asleep past
   * its timer); null when signed out. When that refresh fails for a passing reason, the old token
   * still goes (never none, which would run a signed-in person's request anonymously): a 401 then
   * leads to tokenRejected, which reports the failure.
   */
  async accessToken(): Promise<string | null> {
    if (this.#refreshing) await this.#refreshing.catch(() => null);
    const session = this.#session;
    if (!session) return null;
    if (this.#expiresInMs(session) > 5_000) return session.accessToken;
    try {
      return (await this.refresh())?.accessToken ?? null;
    } catch {
      return this.#session?.accessToken ?? null;
    }
  }

  /**
   * The server refused `rejected` (HTTP 401, INVALID_TOKEN): refreshes once and answers the token
   * to retry with, or null when the sign-in is over (retry without one). Rejects with the refresh's
   * AuthError when it failed for a passing reason (network, 5xx): the request must then fail, not
   * go anonymously. A token that a refresh already replaced is not refreshed again.
   */
  async tokenRejected(rejected: string): Promise<string | null> {
    if (!this.#session) return null;
    if (this.#session.accessToken !== rejected) return this.#session.accessToken;
    return (await this.refresh())?.accessToken ?? null;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#channel?.close();
    this.#listeners.clear();
  }

  async #refreshNow(generation: number): Promise<Session | null> {
    try {
      const session = await this.#request<Session>('/auth/refresh', {});
      // A sign-out came while the refresh was on its way: its session is stale.
      if (this.#generation !== generation) return this.#session;
      this.#adopt(session, generation);
      return session;
    } catch (error) {
      if (this.#generation !== generation) return this.#session;
      if (isRefusal(error)) {
        this.#generation += 1;
        this.#set(null, 'signed-out');
        this.#broadcast({ type: 'signed-out', generation: this.#generation });
        return null;
      }
      if (this.#session) this.#schedule(this.#retryDelay);
      throw error;
    }
  }

  async #start(action: 'login' | 'register', email: string, password: string): Promise<Session> {
    const session = await this.#request<Session>(`/auth/${action}`, { email, password });
    this.#adopt(session);
    return session;
  }

  /** `generation`: where the session came from a refresh, the count from when it began. */
  #adopt(session: Session, generation?: number): void {
    this.#set(session, 'signed-in');
    this.#schedule(Math.max(0, this.#expiresInMs(session) - this.#margin));
    this.#broadcast({ type: 'session', session, generation });
  }

  #onChannelMessage(message: ChannelMessage): void {
    if (message.type === 'signed-out') {
      // At least one more than before, so that this tab's refresh in flight counts as stale even
      // where the sender's count was behind.
      this.#generation = Math.max(this.#generation + 1, message.generation);
      this.#set(null, 'signed-out');
      return;
    }
    // A refresh that began before a sign-out this tab knows of: stale.
    if (message.generation !== undefined && message.generation < this.#generation) return;
    this.#generation = Math.max(this.#generation, message.generation ?? 0);
    this.#set(message.session, 'signed-in');
    this.#schedule(Math.max(0, this.#expiresInMs(message.session) - this.#margin));
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh().catch(() => undefined), delayMs);
  }

  #expiresInMs(session: Session): number {
    return Date.parse(session.expiresAt) - this.#now();
  }

  #set(session: Session | null, status: SessionStatus, keepHint = false): void {
    if (!session) clearTimeout(this.#timer);
    if (!keepHint) this.#hint?.set(session !== null);
    this.#session = session;
    this.#status = status;
    for (const listener of this.#listeners) listener();
  }

  #broadcast(message: ChannelMessage): void {
    this.#channel?.postMessage(message);
  }

  /** POSTs JSON to an /auth route (which wants that content type); the answer, or an AuthError. */
  async #request<T = void>(path: string, body: unknown = {}): Promise<T> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        credentials: 'same-origin',
        // A timeout counts as a network error.
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      throw new AuthError('NETWORK_ERROR', 'Could not reach the server. Check your connection.');
    }
    if (response.status === 204) return undefined as T;
    const answer = (await response.json().catch(() => null)) as
      | (T & { error?: undefined })
      | { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
      | null;
    if (!response.ok || !answer || answer.error) {
      const error = answer?.error;
      throw new AuthError(
        error?.code ?? `HTTP_${response.status}`,
        error?.message ?? `The server answered ${response.status}.`,
        error?.details,
        response.status,
      );
    }
    return answer as T;
  }
}
