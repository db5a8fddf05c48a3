import { createLogger } from '@pixelflow/logger';
import { runMain } from '@pixelflow/service-kit';
import { readGatewayEnv } from './env.ts';
import { createGateway } from './service.ts';

await runMain(async () => {
  const env = readGatewayEnv();
  const logger = createLogger({ service: 'gateway', level: env.LOG_LEVEL });
  const service = await createGateway({
    logger,
    internalSecret: env.INTERNAL_SECRET,
    subgraphs: { jobs: env.JOBS_URL, conversion: env.CONVERSION_URL },
    maxUploadBytes: env.MAX_UPLOAD_BYTES,
    port: env.PORT,
    host: env.HOST,
  });
  await service.listen();
  return { logger, service };
});
