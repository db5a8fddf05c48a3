import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeSqlContract } from '../testing/sql.suite.ts';
import { migrate } from './sql/migrate.ts';
import { createPgSql } from './sql/pg.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error(
    'DATABASE_URL is not set: the int tier needs a PostgreSQL server, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres',
  );
}
const databaseUrl: string = url;

describeSqlContract('pg', async () => createPgSql(databaseUrl));

it('serializes migrations across separate pools, as separate processes would', async () => {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
  const pools = Array.from({ length: 4 }, () => createPgSql(databaseUrl, { max: 2 }));
  const table = `migrations_pools_${suffix}`;
  const counter = `counter_pools_${suffix}`;
  const list = [
    { id: '0001', sql: `CREATE TABLE ${counter} (n int); INSERT INTO ${counter} VALUES (1)` },
    // Slow enough that the runs really overlap.
    { id: '0002', sql: `SELECT pg_sleep(0.2); INSERT INTO ${counter} VALUES (2)` },
  ];
  try {
    const runs = await Promise.all(pools.map((sql) => migrate(sql, list, { table })));
    expect(runs.flat().sort()).toEqual(['0001', '0002']);
    expect(await pools[0]!.query(`SELECT n FROM ${counter} ORDER BY n`)).toEqual([{ n: 1 }, { n: 2 }]);
  } finally {
    await pools[0]!.query(`DROP TABLE IF EXISTS ${table}; DROP TABLE IF EXISTS ${counter}`);
    await Promise.all(pools.map((sql) => sql.close()));
  }
});

it('fails ping when the server cannot be reached', async () => {
  const sql = createPgSql('postgres://postgres@127.0.0.1:1/postgres', { connectionTimeoutMs: 500 });
  await expect(sql.ping()).rejects.toThrow();
  await sql.close();
});
