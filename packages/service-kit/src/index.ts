export { logRequests, noteRequest, type RequestNote } from './access-log.ts';
export { addressKey } from './client-address.ts';
export {
  defaultHttpLimits,
  type HttpLimits,
  httpLimitsEnv,
  httpLimitsEnvValues,
  httpLimitsFrom,
  rawErrorAnswer,
} from './http-limits.ts';
export { createHttpService, type HttpService, type HttpServiceOptions } from './http-service.ts';
export { anonymous, IDENTITY_HEADER, type Identity, signIdentity, verifyIdentity } from './identity.ts';
export {
  type Closable,
  closeInOrder,
  closeTogether,
  listenFrom,
  metricsFrom,
  type RunMainOptions,
  runMain,
  runServiceMain,
  type ServiceMain,
  startMetrics,
  tracingFrom,
} from './main.ts';
export {
  type Bytes,
  type CallOptions,
  callRoute,
  defineRoutes,
  type RouteContract,
  type RouteHandler,
  type RouteInput,
  type RouteOutput,
  type RouteRequest,
  type ServiceClientOptions,
  serveRoute,
  serveRoutes,
  type ZodTypeProvider,
  zodValidatorCompiler,
} from './route-contract.ts';
export { DISCARD_LIMIT, finishReading } from './unread-body.ts';
export {
  errorFromBody,
  hasInternalToken,
  INTERNAL_TOKEN_HEADER,
  isInternalToken,
  readJson,
  requireInternalToken,
  Upstream,
  type UpstreamOptions,
  type UpstreamRequest,
  type UpstreamResponse,
} from './upstream.ts';
