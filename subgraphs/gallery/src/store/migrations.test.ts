import { createPgliteSql } from '@pixelflow/drivers';
import { expect, it } from 'vitest';
import { migrateGallery } from './migrations.ts';

it('creates the gallery schema and its tables once, however often it runs', async () => {
  const sql = await createPgliteSql(undefined);
  try {
    expect(await migrateGallery(sql)).toEqual(['0001_images']);
    expect(await migrateGallery(sql)).toEqual([]);
    const tables = await sql.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'gallery' ORDER BY table_name`,
    );
    expect(tables.map((row) => row.table_name)).toEqual(['images', 'objects', 'schema_migrations']);
    expect(await sql.query(`SELECT to_regclass('public.schema_migrations') AS found`)).toEqual([
      { found: null },
    ]);
  } finally {
    await sql.close();
  }
}, 60_000);
