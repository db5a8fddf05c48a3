import { AppError } from '@pixelflow/errors';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey, jwtVerify } from 'jose';

/** The only algorithm access tokens are signed with (Ed25519); every other `alg` is refused. */
export const ACCESS_TOKEN_ALGORITHM = 'EdDSA';
export const DEFAULT_ISSUER = 'pixelflow';
export const DEFAULT_AUDIENCE = 'pixelflow';

export interface TokenVerifierOptions {
  /** Where the auth service publishes its public keys, e.g. `http://auth:4003/.well-known/jwks.json`. */
  jwksUrl: string;
  /** @default 'pixelflow' */
  issuer?: string;
  /** @default 'pixelflow' */
  audience?: string;
  /**
   * How often the key set is fetched again in the background. A failed fetch keeps the last good
   * key set, however old: tokens keep verifying while the auth service is down.
   * @default 60000
   */
  refreshIntervalMs?: number;
  /**
   * A token signed by a key not in the set makes the verifier fetch the set again at once (a new key
   * may have just been published), but at most once per this many milliseconds, so that tokens with
   * made-up key ids cannot make it hammer the auth service.
   * @default 10000
   */
  unknownKeyRefetchMs?: number;
  /**
   * While no key set was ever fetched (the gateway started before the auth service answered, as
   * pods of a new release do), every signed-in request fails: then a request fetches again if the
   * last try is this old, rather than waiting out unknownKeyRefetchMs or the background refresh.
   * One fetch at a time, whatever the traffic.
   * @default 1000
   */
  missingKeysRefetchMs?: number;
  /**
   * How long one fetch of the key set may take.
   * @default 5000
   */
  fetchTimeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;
}

/** What a valid access token says about its bearer. */
export interface VerifiedAccessToken {
  userId: string;
  email?: string;
}

export interface TokenVerifier {
  /**
   * The bearer of a valid access token. Rejects with INVALID_TOKEN for a token that is malformed,
   * expired, not yet valid, signed by an unknown key or with another algorithm, or meant for
   * another issuer or audience; with SERVICE_UNAVAILABLE while no key set was ever fetched.
   */
  verify(token: string): Promise<VerifiedAccessToken>;
  /**
   * Fetches the key set and starts refreshing it in the background. Rejects when the first fetch
   * fails; the background refresh runs anyway and picks the keys up once the auth service answers.
   */
  start(): Promise<void>;
  /** Stops the background refresh. */
  stop(): void;
  /** Whether a key set was fetched at least once. */
  ready(): boolean;
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { keys?: unknown }).keys) &&
    (value as { keys: unknown[] }).keys.every((key) => typeof key === 'object' && key !== null)
  );
}

const invalid = (message: string) => new AppError('INVALID_TOKEN', message);

/**
 * Verifies Pixelflow access tokens against the auth service's JWKS, kept in memory. Imports nothing
 * of the auth service: the JWKS URL and the claims are the contract.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const {
    jwksUrl,
    issuer = DEFAULT_ISSUER,
    audience = DEFAULT_AUDIENCE,
    refreshIntervalMs = 60_000,
    unknownKeyRefetchMs = 10_000,
    missingKeysRefetchMs = 1000,
    fetchTimeoutMs = 5000,
    fetch: fetchImpl = globalThis.fetch,
  } = options;

  let keys: JWTVerifyGetKey | undefined;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function fetchKeySet(): Promise<void> {
    const response = await fetchImpl(jwksUrl, { signal: AbortSignal.timeout(fetchTimeoutMs) });
    if (!response.ok) throw new Error(`GET ${jwksUrl} answered ${response.status}`);
    const body: unknown = await response.json();
    if (!isKeySet(body)) throw new Error(`GET ${jwksUrl} did not answer a JSON Web Key Set`);
    keys = createLocalJWKSet(body);
  }

  /** One fetch at a time; concurrent callers share it. A failure keeps the previous key set. */
  function refresh(): Promise<void> {
    inFlight ??= (async () => {
      lastAttemptAt = Date.now();
      try {
        await fetchKeySet();
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  }

  /** Refreshes unless one was tried within `minIntervalMs`; never throws. */
  async function refreshSoon(minIntervalMs = unknownKeyRefetchMs): Promise<void> {
    if (inFlight) return inFlight.catch(() => {});
    if (Date.now() - lastAttemptAt < minIntervalMs) return;
    await refresh().catch(() => {});
  }

  async function verifyWith(getKey: JWTVerifyGetKey, token: string): Promise<VerifiedAccessToken> {
    const { payload } = await jwtVerify(token, getKey, {
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer,
      audience,
      requiredClaims: ['sub', 'exp'],
    });
    if (typeof payload.sub !== 'string' || payload.sub === '')
      throw invalid('the access token has no subject');
    return typeof payload.email === 'string'
      ? { userId: payload.sub, email: payload.email }
      : { userId: payload.sub };
  }

  return {
    async verify(token) {
      if (typeof token !== 'string' || token === '') throw invalid('the access token is empty');
      if (!keys) await refreshSoon(missingKeysRefetchMs);
      if (!keys) {
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'the signing keys of the auth service could not be fetched yet; retry later',
        );
      }
      try {
        try {
          return await verifyWith(keys, token);
        } catch (error) {
          // A key published after our last fetch: fetch again (rate-limited) and retry once.
          if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
          await refreshSoon();
          return await verifyWith(keys, token);
        }
      } catch (error) {
        if (error instanceof AppError) throw error;
        if (error instanceof errors.JWTExpired) throw invalid('the access token has expired');
        if (error instanceof errors.JWKSNoMatchingKey)
          throw invalid('the access token is signed by an unknown key');
        if (error instanceof errors.JOSEError) throw invalid(`the access token is invalid (${error.code})`);
        throw invalid('the access token is malformed');
      }
    },
    async start() {
      if (!timer) {
        timer = setInterval(() => void refresh().catch(() => {}), refreshIntervalMs);
        timer.unref();
      }
      await refresh();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    ready: () => keys !== undefined,
  };
}
