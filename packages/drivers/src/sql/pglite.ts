import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction, types } from '@electric-sql/pglite';
import type { Sql, SqlExecutor } from '../types.ts';

/**
 * `Sql` on PGlite, PostgreSQL in WebAssembly, for the embedded mode: in memory when `dataDir` is
 * undefined, otherwise in files under `dataDir` (created if missing). Values come back as `pg`
 * returns them, so code cannot tell the two apart: bytea as Buffer (PGlite: Uint8Array) and int8
 * as a string (PGlite: a number, which loses precision past 2^53).
 */
export async function createPgliteSql(dataDir: string | undefined): Promise<Sql> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir, {
    // PostgreSQL's default 128 MB of shared buffers is all resident in PGlite's WASM memory
    // (about 520 MB of RSS on open); 16 MB serves one laptop's accounts and gallery (about 180 MB).
    postgresqlconf: ['shared_buffers = 16MB'],
    parsers: {
      [types.BYTEA]: (text: string) => Buffer.from(text.slice(2), 'hex'),
      [types.INT8]: (text: string) => text,
    },
  });

  return {
    ...executor(db),

    // PGlite has a single connection: its transaction holds it and queues every other query
    // until COMMIT or ROLLBACK, so `fn` must use `tx` only.
    transaction: (fn) => db.transaction((tx) => fn(executor(tx))),

    async ping() {
      await db.query('SELECT 1');
    },

    async close() {
      await db.close();
    },
  };
}

function executor(target: PGlite | Transaction): SqlExecutor {
  return {
    async query<Row extends Record<string, unknown>>(text: string, params?: readonly unknown[]) {
      // Like pg without parameters: the simple protocol, several statements, the last one's rows.
      if (params === undefined || params.length === 0) {
        const results = await target.exec(text);
        return (results.at(-1)?.rows ?? []) as Row[];
      }
      return (await target.query<Row>(text, [...params])).rows;
    },
  };
}
