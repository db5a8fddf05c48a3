import { runServiceMain } from '@pixelflow/service-kit';
import { gatewaySettings, readGatewayEnv, subgraphUrls } from './env.ts';
import { createGateway } from './service.ts';

await runServiceMain('gateway', readGatewayEnv, ({ env, logger }) =>
  createGateway({
    logger,
    internalSecret: env.INTERNAL_SECRET,
    subgraphs: subgraphUrls(env),
    trustProxy: env.TRUST_PROXY,
    ...gatewaySettings.from(env),
    port: env.PORT,
    host: env.HOST,
    webDir: env.WEB_DIR,
  }),
);
