import type { SqlExecutor } from '@pixelflow/drivers';

/** Fixed-window counters in PostgreSQL, so that every auth instance counts against the same limits. */
export class AttemptStore {
  readonly #sql: SqlExecutor;

  constructor(sql: SqlExecutor) {
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

  /** Forgets every window of the bucket. */
  async reset(bucket: Buffer): Promise<void> {
    await this.#sql.query('DELETE FROM auth.login_attempts WHERE bucket = $1', [bucket]);
  }

  /** Deletes windows that started before `before`. */
  async purge(before: Date): Promise<void> {
    await this.#sql.query('DELETE FROM auth.login_attempts WHERE window_start < $1', [before.toISOString()]);
  }
}
