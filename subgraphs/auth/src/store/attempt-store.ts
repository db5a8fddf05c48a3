import type { Sql } from '@pixelflow/drivers';

export interface ReserveRules {
  /** Failures older than this are forgotten before counting the new one. */
  forgetBefore: Date;
  /** The wait, in ms, the pair owes after its `failures`-th failure (0 for none). */
  delayMs: (failures: number) => number;
}

export interface PurgeBefore {
  /** Fixed windows that started before this are over. */
  windowsBefore: Date;
  /** Pairs whose last failure was before this, */
  failuresBefore: Date;
  /** whose last success was before this, */
  successesBefore: Date;
  /** and whose wait is over at this time, hold nothing worth keeping. */
  now: Date;
}

/**
 * The sign-in throttle's state in PostgreSQL, so that every auth instance counts against the same
 * limits: fixed-window counters (auth.login_attempts) and per account-and-address failure records
 * (auth.login_pairs). Buckets are SHA-256 digests made by the caller.
 */
export class AttemptStore {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** Adds one to the bucket's counter for the window (created at 1) and answers the new count. */
  async hit(bucket: Buffer, windowStart: Date): Promise<number> {
    const [row] = await this.#sql.query<{ count: number }>(
      `INSERT INTO auth.login_attempts (bucket, window_start, count) VALUES ($1, $2, 1)
       ON CONFLICT (bucket, window_start) DO UPDATE SET count = auth.login_attempts.count + 1
       RETURNING count`,
      [bucket, windowStart.toISOString()],
    );
    return Number(row?.count ?? 1);
  }

  /** The bucket's counter for the window; 0 when nothing was counted. */
  async count(bucket: Buffer, windowStart: Date): Promise<number> {
    const [row] = await this.#sql.query<{ count: number }>(
      'SELECT count FROM auth.login_attempts WHERE bucket = $1 AND window_start = $2',
      [bucket, windowStart.toISOString()],
    );
    return Number(row?.count ?? 0);
  }

  /**
   * Takes the pair's next attempt, unless it still has to wait: then answers when the wait ends
   * and changes nothing. The attempt counts as a failure at once (a success undoes that), under
   * the pair's row lock, so that concurrent attempts cannot all pass one free slot.
   */
  reserve(bucket: Buffer, now: Date, rules: ReserveRules): Promise<{ blockedUntil: Date | null }> {
    return this.#sql.transaction(async (tx) => {
      await tx.query('INSERT INTO auth.login_pairs (bucket) VALUES ($1) ON CONFLICT (bucket) DO NOTHING', [
        bucket,
      ]);
      const [row] = await tx.query<{
        failures: number;
        last_failure_at: Date | null;
        blocked_until: Date | null;
      }>(
        'SELECT failures, last_failure_at, blocked_until FROM auth.login_pairs WHERE bucket = $1 FOR UPDATE',
        [bucket],
      );
      if (row?.blocked_until && row.blocked_until > now) return { blockedUntil: row.blocked_until };
      const remembered = row?.last_failure_at && row.last_failure_at >= rules.forgetBefore;
      const failures = (remembered ? Number(row.failures) : 0) + 1;
      const delayMs = rules.delayMs(failures);
      await tx.query(
        `UPDATE auth.login_pairs SET failures = $2, last_failure_at = $3, blocked_until = $4
         WHERE bucket = $1`,
        [
          bucket,
          failures,
          now.toISOString(),
          delayMs > 0 ? new Date(now.getTime() + delayMs).toISOString() : null,
        ],
      );
      return { blockedUntil: null };
    });
  }

  /** Forgets the pair's failures and remembers that it signed in at `now`. */
  async succeeded(bucket: Buffer, now: Date): Promise<void> {
    await this.#sql.query(
      `INSERT INTO auth.login_pairs (bucket, last_success_at) VALUES ($1, $2)
       ON CONFLICT (bucket) DO UPDATE
         SET failures = 0, last_failure_at = NULL, blocked_until = NULL, last_success_at = $2`,
      [bucket, now.toISOString()],
    );
  }

  /** Whether the pair signed in at or after `since`. */
  async knownSince(bucket: Buffer, since: Date): Promise<boolean> {
    const rows = await this.#sql.query(
      'SELECT 1 FROM auth.login_pairs WHERE bucket = $1 AND last_success_at >= $2',
      [bucket, since.toISOString()],
    );
    return rows.length > 0;
  }

  /** Deletes finished windows, and pairs with no failure, success or wait left to remember. */
  async purge({ windowsBefore, failuresBefore, successesBefore, now }: PurgeBefore): Promise<void> {
    await this.#sql.query('DELETE FROM auth.login_attempts WHERE window_start < $1', [
      windowsBefore.toISOString(),
    ]);
    await this.#sql.query(
      `DELETE FROM auth.login_pairs
       WHERE (last_failure_at IS NULL OR last_failure_at < $1)
         AND (last_success_at IS NULL OR last_success_at < $2)
         AND (blocked_until IS NULL OR blocked_until <= $3)`,
      [failuresBefore.toISOString(), successesBefore.toISOString(), now.toISOString()],
    );
  }
}
