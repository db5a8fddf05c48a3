import { createPgSql } from '@pixelflow/drivers';
import { listenFrom, runServiceMain } from '@pixelflow/service-kit';
import { authSettings, readAuthEnv } from './env.ts';
import { createAuthService } from './service.ts';

await runServiceMain('auth', readAuthEnv, ({ env, logger, owns }) =>
  createAuthService({
    sql: owns(
      createPgSql(env.DATABASE_URL, {
        onError: (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'),
      }),
    ),
    logger,
    internalSecret: env.INTERNAL_SECRET,
    ...authSettings.from(env),
    ...listenFrom(env),
  }),
);
