export { formatError, logUnexpectedErrors } from './errors.ts';
export { type GraphQLHttpOptions, sendGraphQLErrors, serveGraphQLHttp, type UploadOptions } from './http.ts';
export { type GraphQLWsOptions, serveGraphQLWs, type WsExtra } from './ws.ts';
