import { createLogger } from '@pixelflow/logger';
import { httpLimitsFrom, runMain } from '@pixelflow/service-kit';
import { loadEnv } from './env.ts';
import { createSharpConverterService } from './service.ts';

await runMain(async () => {
  const env = loadEnv();
  const logger = createLogger({ service: 'converter-sharp', level: env.LOG_LEVEL });
  const service = createSharpConverterService({
    ids: env.CONVERTERS,
    logger,
    port: env.PORT,
    host: env.HOST,
    http: httpLimitsFrom(env),
    maxPixels: env.MAX_PIXELS,
    maxOutputPixels: env.MAX_OUTPUT_PIXELS,
    maxInFlight: env.MAX_IN_FLIGHT,
    timeoutSeconds: env.CONVERT_TIMEOUT_S,
  });
  await service.listen();
  logger.info(
    {
      converters: env.CONVERTERS,
      maxPixels: env.MAX_PIXELS,
      maxOutputPixels: env.MAX_OUTPUT_PIXELS,
      timeoutSeconds: env.CONVERT_TIMEOUT_S,
    },
    'serving converters',
  );
  return { logger, service };
});
