import { createPgSql } from '@pixelflow/drivers';
import { listenFrom, runServiceMain } from '@pixelflow/service-kit';
import { gallerySettings, readGalleryEnv } from './env.ts';
import { createGalleryObjectStore, createGalleryService } from './service.ts';

await runServiceMain('gallery', readGalleryEnv, ({ env, logger, owns }) => {
  const sql = owns(
    createPgSql(env.DATABASE_URL, {
      onError: (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'),
    }),
  );
  return createGalleryService({
    sql,
    objects:
      env.OBJECT_STORE === 'fs'
        ? createGalleryObjectStore({ kind: 'fs', dir: env.OBJECT_DIR! })
        : createGalleryObjectStore({ kind: 'postgres', sql }),
    logger,
    internalSecret: env.INTERNAL_SECRET,
    publicUrl: env.PUBLIC_URL,
    ...gallerySettings.from(env),
    ...listenFrom(env),
  });
});
