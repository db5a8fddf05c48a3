import { type Migration, migrate, type Sql } from '@pixelflow/drivers';

/** Everything of the auth service lives in this PostgreSQL schema. */
export const AUTH_SCHEMA = 'auth';

/** Plain SQL that PostgreSQL 15 (Debian's server) and 18 (PGlite) both accept. Append, never edit. */
export const authMigrations: readonly Migration[] = [
  {
    id: '0001_users',
    sql: `
      CREATE TABLE auth.users (
        id uuid PRIMARY KEY,
        -- Normalised (NFC, trimmed, lowercase) before it gets here, so the unique index is the
        -- race-free duplicate check.
        email text NOT NULL CONSTRAINT users_email_key UNIQUE,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    id: '0002_refresh_tokens',
    sql: `
      -- One family per sign-in; every rotation of its refresh token stays in it. Revoking the
      -- family (logout, reuse of a used token) ends every token in it at once.
      CREATE TABLE auth.refresh_token_families (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz
      );
      CREATE INDEX refresh_token_families_user_idx ON auth.refresh_token_families (user_id);

      CREATE TABLE auth.refresh_tokens (
        -- SHA-256 of the token: a leaked table grants nothing.
        token_hash bytea PRIMARY KEY,
        family_id uuid NOT NULL REFERENCES auth.refresh_token_families (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz
      );
      CREATE INDEX refresh_tokens_family_idx ON auth.refresh_tokens (family_id);
      CREATE INDEX refresh_tokens_expires_idx ON auth.refresh_tokens (expires_at);
    `,
  },
  {
    id: '0003_signing_keys',
    sql: `
      CREATE TABLE auth.signing_keys (
        kid text PRIMARY KEY,
        public_jwk jsonb NOT NULL,
        -- AES-256-GCM under a key derived from INTERNAL_SECRET: iv (12) || tag (16) || ciphertext.
        private_jwk_encrypted bytea NOT NULL,
        created_at timestamptz NOT NULL,
        -- Set once a newer key signs; published until every token it signed has expired.
        retired_at timestamptz
      );
    `,
  },
  {
    id: '0004_login_attempts',
    sql: `
      -- Fixed-window counters shared by every auth instance. bucket: SHA-256 of the scope and the
      -- subject (a normalised email or a client address), so the table holds no addresses.
      CREATE TABLE auth.login_attempts (
        bucket bytea NOT NULL,
        window_start timestamptz NOT NULL,
        count integer NOT NULL,
        PRIMARY KEY (bucket, window_start)
      );
      CREATE INDEX login_attempts_window_idx ON auth.login_attempts (window_start);
    `,
  },
  {
    id: '0005_login_pairs',
    sql: `
      -- Sign-in failures per account and client address, for the growing waits (rate-limits.ts).
      -- bucket: SHA-256 of the normalised email and the address (its /64 for IPv6).
      CREATE TABLE auth.login_pairs (
        bucket bytea PRIMARY KEY,
        failures integer NOT NULL DEFAULT 0,
        last_failure_at timestamptz,
        -- The pair's next attempt is refused before this, with any password.
        blocked_until timestamptz,
        -- A known address may sign in while the account is past its failure ceiling.
        last_success_at timestamptz
      );
    `,
  },
];

/**
 * Creates the schema and applies the migrations; every instance runs this at start. The schema's
 * creation takes the same kind of advisory lock as the migrations, since two concurrent
 * CREATE SCHEMA IF NOT EXISTS can still collide on PostgreSQL.
 */
export async function migrateAuth(sql: Sql): Promise<string[]> {
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['pixelflow:auth:schema']);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${AUTH_SCHEMA}`);
  });
  return migrate(sql, authMigrations, { table: `${AUTH_SCHEMA}.schema_migrations` });
}
