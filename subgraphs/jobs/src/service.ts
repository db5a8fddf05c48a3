import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { KeyValueDrivers } from '@pixelflow/drivers';
import { logUnexpectedErrors, serveGraphQLHttp, serveGraphQLWs } from '@pixelflow/graphql-kit';
import type { Logger } from '@pixelflow/logger';
import {
  createHttpService,
  type HttpService,
  INTERNAL_TOKEN_HEADER,
  isInternalToken,
} from '@pixelflow/service-kit';
import { parse } from 'graphql';
import type { JobsContext } from './context.ts';
import { resolvers } from './resolvers/index.ts';
import { registerJobRoutes } from './routes.ts';
import { JobStore } from './store/job-store.ts';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface JobsServiceOptions {
  drivers: KeyValueDrivers;
  logger: Logger;
  internalSecret: string;
  /** Base of public URLs (the gateway's), for `resultUrl`. */
  publicUrl: string;
  /** @default 100000 */
  jobTtlMs?: number;
  /** @default 5000 */
  recheckMs?: number;
  /** @default 0 */
  port?: number;
  host?: string;
}

/** The jobs subgraph: job state, the polling query, `jobUpdated`, results and the internal API. */
export async function createJobsService(options: JobsServiceOptions): Promise<HttpService> {
  const { drivers, logger, internalSecret, publicUrl, jobTtlMs = 100_000, recheckMs = 5000 } = options;
  const store = new JobStore({
    records: drivers.records,
    blobs: drivers.blobs,
    pubsub: drivers.pubsub,
    ttlMs: jobTtlMs,
  });
  const service = createHttpService({
    name: 'jobs',
    logger,
    port: options.port,
    host: options.host,
    readiness: () => drivers.ping(),
  });
  const context: JobsContext = { store, publicUrl, updates: { recheckMs }, logger };
  const schema = buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });

  await serveGraphQLHttp<JobsContext>(service, {
    schema,
    context: async () => context,
    plugins: [logUnexpectedErrors(logger)],
  });
  // Only the gateway subscribes here: it proves it with the internal secret in connection_init.
  serveGraphQLWs<Record<string, unknown>>(service, {
    schema,
    onConnect: ({ connectionParams }) =>
      isInternalToken(connectionParams?.[INTERNAL_TOKEN_HEADER], internalSecret),
    context: () => context,
  });
  registerJobRoutes(service.app, { store, internalSecret });
  return service;
}
