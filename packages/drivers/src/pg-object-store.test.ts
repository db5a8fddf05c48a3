import { describeObjectStoreContract } from '../testing/object-store.suite.ts';
import { createPgObjectStore, pgObjectTableSql } from './objects/pg.ts';
import { createPgliteSql } from './sql/pglite.ts';

describeObjectStoreContract('pg on PGlite', async () => {
  const sql = await createPgliteSql(undefined);
  await sql.query('CREATE SCHEMA store_test');
  await sql.query(pgObjectTableSql('store_test.objects'));
  return { store: createPgObjectStore(sql, { table: 'store_test.objects' }), close: () => sql.close() };
});
