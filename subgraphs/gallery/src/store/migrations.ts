import { type Migration, migrate, pgObjectTableSql, type Sql } from '@pixelflow/drivers';

/** The gallery keeps to this PostgreSQL schema, so that it can share a database with auth. */
export const SCHEMA = 'gallery';
/** Where the PostgreSQL object store keeps image bytes (created here whichever store is used). */
export const OBJECTS_TABLE = `${SCHEMA}.objects`;

/** Valid on PostgreSQL 15 (Debian's server) and 18 (PGlite). Add, never edit. */
export const migrations: Migration[] = [
  {
    id: '0001_images',
    sql: `
      CREATE TABLE ${SCHEMA}.images (
        id uuid PRIMARY KEY,
        owner_id text NOT NULL,
        job_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('ORIGINAL', 'CONVERTED')),
        converter text,
        original_id uuid REFERENCES ${SCHEMA}.images (id) ON DELETE SET NULL,
        format text NOT NULL,
        content_type text NOT NULL,
        width integer NOT NULL CHECK (width > 0),
        height integer NOT NULL CHECK (height > 0),
        bytes integer NOT NULL CHECK (bytes >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        image_key text NOT NULL,
        thumbnail_key text NOT NULL,
        -- Saving a job's image twice (a retried save) finds the first one.
        CONSTRAINT images_job_kind UNIQUE (job_id, kind)
      );
      -- The owner's gallery, newest first: keyset pages read one index range each.
      CREATE INDEX images_owner_newest ON ${SCHEMA}.images (owner_id, created_at DESC, id DESC);
      -- ON DELETE SET NULL looks up the results of a deleted original.
      CREATE INDEX images_original ON ${SCHEMA}.images (original_id) WHERE original_id IS NOT NULL;
      ${pgObjectTableSql(OBJECTS_TABLE)}
    `,
  },
];

/**
 * Creates the schema and applies pending migrations; every instance runs this at start. The
 * schema comes first, under the migration lock's key, because concurrent CREATE SCHEMA IF NOT
 * EXISTS can still collide on PostgreSQL.
 */
export async function migrateGallery(sql: Sql): Promise<string[]> {
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`pixelflow:schema:${SCHEMA}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
  });
  return migrate(sql, migrations, { table: `${SCHEMA}.schema_migrations` });
}
