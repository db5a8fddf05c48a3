export { formatError, logUnexpectedErrors, requestRefusal } from './errors.ts';
export { type GraphQLHttpOptions, sendGraphQLErrors, serveGraphQLHttp, type UploadOptions } from './http.ts';
export { defaultGraphQLWsTimeouts, type GraphQLWsOptions, serveGraphQLWs, type WsExtra } from './ws.ts';
