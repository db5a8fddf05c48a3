import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { KeyValueDrivers } from '@pixelflow/drivers';
import { logUnexpectedErrors, serveGraphQLHttp, serveGraphQLWs } from '@pixelflow/graphql-kit';
import type { Logger } from '@pixelflow/logger';
import {
  createHttpService,
  type HttpLimits,
  type HttpService,
  IDENTITY_HEADER,
  INTERNAL_TOKEN_HEADER,
  isInternalToken,
  verifyIdentity,
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
  /** Timeouts and connection caps of its HTTP server. @default defaultHttpLimits */
  http?: Partial<HttpLimits>;
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
    limits: options.http,
    readiness: () => drivers.ping(),
  });
  const shared = { store, publicUrl, updates: { recheckMs }, logger };
  const schema = buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });

  await serveGraphQLHttp<JobsContext>(service, {
    schema,
    context: async (request) => ({
      ...shared,
      identity: verifyIdentity(internalSecret, request.headers[IDENTITY_HEADER]),
    }),
    plugins: [logUnexpectedErrors(logger)],
  });
  // Only the gateway subscribes here: it proves it with the internal secret in connection_init.
  serveGraphQLWs<Record<string, unknown>>(service, {
    schema,
    onConnect: ({ connectionParams }) =>
      isInternalToken(connectionParams?.[INTERNAL_TOKEN_HEADER], internalSecret),
    // The gateway multiplexes every caller on its socket: each subscription carries its caller.
    context: (_ctx, _id, payload): JobsContext => ({
      ...shared,
      identity: verifyIdentity(internalSecret, payload.extensions?.identity),
    }),
  });
  registerJobRoutes(service.app, { store, internalSecret });
  return service;
}
