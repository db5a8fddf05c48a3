import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/sql/migrate.ts';
import type { Migration, Sql } from '../src/types.ts';

/**
 * The behaviour every Sql implementation owes its callers. The suite shares one `Sql` (PGlite takes
 * seconds to start) and names every table it creates with a suffix of its own, dropping them at
 * the end, so that it can run against a database other tests use too.
 */
export function describeSqlContract(name: string, makeSql: () => Promise<Sql>): void {
  describe(`Sql contract: ${name}`, () => {
    let sql: Sql;
    const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
    const tables: string[] = [];
    /** A table name unique to this run, dropped in afterAll. */
    const table = (base: string): string => {
      const unique = `${base}_${suffix}`;
      tables.push(unique);
      return unique;
    };

    beforeAll(async () => {
      sql = await makeSql();
    }, 60_000);

    afterAll(async () => {
      if (sql === undefined) return;
      for (const unique of tables) await sql.query(`DROP TABLE IF EXISTS ${unique}`);
      await sql.close();
    }, 60_000);

    it('answers ping', async () => {
      await expect(sql.ping()).resolves.toBeUndefined();
    });

    it('binds parameters, including text that would break a quoted literal', async () => {
      const tricky = `it's "quoted"; DROP TABLE x; -- ✓ ünïcödé`;
      const [row] = await sql.query<{ sum: number; text: string; nothing: null; flag: boolean }>(
        'SELECT $1::int + $2::int AS sum, $3::text AS text, $4::text AS nothing, $5::boolean AS flag',
        [1, 2, tricky, null, true],
      );
      expect(row).toEqual({ sum: 3, text: tricky, nothing: null, flag: true });
    });

    it('returns rows of a table, typed as pg returns them', async () => {
      const items = table('items');
      await sql.query(
        `CREATE TABLE ${items} (id int8 PRIMARY KEY, name text NOT NULL, meta jsonb, tags text[])`,
      );
      await sql.query(
        `INSERT INTO ${items} (id, name, meta, tags) VALUES ($1, $2, $3, $4), ($5, $6, $7, $8)`,
        [
          1,
          'one',
          JSON.stringify({ nested: { n: 1 } }),
          ['a', 'b'],
          9007199254740993n.toString(),
          'big',
          null,
          [],
        ],
      );
      const rows = await sql.query(`SELECT id, name, meta, tags FROM ${items} ORDER BY id`);
      // int8 comes back as a string on both drivers: a JS number cannot hold all of it.
      expect(rows).toEqual([
        { id: '1', name: 'one', meta: { nested: { n: 1 } }, tags: ['a', 'b'] },
        { id: '9007199254740993', name: 'big', meta: null, tags: [] },
      ]);
      expect(await sql.query(`SELECT * FROM ${items} WHERE id = $1`, [42])).toEqual([]);
    });

    it('round-trips bytea as a Buffer', async () => {
      const blobs = table('blobs');
      await sql.query(`CREATE TABLE ${blobs} (id int PRIMARY KEY, data bytea NOT NULL)`);
      const data = Buffer.from(Array.from({ length: 256 * 16 }, (_, i) => (i * 7) % 256));
      await sql.query(`INSERT INTO ${blobs} (id, data) VALUES (1, $1), (2, $2)`, [data, Buffer.alloc(0)]);
      const rows = await sql.query<{ data: Buffer }>(`SELECT data FROM ${blobs} ORDER BY id`);
      expect(Buffer.isBuffer(rows[0]?.data)).toBe(true);
      expect(rows[0]?.data.equals(data)).toBe(true);
      expect(rows[1]?.data.length).toBe(0);
    });

    it('round-trips timestamptz as a Date, to the millisecond', async () => {
      const times = table('times');
      await sql.query(`CREATE TABLE ${times} (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
      const at = new Date('2026-03-29T01:30:15.123Z');
      await sql.query(`INSERT INTO ${times} (id, at) VALUES (1, $1)`, [at]);
      await sql.query(`INSERT INTO ${times} (id) VALUES (2)`);
      const rows = await sql.query<{ at: Date }>(`SELECT at FROM ${times} ORDER BY id`);
      expect(rows[0]?.at).toBeInstanceOf(Date);
      expect(rows[0]?.at.getTime()).toBe(at.getTime());
      expect(Math.abs((rows[1]?.at.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
      const [shifted] = await sql.query<{ later: Date }>(
        `SELECT $1::timestamptz + interval '1 hour' AS later`,
        [at],
      );
      expect(shifted?.later.getTime()).toBe(at.getTime() + 3_600_000);
    });

    it('runs several statements when there are no parameters, answering the last one', async () => {
      const multi = table('multi');
      const rows = await sql.query(
        `CREATE TABLE ${multi} (n int); INSERT INTO ${multi} VALUES (1), (2); SELECT sum(n)::int AS total FROM ${multi}`,
      );
      expect(rows).toEqual([{ total: 3 }]);
    });

    it('commits a transaction and returns what its function returned', async () => {
      const accounts = table('accounts');
      await sql.query(`CREATE TABLE ${accounts} (id int PRIMARY KEY, balance int NOT NULL)`);
      const result = await sql.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${accounts} VALUES (1, 100), (2, 0)`);
        await tx.query(`UPDATE ${accounts} SET balance = balance - 30 WHERE id = 1`);
        await tx.query(`UPDATE ${accounts} SET balance = balance + 30 WHERE id = 2`);
        // The transaction sees its own writes.
        return tx.query<{ total: number }>(`SELECT sum(balance)::int AS total FROM ${accounts}`);
      });
      expect(result).toEqual([{ total: 100 }]);
      expect(await sql.query(`SELECT id, balance FROM ${accounts} ORDER BY id`)).toEqual([
        { id: 1, balance: 70 },
        { id: 2, balance: 30 },
      ]);
    });

    it('rolls a transaction back when its function throws, and rethrows', async () => {
      const ledger = table('ledger');
      await sql.query(`CREATE TABLE ${ledger} (id int PRIMARY KEY)`);
      const failure = new Error('changed my mind');
      await expect(
        sql.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${ledger} VALUES (1)`);
          throw failure;
        }),
      ).rejects.toBe(failure);
      await expect(
        sql.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${ledger} VALUES (2)`);
          await tx.query(`INSERT INTO ${ledger} VALUES (2)`); // unique violation
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await sql.query(`SELECT id FROM ${ledger}`)).toEqual([]);
      // The connection is usable afterwards.
      await sql.transaction((tx) => tx.query(`INSERT INTO ${ledger} VALUES (3)`));
      expect(await sql.query(`SELECT id FROM ${ledger}`)).toEqual([{ id: 3 }]);
    });

    describe('migrate', () => {
      const migrationsFor = (notes: string, counter: string): Migration[] => [
        // Listed out of order on purpose: 0002 needs 0001's table.
        {
          id: '0002_seed',
          sql: `INSERT INTO ${notes} (body) VALUES ('first'); INSERT INTO ${counter} VALUES (2)`,
        },
        {
          id: '0001_tables',
          sql: `CREATE TABLE ${notes} (id serial PRIMARY KEY, body text NOT NULL);
                CREATE TABLE ${counter} (migration int NOT NULL);
                INSERT INTO ${counter} VALUES (1)`,
        },
      ];

      it('applies pending migrations in id order, once', async () => {
        const notes = table('notes');
        const counter = table('counter');
        const migrations = table('migrations');
        const first = migrationsFor(notes, counter);
        expect(await migrate(sql, first, { table: migrations })).toEqual(['0001_tables', '0002_seed']);
        expect(await migrate(sql, first, { table: migrations })).toEqual([]);
        const next = [...first, { id: '0003_more', sql: `INSERT INTO ${counter} VALUES (3)` }];
        expect(await migrate(sql, next, { table: migrations })).toEqual(['0003_more']);
        expect(await sql.query(`SELECT migration FROM ${counter} ORDER BY migration`)).toEqual([
          { migration: 1 },
          { migration: 2 },
          { migration: 3 },
        ]);
        const recorded = await sql.query<{ id: string; applied_at: Date }>(
          `SELECT id, applied_at FROM ${migrations} ORDER BY id`,
        );
        expect(recorded.map((row) => row.id)).toEqual(['0001_tables', '0002_seed', '0003_more']);
        expect(recorded[0]?.applied_at).toBeInstanceOf(Date);
      });

      it('applies each migration exactly once when started concurrently', async () => {
        const notes = table('notes_concurrent');
        const counter = table('counter_concurrent');
        const migrations = table('migrations_concurrent');
        const list = migrationsFor(notes, counter);
        const runs = await Promise.all([
          migrate(sql, list, { table: migrations }),
          migrate(sql, list, { table: migrations }),
          migrate(sql, list, { table: migrations }),
        ]);
        expect(runs.flat().sort()).toEqual(['0001_tables', '0002_seed']);
        expect(await sql.query(`SELECT migration FROM ${counter} ORDER BY migration`)).toEqual([
          { migration: 1 },
          { migration: 2 },
        ]);
      });

      it('rolls back a failing migration and stops there', async () => {
        const kept = table('kept');
        const broken = table('broken');
        const migrations = table('migrations_failing');
        const list: Migration[] = [
          { id: '0001_kept', sql: `CREATE TABLE ${kept} (id int)` },
          { id: '0002_broken', sql: `CREATE TABLE ${broken} (id int); SELECT no_such_function()` },
          { id: '0003_never', sql: `INSERT INTO ${kept} VALUES (3)` },
        ];
        await expect(migrate(sql, list, { table: migrations })).rejects.toThrow(/no_such_function/);
        expect(await sql.query(`SELECT id FROM ${migrations}`)).toEqual([{ id: '0001_kept' }]);
        expect(await sql.query(`SELECT to_regclass($1) AS found`, [broken])).toEqual([{ found: null }]);
        expect(await sql.query(`SELECT id FROM ${kept}`)).toEqual([]);
      });

      it('refuses duplicate ids and an unsafe table name', async () => {
        await expect(
          migrate(sql, [
            { id: '0001', sql: 'SELECT 1' },
            { id: '0001', sql: 'SELECT 2' },
          ]),
        ).rejects.toThrow(/duplicate/);
        await expect(migrate(sql, [], { table: 'x; DROP TABLE y' })).rejects.toThrow(/invalid/);
      });
    });
  });
}
