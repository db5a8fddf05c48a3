import type { ObjectStore, SqlExecutor, StoredObject } from '../types.ts';
import { checkContentType, checkObjectKey } from './checks.ts';

export interface PgObjectStoreOptions {
  /**
   * The table, optionally schema-qualified (e.g. `gallery.objects`). The caller creates it in one
   * of its migrations with `pgObjectTableSql(table)`: its schema, its migration lock, its record.
   */
  table: string;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

function checkTable(table: string): string {
  if (!identifier.test(table)) throw new RangeError(`invalid object table name: ${table}`);
  return table;
}

/**
 * The DDL of an object table, for the caller's migration. Valid on PostgreSQL 15 and later (and
 * PGlite). Images are compressed already, so the bytes are stored out of line without another
 * round of TOAST compression, which would only cost CPU. A later change to the table's shape must
 * come as a new migration in each caller, never as an edit here.
 */
export function pgObjectTableSql(table: string): string {
  checkTable(table);
  return `CREATE TABLE IF NOT EXISTS ${table} (
    key text PRIMARY KEY,
    content_type text NOT NULL,
    data bytea NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  ALTER TABLE ${table} ALTER COLUMN data SET STORAGE EXTERNAL;`;
}

/**
 * An `ObjectStore` in a PostgreSQL table (bytea and content type per key), through `Sql` on a
 * PostgreSQL server or on PGlite. The table must exist: see `pgObjectTableSql`.
 */
export function createPgObjectStore(sql: SqlExecutor, { table }: PgObjectStoreOptions): ObjectStore {
  checkTable(table);
  return {
    async put(key, object) {
      checkObjectKey(key);
      checkContentType(object.contentType);
      await sql.query(
        `INSERT INTO ${table} (key, content_type, data) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE
           SET content_type = EXCLUDED.content_type, data = EXCLUDED.data, updated_at = now()`,
        [key, object.contentType, object.data],
      );
    },

    async get(key) {
      checkObjectKey(key);
      const [row] = await sql.query<{ content_type: string; data: Buffer }>(
        `SELECT content_type, data FROM ${table} WHERE key = $1`,
        [key],
      );
      return row ? ({ data: row.data, contentType: row.content_type } satisfies StoredObject) : null;
    },

    async delete(key) {
      checkObjectKey(key);
      await sql.query(`DELETE FROM ${table} WHERE key = $1`, [key]);
    },

    // Reaches the server and finds the table: a missing migration shows as not ready.
    async ping() {
      await sql.query(`SELECT 1 FROM ${table} LIMIT 0`);
    },
  };
}
