export { formatError, logUnexpectedErrors, requestRefusal } from './errors.ts';
export { type GraphQLHttpOptions, sendGraphQLErrors, serveGraphQLHttp, type UploadOptions } from './http.ts';
export { createSubgraphService, type SubgraphServiceBase, type SubgraphServiceOptions } from './subgraph.ts';
export {
  DEFAULT_WS_MAX_PAYLOAD_BYTES,
  defaultGraphQLWsTimeouts,
  type GraphQLWsOptions,
  serveGraphQLWs,
  type WsExtra,
} from './ws.ts';
