import { internalSecret, logLevel, parseEnv, port, positiveInt, urlList, z } from '@pixelflow/config';
import { defineSettings } from '@pixelflow/config/settings';
import type { GraphQLWsOptions } from '@pixelflow/graphql-kit';
import { MAX_UPLOAD_BYTES } from '@pixelflow/product';
import { type HttpLimits, httpLimitsEnv, httpLimitsFrom } from '@pixelflow/service-kit';
import { limitsEnv, operationLimitsFrom, websocketLimitsFrom } from './limits/env.ts';
import type { OperationLimits } from './limits/limits.ts';
import { supergraphInfo } from './supergraph.ts';

/**
 * Each subgraph of the supergraph as `<NAME>_URL` (one base URL, or several instances
 * comma-separated): a subgraph composed into gateway/supergraph.graphql needs no change here.
 */
export const subgraphUrlVariables = Object.fromEntries(
  [...supergraphInfo.graphs.values()].map(({ name }) => [`${name.toUpperCase()}_URL`, urlList()]),
);

/** The subgraphs' URLs by subgraph name, from an environment read with envSchema. */
export const subgraphUrls = (env: Record<string, unknown>): Record<string, readonly string[]> =>
  Object.fromEntries(
    [...supergraphInfo.graphs.values()].map(({ name }) => [
      name,
      env[`${name.toUpperCase()}_URL`] as string[],
    ]),
  );

export interface GatewaySettings {
  /** Timeouts and connection caps of its HTTP server (HEADERS_TIMEOUT_MS, …). */
  http: HttpLimits;
  /** Largest upload, in bytes (MAX_UPLOAD_BYTES). */
  maxUploadBytes: number;
  /** What one GraphQL operation may ask, over HTTP and the WebSocket (GRAPHQL_*). */
  operationLimits: OperationLimits;
  /** Caps and timeouts of the graphql-ws server (WS_*). */
  websocket: Omit<GraphQLWsOptions, 'path' | 'clientKey'>;
}

/**
 * The gateway's runtime settings: their defaults are here (and, for the operation and WebSocket
 * limits, in limits/env.ts) and nowhere else. The embedded launcher runs the gateway with them too.
 */
export const gatewaySettings = defineSettings(
  {
    // The one public service caps connections per address. Behind a proxy (TRUST_PROXY) every
    // client shares the proxy's address: set MAX_CONNECTIONS_PER_ADDRESS=0 there and let the
    // proxy cap them.
    ...httpLimitsEnv({ maxConnectionsPerAddress: 64 }),
    MAX_UPLOAD_BYTES: positiveInt(MAX_UPLOAD_BYTES),
    // What one GraphQL operation may ask (GRAPHQL_MAX_DEPTH, _ALIASES, _ROOT_FIELDS, _TOKENS,
    // _COST, GRAPHQL_DEFAULT_LIST_SIZE, GRAPHQL_MAX_VARIABLES_DEPTH) and what one WebSocket client
    // may hold (WS_MAX_SUBSCRIPTIONS_PER_SOCKET, WS_MAX_SOCKETS_PER_CLIENT,
    // WS_CONNECTION_INIT_TIMEOUT_MS, WS_KEEP_ALIVE_MS, WS_CLOSE_GRACE_MS, WS_MAX_PAYLOAD_BYTES):
    // see limits/env.ts.
    ...limitsEnv,
  },
  (env): GatewaySettings => ({
    http: httpLimitsFrom(env),
    maxUploadBytes: env.MAX_UPLOAD_BYTES,
    operationLimits: operationLimitsFrom(env),
    websocket: websocketLimitsFrom(env),
  }),
);

export const envSchema = z.object({
  ...gatewaySettings.env,
  PORT: port(4000),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel(),
  INTERNAL_SECRET: internalSecret(),
  ...subgraphUrlVariables,
  /** Proxies trusted to tell the client's address: `true`, or addresses/CIDRs comma-separated. */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value) => (value === 'true' ? true : value === 'false' ? false : value)),
  /**
   * The built web app to serve at `/` (web/dist). In the cluster the web app has a container of
   * its own and the gateway serves only the API; `pnpm start` and `pnpm cluster` set it.
   */
  WEB_DIR: z.string().optional(),
});

export type GatewayEnv = z.infer<typeof envSchema>;

export const readGatewayEnv = (source?: Record<string, string | undefined>): GatewayEnv =>
  parseEnv(envSchema, source);
