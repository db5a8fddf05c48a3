import { randomUUID } from 'node:crypto';
import type { Sql, SqlExecutor } from '@pixelflow/drivers';

/** What presenting a refresh token came to. Only `rotated` hands out a new one. */
export type RotateOutcome =
  | { status: 'rotated'; userId: string; familyId: string }
  /** Not in the table (never issued, or purged long after it expired). */
  | { status: 'unknown' }
  | { status: 'expired' }
  /** Its family was revoked (logout, or an earlier reuse). */
  | { status: 'revoked' }
  /** It had been used already: the family is revoked now, the newest token of it included. */
  | { status: 'reused'; userId: string; familyId: string };

interface NewToken {
  hash: Buffer;
  expiresAt: Date;
}

/**
 * Refresh tokens, stored as SHA-256 hashes, in families. Every change to a family runs in one
 * transaction that first locks the family's row: two uses of one token, or a use and a logout,
 * take turns, and a revocation cannot miss a token issued concurrently.
 */
export class RefreshTokenStore {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** Starts a family (a sign-in) with its first token; answers the family's id. */
  async startFamily(userId: string, token: NewToken, now: Date): Promise<string> {
    const familyId = randomUUID();
    await this.#sql.transaction(async (tx) => {
      await tx.query(
        'INSERT INTO auth.refresh_token_families (id, user_id, created_at) VALUES ($1, $2, $3)',
        [familyId, userId, now.toISOString()],
      );
      await insertToken(tx, { familyId, userId, token, now });
    });
    return familyId;
  }

  /**
   * Marks the presented token used and issues `next` in its family, or, for a token already used,
   * revokes the whole family (a stolen token was replayed, or the client raced itself).
   */
  rotate(presented: Buffer, next: NewToken, now: Date): Promise<RotateOutcome> {
    return this.#sql.transaction(async (tx) => {
      const family = await lockFamilyOf(tx, presented);
      if (!family) return { status: 'unknown' };
      const { familyId, userId } = family;
      if (family.revoked) return { status: 'revoked' };
      // Read after the lock: under READ COMMITTED this sees what the previous holder committed.
      const [token] = await tx.query<{ used: boolean; expired: boolean; revoked: boolean }>(
        `SELECT used_at IS NOT NULL AS used, expires_at <= $2::timestamptz AS expired,
                revoked_at IS NOT NULL AS revoked
         FROM auth.refresh_tokens WHERE token_hash = $1`,
        [presented, now.toISOString()],
      );
      if (!token || token.revoked) return { status: 'revoked' };
      if (token.used) {
        await revokeFamily(tx, familyId, now);
        return { status: 'reused', userId, familyId };
      }
      if (token.expired) return { status: 'expired' };
      await tx.query('UPDATE auth.refresh_tokens SET used_at = $2 WHERE token_hash = $1', [
        presented,
        now.toISOString(),
      ]);
      await insertToken(tx, { familyId, userId, token: next, now });
      return { status: 'rotated', userId, familyId };
    });
  }

  /** Revokes the family of the token; false when the token is unknown or its family was revoked already. */
  revokeFamilyOf(presented: Buffer, now: Date): Promise<boolean> {
    return this.#sql.transaction(async (tx) => {
      const family = await lockFamilyOf(tx, presented);
      if (!family || family.revoked) return false;
      await revokeFamily(tx, family.familyId, now);
      return true;
    });
  }

  /** Deletes tokens expired before `before`, and families left without tokens; answers how many tokens. */
  async purgeExpired(before: Date): Promise<number> {
    const deleted = await this.#sql.query<{ n: string | number }>(
      `WITH gone AS (DELETE FROM auth.refresh_tokens WHERE expires_at < $1 RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      [before.toISOString()],
    );
    await this.#sql.query(
      `DELETE FROM auth.refresh_token_families f
       WHERE f.created_at < $1
         AND NOT EXISTS (SELECT 1 FROM auth.refresh_tokens t WHERE t.family_id = f.id)`,
      [before.toISOString()],
    );
    return Number(deleted[0]?.n ?? 0);
  }
}

async function lockFamilyOf(
  tx: SqlExecutor,
  presented: Buffer,
): Promise<{ familyId: string; userId: string; revoked: boolean } | undefined> {
  // A token's family never changes, so reading it before the lock is safe.
  const [token] = await tx.query<{ family_id: string }>(
    'SELECT family_id FROM auth.refresh_tokens WHERE token_hash = $1',
    [presented],
  );
  if (!token) return undefined;
  const [family] = await tx.query<{ user_id: string; revoked: boolean }>(
    `SELECT user_id, revoked_at IS NOT NULL AS revoked
     FROM auth.refresh_token_families WHERE id = $1 FOR UPDATE`,
    [token.family_id],
  );
  if (!family) return undefined;
  return { familyId: token.family_id, userId: family.user_id, revoked: family.revoked };
}

async function revokeFamily(tx: SqlExecutor, familyId: string, now: Date): Promise<void> {
  const at = now.toISOString();
  await tx.query(
    'UPDATE auth.refresh_token_families SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL',
    [familyId, at],
  );
  await tx.query(
    'UPDATE auth.refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL',
    [familyId, at],
  );
}

async function insertToken(
  tx: SqlExecutor,
  { familyId, userId, token, now }: { familyId: string; userId: string; token: NewToken; now: Date },
): Promise<void> {
  await tx.query(
    `INSERT INTO auth.refresh_tokens (token_hash, family_id, user_id, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5)`,
    [token.hash, familyId, userId, now.toISOString(), token.expiresAt.toISOString()],
  );
}
