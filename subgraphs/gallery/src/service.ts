import { readFileSync } from 'node:fs';
import { createFsObjectStore, createPgObjectStore, type ObjectStore, type Sql } from '@pixelflow/drivers';
import { createSubgraphService, type SubgraphServiceBase } from '@pixelflow/graphql-kit';
import type { HttpService } from '@pixelflow/service-kit';
import { parse } from 'graphql';
import type { GalleryContext } from './context.ts';
import type { GallerySettings } from './env.ts';
import { Gallery } from './gallery.ts';
import { resolvers } from './resolvers/index.ts';
import { registerGalleryRoutes } from './routes.ts';
import { UrlSigner } from './signed-urls.ts';
import { ImageStore } from './store/image-store.ts';
import { migrateGallery, OBJECTS_TABLE } from './store/migrations.ts';

const schemaFile = new URL('./schema.graphql', import.meta.url);
/** The subgraph's SDL (its composition is tested on its own). */
export const typeDefs = parse(readFileSync(schemaFile, 'utf8'));

/** The settings (GallerySettings) have their defaults in env.ts only: `gallerySettings.defaults`. */
export interface GalleryServiceOptions extends SubgraphServiceBase, GallerySettings {
  /** PostgreSQL (or PGlite): the gallery migrates and uses its own schema, `gallery`. */
  sql: Sql;
  /** Where image and thumbnail bytes go: see `createGalleryObjectStore`. */
  objects: ObjectStore;
  /** Base of public URLs (the gateway's), for the signed image URLs. */
  publicUrl: string;
  /** @default Date.now */
  now?: () => number;
}

/**
 * The gallery's object store: the table `gallery.objects` in the gallery's database (the cluster's
 * default: nothing else to run or back up), or files under `dir` (the embedded mode).
 */
export function createGalleryObjectStore(
  options: { kind: 'postgres'; sql: Sql } | { kind: 'fs'; dir: string },
): ObjectStore {
  return options.kind === 'postgres'
    ? createPgObjectStore(options.sql, { table: OBJECTS_TABLE })
    : createFsObjectStore(options.dir);
}

/**
 * The gallery subgraph: signed-in users' originals and results (`image`, `deleteImage`,
 * `User.images`, `Job.savedImage`), signed image downloads, and the internal API the conversion
 * service saves with. Migrates its schema before it answers.
 */
export async function createGalleryService(options: GalleryServiceOptions): Promise<HttpService> {
  const { sql, objects, logger, internalSecret, publicUrl, now = Date.now } = options;
  const applied = await migrateGallery(sql);
  if (applied.length > 0) logger.info({ migrations: applied }, 'gallery migrations applied');

  const gallery = new Gallery({ images: new ImageStore(sql), objects, logger });
  const urls = new UrlSigner({ secret: internalSecret, publicUrl, ttlS: options.urlTtlS, now });
  const { service } = await createSubgraphService<GalleryContext>({
    ...options,
    name: 'gallery',
    schemaFile,
    resolvers,
    context: (identity) => ({ gallery, urls, logger, identity }),
    readiness: () => Promise.all([sql.ping(), objects.ping()]),
  });
  registerGalleryRoutes(service.app, { gallery, urls, internalSecret, now });
  return service;
}
