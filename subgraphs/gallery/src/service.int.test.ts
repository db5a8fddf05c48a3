import { randomUUID } from 'node:crypto';
import { createPgSql } from '@pixelflow/drivers';
import { expect, it } from 'vitest';
import { describeGalleryService } from '../testing/service.suite.ts';
import { createGalleryObjectStore } from './service.ts';
import { migrateGallery } from './store/migrations.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error(
    'DATABASE_URL is not set: the int tier needs a PostgreSQL server, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres',
  );
}
const serverUrl: string = url;

/** A database of its own on the server, and a function that drops it. */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const database = `gallery_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = createPgSql(serverUrl, { max: 1 });
  await admin.query(`CREATE DATABASE ${database}`);
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${database}`;
  return {
    url: databaseUrl.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.close();
    },
  };
}

// The cluster's drivers: PostgreSQL with the bytes in gallery.objects, in a database of this
// file's own (the schema name is fixed), dropped at the end.
describeGalleryService('PostgreSQL + table store', async () => {
  const database = await freshDatabase();
  const sql = createPgSql(database.url);
  return {
    sql,
    objects: createGalleryObjectStore({ kind: 'postgres', sql }),
    close: async () => {
      await sql.close();
      await database.drop();
    },
  };
});

it('migrates once when several instances start at the same time', async () => {
  const database = await freshDatabase();
  const pools = Array.from({ length: 4 }, () => createPgSql(database.url, { max: 2 }));
  try {
    const runs = await Promise.all(pools.map((sql) => migrateGallery(sql)));
    expect(runs.flat()).toEqual(['0001_images']);
    expect(await migrateGallery(pools[0]!)).toEqual([]);
  } finally {
    await Promise.all(pools.map((sql) => sql.close()));
    await database.drop();
  }
});
