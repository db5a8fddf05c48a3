import { createLogger } from '@pixelflow/logger';
import { httpLimitsFrom, runMain } from '@pixelflow/service-kit';
import { readGatewayEnv, subgraphUrls } from './env.ts';
import { operationLimitsFrom, websocketLimitsFrom } from './limits/env.ts';
import { createGateway } from './service.ts';

await runMain(async () => {
  const env = readGatewayEnv();
  const logger = createLogger({ service: 'gateway', level: env.LOG_LEVEL });
  const service = await createGateway({
    logger,
    internalSecret: env.INTERNAL_SECRET,
    subgraphs: subgraphUrls(env),
    trustProxy: env.TRUST_PROXY,
    http: httpLimitsFrom(env),
    maxUploadBytes: env.MAX_UPLOAD_BYTES,
    operationLimits: operationLimitsFrom(env),
    websocket: websocketLimitsFrom(env),
    port: env.PORT,
    host: env.HOST,
    webDir: env.WEB_DIR,
  });
  await service.listen();
  return { logger, service };
});
