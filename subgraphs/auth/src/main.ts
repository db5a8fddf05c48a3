import { createPgSql } from '@pixelflow/drivers';
import { createLogger } from '@pixelflow/logger';
import { httpLimitsFrom, runMain } from '@pixelflow/service-kit';
import { readAuthEnv } from './env.ts';
import { createAuthService } from './service.ts';

await runMain(async () => {
  const env = readAuthEnv();
  const logger = createLogger({ service: 'auth', level: env.LOG_LEVEL });
  const sql = createPgSql(env.DATABASE_URL, {
    onError: (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'),
  });
  try {
    const service = await createAuthService({
      sql,
      logger,
      internalSecret: env.INTERNAL_SECRET,
      accessTokenTtlS: env.ACCESS_TOKEN_TTL_S,
      refreshTokenTtlS: env.REFRESH_TOKEN_TTL_S,
      keyRotationDays: env.KEY_ROTATION_DAYS,
      keyPublishLeadS: env.KEY_PUBLISH_LEAD_S,
      loginLimits: {
        freeFailures: env.LOGIN_FREE_FAILURES,
        baseDelayS: env.LOGIN_BASE_DELAY_S,
        maxDelayS: env.LOGIN_MAX_DELAY_S,
        failureMemoryS: env.LOGIN_FAILURE_MEMORY_S,
        addressMaxAttempts: env.LOGIN_ADDRESS_MAX_ATTEMPTS,
        accountCeiling: env.LOGIN_ACCOUNT_CEILING,
        windowS: env.LOGIN_WINDOW_S,
        knownAddressS: env.LOGIN_KNOWN_ADDRESS_DAYS * 86_400,
        registrationsPerAddress: env.REGISTER_MAX_PER_ADDRESS,
        registrationWindowS: env.REGISTER_WINDOW_S,
      },
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
