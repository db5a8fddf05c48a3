import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeSqlContract } from '../testing/sql.suite.ts';
import { migrate } from './sql/migrate.ts';
import { createPgliteSql } from './sql/pglite.ts';

describeSqlContract('pglite (in memory)', () => createPgliteSql(undefined));

it('keeps its data in a directory it creates, across restarts', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'pixelflow-pglite-'));
  const dataDir = join(parent, 'nested', 'data');
  try {
    const first = await createPgliteSql(dataDir);
    await migrate(first, [
      { id: '0001_notes', sql: `CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept')` },
    ]);
    await first.close();
    expect((await readdir(dataDir)).length).toBeGreaterThan(0);

    const second = await createPgliteSql(dataDir);
    expect(await migrate(second, [{ id: '0001_notes', sql: 'SELECT no_such_function()' }])).toEqual([]);
    expect(await second.query('SELECT body FROM notes')).toEqual([{ body: 'kept' }]);
    await second.close();
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}, 60_000);
