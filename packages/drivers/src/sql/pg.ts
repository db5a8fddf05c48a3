import pg from 'pg';
import type { Sql, SqlExecutor } from '../types.ts';

export interface PgSqlOptions {
  /**
   * Most connections the pool opens.
   * @default 10
   */
  max?: number;
  /**
   * How long to wait for a connection (a new one or a free one from the pool) before failing.
   * @default 5000
   */
  connectionTimeoutMs?: number;
  /**
   * Called with errors of idle pooled connections (the server restarted, the network dropped); the
   * pool discards such a connection itself, so these are for logging only.
   * @default errors are ignored
   */
  onError?: (error: Error) => void;
}

/** `Sql` on a PostgreSQL server through a `pg` connection pool. */
export function createPgSql(url: string, options: PgSqlOptions = {}): Sql {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', options.onError ?? (() => {}));

  return {
    ...executor(pool),

    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // A connection that cannot roll back must not go back into the pool.
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },

    async ping() {
      await pool.query('SELECT 1');
    },

    async close() {
      await pool.end();
    },
  };
}

function executor(target: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async query<Row extends Record<string, unknown>>(text: string, params?: readonly unknown[]) {
      // Without parameters pg uses the simple protocol, which runs several statements (migrations)
      // and answers one result per statement; the last one's rows are the answer.
      const result = (await target.query(text, params === undefined ? undefined : [...params])) as
        | pg.QueryResult<Row>
        | pg.QueryResult<Row>[];
      return Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows;
    },
  };
}
