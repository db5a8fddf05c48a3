import type { KeyValueDrivers } from '@pixelflow/drivers';
import { createSubgraphService, type SubgraphServiceBase, serveGraphQLWs } from '@pixelflow/graphql-kit';
import {
  type HttpService,
  INTERNAL_TOKEN_HEADER,
  isInternalToken,
  verifyIdentity,
} from '@pixelflow/service-kit';
import type { JobsContext } from './context.ts';
import type { JobsSettings } from './env.ts';
import { resolvers } from './resolvers/index.ts';
import { registerJobRoutes } from './routes.ts';
import { JobStore } from './store/job-store.ts';

/** The settings (JobsSettings) have their defaults in env.ts only: `jobsSettings.defaults`. */
export interface JobsServiceOptions extends SubgraphServiceBase, JobsSettings {
  drivers: KeyValueDrivers;
  /** Base of public URLs (the gateway's), for `resultUrl`. */
  publicUrl: string;
}

/** The jobs subgraph: job state, the polling query, `jobUpdated`, results and the internal API. */
export async function createJobsService(options: JobsServiceOptions): Promise<HttpService> {
  const { drivers, logger, internalSecret, publicUrl, jobTtlMs, retentionMs, recheckMs } = options;
  const store = new JobStore({
    records: drivers.records,
    blobs: drivers.blobs,
    pubsub: drivers.pubsub,
    ttlMs: jobTtlMs,
    retentionMs,
    logger,
  });
  const shared = { store, publicUrl, updates: { recheckMs }, logger };
  const { service, schema } = await createSubgraphService<JobsContext>({
    ...options,
    name: 'jobs',
    schemaFile: new URL('./schema.graphql', import.meta.url),
    resolvers,
    context: (identity) => ({ ...shared, identity }),
    readiness: () => drivers.ping(),
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
