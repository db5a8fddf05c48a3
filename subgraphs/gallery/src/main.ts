import { createPgSql } from '@pixelflow/drivers';
import { createLogger } from '@pixelflow/logger';
import { httpLimitsFrom, runMain } from '@pixelflow/service-kit';
import { readGalleryEnv } from './env.ts';
import { createGalleryObjectStore, createGalleryService } from './service.ts';

await runMain(async () => {
  const env = readGalleryEnv();
  const logger = createLogger({ service: 'gallery', level: env.LOG_LEVEL });
  const sql = createPgSql(env.DATABASE_URL, {
    onError: (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'),
  });
  const objects =
    env.OBJECT_STORE === 'fs'
      ? createGalleryObjectStore({ kind: 'fs', dir: env.OBJECT_DIR! })
      : createGalleryObjectStore({ kind: 'postgres', sql });
  try {
    const service = await createGalleryService({
      sql,
      objects,
      logger,
      internalSecret: env.INTERNAL_SECRET,
      publicUrl: env.PUBLIC_URL,
      urlTtlS: env.URL_TTL_S,
      port: env.PORT,
      host: env.HOST,
      http: httpLimitsFrom(env),
    });
    service.onShutdown(() => sql.close());
    await service.listen();
    return { logger, service };
  } catch (error) {
    await sql.close();
    throw error;
  }
});
