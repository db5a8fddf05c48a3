import type { Sql, SqlExecutor } from '@pixelflow/drivers';
import type { JWK } from 'jose';

export interface StoredSigningKey {
  kid: string;
  publicJwk: JWK;
  /** AES-256-GCM ciphertext of the private JWK; see key-encryption.ts. */
  privateJwkEncrypted: Buffer;
  createdAt: Date;
  retiredAt: Date | null;
}

interface KeyRow extends Record<string, unknown> {
  kid: string;
  public_jwk: JWK | string;
  private_jwk_encrypted: Buffer;
  created_ms: number;
  retired_ms: number | null;
}

// Epoch milliseconds as float8: pg and PGlite both answer a plain number for it.
const columns = `kid, public_jwk, private_jwk_encrypted,
  (extract(epoch FROM created_at) * 1000)::float8 AS created_ms,
  (extract(epoch FROM retired_at) * 1000)::float8 AS retired_ms`;

const toKey = (row: KeyRow): StoredSigningKey => ({
  kid: row.kid,
  publicJwk: typeof row.public_jwk === 'string' ? (JSON.parse(row.public_jwk) as JWK) : row.public_jwk,
  privateJwkEncrypted: Buffer.from(row.private_jwk_encrypted),
  createdAt: new Date(Number(row.created_ms)),
  retiredAt: row.retired_ms === null ? null : new Date(Number(row.retired_ms)),
});

async function listKeys(sql: SqlExecutor): Promise<StoredSigningKey[]> {
  const rows = await sql.query<KeyRow>(`SELECT ${columns} FROM auth.signing_keys ORDER BY created_at, kid`);
  return rows.map(toKey);
}

/** What may change the key set: only inside `SigningKeyStore.exclusive`. */
export interface SigningKeyWriter {
  list(): Promise<StoredSigningKey[]>;
  insert(key: StoredSigningKey): Promise<void>;
  retire(kids: readonly string[], at: Date): Promise<void>;
}

export class SigningKeyStore {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** Every key, oldest first. */
  list(): Promise<StoredSigningKey[]> {
    return listKeys(this.#sql);
  }

  /**
   * Runs `fn` in a transaction holding an advisory lock, so that instances starting or rotating at
   * once see each other's new key instead of each adding one.
   */
  exclusive<T>(fn: (writer: SigningKeyWriter) => Promise<T>): Promise<T> {
    return this.#sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['pixelflow:auth:signing-keys']);
      return fn({
        list: () => listKeys(tx),
        async insert(key) {
          await tx.query(
            `INSERT INTO auth.signing_keys (kid, public_jwk, private_jwk_encrypted, created_at, retired_at)
             VALUES ($1, $2::jsonb, $3, $4, $5)`,
            [
              key.kid,
              JSON.stringify(key.publicJwk),
              key.privateJwkEncrypted,
              key.createdAt.toISOString(),
              key.retiredAt?.toISOString() ?? null,
            ],
          );
        },
        async retire(kids, at) {
          if (kids.length === 0) return;
          await tx.query(
            'UPDATE auth.signing_keys SET retired_at = $2 WHERE kid = ANY($1::text[]) AND retired_at IS NULL',
            [kids, at.toISOString()],
          );
        },
      });
    });
  }
}
