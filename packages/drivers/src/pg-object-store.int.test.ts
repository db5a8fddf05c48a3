import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeObjectStoreContract } from '../testing/object-store.suite.ts';
import { createPgObjectStore, pgObjectTableSql } from './objects/pg.ts';
import { createPgSql } from './sql/pg.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error(
    'DATABASE_URL is not set: the int tier needs a PostgreSQL server, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres',
  );
}
const databaseUrl: string = url;

// A schema of its own per run, dropped at the end: the server may be shared with other tests.
const schema = `objects_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

describeObjectStoreContract('pg on PostgreSQL', async () => {
  const sql = createPgSql(databaseUrl);
  await sql.query(`CREATE SCHEMA ${schema}`);
  await sql.query(pgObjectTableSql(`${schema}.objects`));
  return {
    store: createPgObjectStore(sql, { table: `${schema}.objects` }),
    close: async () => {
      await sql.query(`DROP SCHEMA ${schema} CASCADE`);
      await sql.close();
    },
  };
});

it('stores the bytes out of line, uncompressed, and fails ping without its table', async () => {
  const sql = createPgSql(databaseUrl);
  const own = `${schema}_ping`;
  try {
    await sql.query(`CREATE SCHEMA ${own}`);
    const store = createPgObjectStore(sql, { table: `${own}.objects` });
    await expect(store.ping()).rejects.toThrow(/does not exist/);
    await sql.query(pgObjectTableSql(`${own}.objects`));
    // Applying the DDL again (a second instance's migration) is harmless.
    await sql.query(pgObjectTableSql(`${own}.objects`));
    await store.ping();
    const [column] = await sql.query<{ attstorage: string }>(
      `SELECT attstorage FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'data'`,
      [`${own}.objects`],
    );
    expect(column?.attstorage).toBe('e');
  } finally {
    await sql.query(`DROP SCHEMA IF EXISTS ${own} CASCADE`);
    await sql.close();
  }
});
