import { millis, z } from '@pixelflow/config';
import { defaultGraphQLWsTimeouts, type GraphQLWsOptions } from '@pixelflow/graphql-kit';
import {
  defaultOperationLimits as d,
  defaultWebSocketLimits,
  MAX_CLIENT_PAYLOAD_BYTES,
  MAX_CONFIGURABLE_DEPTH,
  type OperationLimits,
} from './limits.ts';

const count = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const w = { ...defaultGraphQLWsTimeouts, ...defaultWebSocketLimits };

/**
 * The environment variables of the operation and WebSocket limits, for the gateway's env.ts.
 * The defaults are those of OperationLimits, defaultWebSocketLimits and GraphQLWsOptions.
 */
export const limitsEnv = {
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).max(MAX_CONFIGURABLE_DEPTH).default(d.maxDepth),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).default(d.maxAliases),
  GRAPHQL_MAX_ROOT_FIELDS: count(d.maxRootFields),
  GRAPHQL_MAX_TOKENS: count(d.maxTokens),
  GRAPHQL_MAX_COST: count(d.maxCost),
  GRAPHQL_DEFAULT_LIST_SIZE: count(d.defaultListSize),
  GRAPHQL_MAX_VARIABLES_DEPTH: count(d.maxVariablesDepth),
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: count(w.maxSubscriptionsPerSocket),
  /** 0: no limit (behind a proxy not in TRUST_PROXY every client shares the proxy's address). */
  WS_MAX_SOCKETS_PER_CLIENT: z.coerce.number().int().min(0).default(w.maxSocketsPerClient),
  WS_CONNECTION_INIT_TIMEOUT_MS: millis(w.connectionInitWaitTimeoutMs),
  WS_KEEP_ALIVE_MS: millis(w.keepAliveMs),
  WS_CLOSE_GRACE_MS: millis(w.closeGraceMs),
  /** At most MAX_CLIENT_PAYLOAD_BYTES: what a client sends stays far below what reaches a subgraph. */
  WS_MAX_PAYLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(4096)
    .max(MAX_CLIENT_PAYLOAD_BYTES)
    .default(w.maxPayloadBytes),
};

type LimitsEnv = { [K in keyof typeof limitsEnv]: number };

export function operationLimitsFrom(env: LimitsEnv): OperationLimits {
  return {
    maxDepth: env.GRAPHQL_MAX_DEPTH,
    maxAliases: env.GRAPHQL_MAX_ALIASES,
    maxRootFields: env.GRAPHQL_MAX_ROOT_FIELDS,
    maxTokens: env.GRAPHQL_MAX_TOKENS,
    maxCost: env.GRAPHQL_MAX_COST,
    defaultListSize: env.GRAPHQL_DEFAULT_LIST_SIZE,
    maxVariablesDepth: env.GRAPHQL_MAX_VARIABLES_DEPTH,
  };
}

export function websocketLimitsFrom(env: LimitsEnv): GraphQLWsOptions {
  return {
    maxSubscriptionsPerSocket: env.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
    maxSocketsPerClient: env.WS_MAX_SOCKETS_PER_CLIENT,
    connectionInitWaitTimeoutMs: env.WS_CONNECTION_INIT_TIMEOUT_MS,
    keepAliveMs: env.WS_KEEP_ALIVE_MS,
    closeGraceMs: env.WS_CLOSE_GRACE_MS,
    maxPayloadBytes: env.WS_MAX_PAYLOAD_BYTES,
  };
}
