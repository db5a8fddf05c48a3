export { createMemoryDrivers, type MemoryDriversOptions } from './memory/drivers.ts';
export { checkContentType, checkObjectKey } from './objects/checks.ts';
export { createFsObjectStore } from './objects/fs.ts';
export { createPgObjectStore, type PgObjectStoreOptions, pgObjectTableSql } from './objects/pg.ts';
export { createRedisDrivers, type RedisDriversOptions } from './redis/drivers.ts';
export { type MigrateOptions, migrate } from './sql/migrate.ts';
export { createPgSql, type PgSqlOptions } from './sql/pg.ts';
export { createPgliteSql } from './sql/pglite.ts';
export type * from './types.ts';
