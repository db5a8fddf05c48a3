import type { Sql } from '@pixelflow/drivers';
import { createSubgraphService, type SubgraphServiceBase } from '@pixelflow/graphql-kit';
import type { HttpService } from '@pixelflow/service-kit';
import { Accounts } from './accounts.ts';
import type { AuthContext } from './context.ts';
import type { AuthSettings } from './env.ts';
import { createDummyHash } from './passwords.ts';
import { LoginLimiter, type LoginLimits } from './rate-limits.ts';
import { resolvers } from './resolvers/index.ts';
import { registerJwksRoute } from './routes.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { KeyRing } from './signing-keys.ts';
import { AttemptStore } from './store/attempt-store.ts';
import { migrateAuth } from './store/migrations.ts';
import { RefreshTokenStore } from './store/refresh-token-store.ts';
import { SigningKeyStore } from './store/signing-key-store.ts';
import { UserStore } from './store/user-store.ts';

// For bench/: sign-ins per second at exactly the production cost.
export { hashPassword, PASSWORD_HASH_OPTIONS, verifyPassword } from './passwords.ts';
export { JWKS_PATH } from './routes.ts';
export { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from './signing-keys.ts';
export type { LoginLimits };

/**
 * `internalSecret` also encrypts the signing keys at rest (through HKDF). The settings
 * (AuthSettings) have their defaults in env.ts only: `authSettings.defaults`.
 */
export interface AuthServiceOptions extends SubgraphServiceBase, AuthSettings {
  sql: Sql;
  /** How often the signing keys are re-read and rotated when due. @default 60000 */
  keyRefreshMs?: number;
  /** How often expired refresh tokens and spent rate-limit state are deleted. @default 3600000 */
  purgeIntervalMs?: number;
  /** The clock; tests move it. @default () => new Date() */
  now?: () => Date;
}

export interface AuthService extends HttpService {
  /** What the timers do: rotate and reload the signing keys, delete expired rows. */
  maintain(): Promise<void>;
}

/**
 * The auth subgraph: accounts, sign-in with rate limits, access tokens (EdDSA) and rotating refresh
 * tokens, the JWKS at `/.well-known/jwks.json`, and the internal session API the gateway's browser
 * sessions use (session-routes.ts). Migrates its PostgreSQL schema `auth` at start.
 */
export async function createAuthService(options: AuthServiceOptions): Promise<AuthService> {
  const {
    sql,
    logger,
    internalSecret,
    accessTokenTtlS,
    refreshTokenTtlS,
    keyRotationDays,
    keyPublishLeadS,
    keyRefreshMs = 60_000,
    purgeIntervalMs = 3_600_000,
    now = () => new Date(),
  } = options;

  const applied = await migrateAuth(sql);
  if (applied.length > 0) logger.info({ migrations: applied }, 'auth migrations applied');

  const keys = new KeyRing({
    store: new SigningKeyStore(sql),
    internalSecret,
    logger,
    now,
    policy: {
      rotationMs: keyRotationDays * 86_400_000,
      publishLeadMs: keyPublishLeadS * 1000,
      accessTokenTtlMs: accessTokenTtlS * 1000,
    },
  });
  await keys.refresh();
  const accounts = new Accounts({
    users: new UserStore(sql),
    refreshTokens: new RefreshTokenStore(sql),
    keys,
    limiter: new LoginLimiter(new AttemptStore(sql), options.loginLimits),
    dummyHash: await createDummyHash(),
    refreshTokenTtlMs: refreshTokenTtlS * 1000,
    logger,
    now,
  });

  const { service } = await createSubgraphService<AuthContext>({
    ...options,
    name: 'auth',
    schemaFile: new URL('./schema.graphql', import.meta.url),
    resolvers,
    context: (identity) => ({ identity, accounts, logger }),
    readiness: () => sql.ping(),
  });
  registerJwksRoute(service.app, keys);
  registerSessionRoutes(service.app, { accounts, internalSecret, refreshTokenTtlS });

  const every = (ms: number, what: string, step: () => Promise<void>) => {
    const timer = setInterval(() => {
      step().catch((error: unknown) => logger.warn({ err: error }, `${what} failed; retrying later`));
    }, ms);
    timer.unref();
    service.onDrain(() => clearInterval(timer));
  };
  // A failed refresh keeps the keys in memory: signing and the JWKS go on while PostgreSQL is away.
  every(keyRefreshMs, 'signing key refresh', () => keys.refresh());
  every(purgeIntervalMs, 'purge of expired tokens', () => accounts.purge());

  return Object.assign(service, {
    async maintain() {
      await keys.refresh();
      await accounts.purge();
    },
  });
}
