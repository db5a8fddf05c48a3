import { listenFrom, runServiceMain } from '@pixelflow/service-kit';
import { loadEnv, sharpSettings } from './env.ts';
import { createSharpConverterService } from './service.ts';

await runServiceMain('converter-sharp', loadEnv, async ({ env, logger }) => {
  logger.info(
    {
      converters: env.CONVERTERS,
      maxPixels: env.MAX_PIXELS,
      maxOutputPixels: env.MAX_OUTPUT_PIXELS,
      timeoutSeconds: env.CONVERT_TIMEOUT_S,
    },
    'serving converters',
  );
  return createSharpConverterService({
    ids: env.CONVERTERS,
    logger,
    ...listenFrom(env),
    ...sharpSettings.from(env),
  });
});
