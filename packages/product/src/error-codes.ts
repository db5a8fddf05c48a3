import { JOB_TTL_MS, MAX_UPLOAD_MB, RESULT_RETENTION_MS } from './limits.ts';

interface ErrorCodeInfo {
  /** The HTTP status this code maps to on plain HTTP routes. */
  status: number;
  description: string;
}

/**
 * Every error code the product reports, as `extensions.code` in GraphQL and as `error.code` in the
 * JSON body of plain HTTP routes. Clients switch on these; add, never rename.
 */
export const errorCodes = {
  BAD_REQUEST: {
    status: 400,
    description: 'The request is malformed (for example a broken multipart body).',
  },
  BAD_USER_INPUT: { status: 400, description: 'An argument is invalid.' },
  GRAPHQL_PARSE_FAILED: { status: 400, description: 'The GraphQL document does not parse.' },
  GRAPHQL_VALIDATION_FAILED: {
    status: 400,
    description:
      'The GraphQL document is not valid against the schema (or holds several unnamed operations).',
  },
  OPERATION_RESOLUTION_FAILURE: {
    status: 400,
    description: 'The operation to run cannot be chosen: operationName is missing or names none.',
  },
  OPERATION_NOT_SUPPORTED: {
    status: 400,
    description:
      'The operation cannot run over this transport (a subscription over HTTP: use the WebSocket).',
  },
  QUERY_TOO_DEEP: { status: 400, description: 'The operation nests selections deeper than allowed.' },
  TOO_MANY_ALIASES: { status: 400, description: 'The operation uses more aliases than allowed.' },
  TOO_MANY_ROOT_FIELDS: { status: 400, description: 'The operation selects more root fields than allowed.' },
  TOO_MANY_TOKENS: { status: 400, description: 'The GraphQL document is longer (in tokens) than allowed.' },
  QUERY_TOO_COSTLY: {
    status: 400,
    description: "The operation's estimated cost (fields times list sizes) is over the limit.",
  },
  VARIABLES_TOO_DEEP: { status: 400, description: 'A variable (or params) nests deeper than allowed.' },
  TOO_MANY_SUBSCRIPTIONS: {
    status: 429,
    description: 'This socket already holds as many subscriptions as allowed.',
  },
  TOO_MANY_CONNECTIONS: {
    status: 429,
    description: 'This client address already holds as many connections or sockets as allowed.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    description: 'The request (headers, body or upload) arrived too slowly or stalled.',
  },
  QUEUE_FULL: { status: 503, description: 'The conversion queue is full; retry later.' },
  QUEUE_TIMEOUT: {
    status: 503,
    description: 'The job waited in the conversion queue longer than allowed and was given up; retry later.',
  },
  WORK_TOO_LARGE: {
    status: 422,
    description:
      'The params ask for more work than one conversion may do (e.g. a resize past the output pixel limit).',
  },
  INVALID_PARAMS: { status: 400, description: "The converter's params do not match its JSON Schema." },
  UNAUTHENTICATED: { status: 401, description: 'A valid access token is required.' },
  INVALID_CREDENTIALS: {
    status: 401,
    description: 'The email or the password is wrong (the answer does not say which).',
  },
  INVALID_TOKEN: {
    status: 401,
    description: 'The token is malformed, expired, revoked, or not signed by Pixelflow for Pixelflow.',
  },
  EMAIL_TAKEN: { status: 409, description: 'An account with this email exists.' },
  WEAK_PASSWORD: { status: 400, description: 'The password is too short, too long or too common.' },
  FORBIDDEN: { status: 403, description: 'The caller may not do this.' },
  NOT_FOUND: { status: 404, description: 'No such resource.' },
  IMAGE_NOT_FOUND: { status: 404, description: 'No such image, or not yours.' },
  INVALID_SIGNATURE: { status: 403, description: 'The signed URL was changed or has expired.' },
  JOB_NOT_FOUND: {
    status: 404,
    description:
      `The job is unknown or expired: ${JOB_TTL_MS / 1000} s without a heartbeat while it waited or ran, ` +
      `or ${RESULT_RETENTION_MS / 60_000} min after it finished (by default).`,
  },
  UNKNOWN_CONVERTER: { status: 400, description: 'No converter has this id.' },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    description: `The upload is larger than ${MAX_UPLOAD_MB} MB (or a subscription larger than the gateway forwards).`,
  },
  UNSUPPORTED_IMAGE: { status: 415, description: 'The file is not an image in an accepted format.' },
  CORRUPT_IMAGE: { status: 422, description: 'The image is truncated or damaged.' },
  IMAGE_TOO_LARGE: { status: 422, description: 'The image has more pixels than allowed.' },
  RATE_LIMITED: { status: 429, description: 'Too many requests; retry later.' },
  JOB_CONFLICT: {
    status: 409,
    description: 'The job is not in a state that allows this change (e.g. it finished).',
  },
  JOB_CANCELLED: {
    status: 410,
    description: 'The job was cancelled by whoever started it; it has no result.',
  },
  JOB_PENDING: { status: 202, description: 'The job is queued or running; its result is not ready yet.' },
  CONVERTER_REJECTED: { status: 502, description: 'The converter refused the input (it answered 4xx).' },
  CONVERTER_FAILED: {
    status: 502,
    description: 'The converter failed (5xx, dropped connection or bad answer).',
  },
  CONVERTER_TIMEOUT: { status: 504, description: 'The converter did not answer in time.' },
  ATTEMPTS_EXHAUSTED: { status: 502, description: 'The job was retried the maximum number of times.' },
  SERVICE_UNAVAILABLE: { status: 503, description: 'A service this request needs is down; retry later.' },
  SHUTTING_DOWN: { status: 503, description: 'This instance is shutting down; retry on another.' },
  INTERNAL_SERVER_ERROR: { status: 500, description: 'An unexpected failure; it is logged.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof errorCodes;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}
