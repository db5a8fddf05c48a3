import type { Migration, Sql, SqlExecutor } from '../types.ts';

export interface MigrateOptions {
  /**
   * The table that records applied migrations (`id`, `applied_at`), optionally schema-qualified.
   * @default 'schema_migrations'
   */
  table?: string;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/**
 * Applies, in id order, each migration not yet recorded, each in its own transaction together with
 * its record, and returns the ids it applied. Every instance of a service runs this at start, so
 * concurrent runs serialize on a transaction-scoped advisory lock and re-check under it; a
 * migration therefore runs exactly once. Its SQL may hold several statements but no
 * BEGIN/COMMIT of its own.
 */
export async function migrate(
  sql: Sql,
  migrations: readonly Migration[],
  options: MigrateOptions = {},
): Promise<string[]> {
  const table = options.table ?? 'schema_migrations';
  if (!identifier.test(table)) throw new RangeError(`invalid migrations table name: ${table}`);
  const ordered = [...migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < ordered.length; i += 1) {
    if (ordered[i]!.id === ordered[i - 1]!.id)
      throw new RangeError(`duplicate migration id: ${ordered[i]!.id}`);
  }

  const lock = async (tx: SqlExecutor): Promise<void> => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`pixelflow:migrate:${table}`]);
  };

  // The lock comes first: concurrent CREATE TABLE IF NOT EXISTS can still fail on PostgreSQL.
  const applied = await sql.transaction(async (tx) => {
    await lock(tx);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const rows = await tx.query<{ id: string }>(`SELECT id FROM ${table}`);
    return new Set(rows.map((row) => row.id));
  });

  const ran: string[] = [];
  for (const migration of ordered) {
    if (applied.has(migration.id)) continue;
    const didRun = await sql.transaction(async (tx) => {
      await lock(tx);
      const done = await tx.query(`SELECT 1 AS done FROM ${table} WHERE id = $1`, [migration.id]);
      if (done.length > 0) return false;
      await tx.query(migration.sql);
      await tx.query(`INSERT INTO ${table} (id) VALUES ($1)`, [migration.id]);
      return true;
    });
    if (didRun) ran.push(migration.id);
  }
  return ran;
}
