import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { type ErrorCode, isErrorCode, MAX_UPLOAD_MB } from '@pixelflow/product';

/** The product's error codes, and the page's own for a request that reached no server. */
type PageErrorCode = ErrorCode | 'NETWORK_ERROR';

/**
 * What the page tells a person for each error code the API reports (`extensions.code`): every code
 * of the product's registry, no other. null: nothing of the page's own, the server's words are
 * shown (codes for malformed requests, which the page does not send).
 */
const messages = {
  PAYLOAD_TOO_LARGE: `The file is larger than ${MAX_UPLOAD_MB} MB. Choose a smaller image.`,
  UNSUPPORTED_IMAGE: 'This file is not an image we can read. Use a JPEG, PNG, WebP, GIF or AVIF image.',
  CORRUPT_IMAGE: 'The image is damaged or incomplete. Try another file.',
  IMAGE_TOO_LARGE: 'The image has too many pixels for this converter. Try a smaller image.',
  UNKNOWN_CONVERTER: 'That converter no longer exists. Pick another one.',
  INVALID_PARAMS: 'Some settings are not accepted',
  CONVERTER_FAILED: 'The converter failed on this image. Try again or pick another converter.',
  CONVERTER_REJECTED: 'The converter refused this image.',
  CONVERTER_TIMEOUT: 'The converter took too long. Try a smaller image or lighter settings.',
  ATTEMPTS_EXHAUSTED: 'The conversion failed several times. Try again later.',
  JOB_NOT_FOUND: 'The job expired or is unknown. Start it again.',
  JOB_CANCELLED: 'The conversion was cancelled.',
  INVALID_CREDENTIALS: 'Wrong email or password.',
  EMAIL_TAKEN: 'An account with this email exists already. Sign in instead.',
  WEAK_PASSWORD: 'This password is too weak',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  QUEUE_FULL: 'Pixelflow has too much work queued right now. Try again in a moment.',
  QUEUE_TIMEOUT: 'The conversion waited too long for a free converter. Try again later.',
  WORK_TOO_LARGE: 'These settings would make the result too large. Choose a smaller size.',
  REQUEST_TIMEOUT: 'The upload stalled. Check your connection and try again.',
  TOO_MANY_CONNECTIONS: 'Too many connections from your address. Close other tabs and try again.',
  BAD_USER_INPUT: 'Some input is not valid',
  UNAUTHENTICATED: 'Your session ended. Sign in again.',
  INVALID_TOKEN: 'Your session ended. Sign in again.',
  IMAGE_NOT_FOUND: 'This image no longer exists.',
  FORBIDDEN: 'You may not do this.',
  SERVICE_UNAVAILABLE: 'A part of Pixelflow is down right now. Try again in a minute.',
  SHUTTING_DOWN: 'The server is restarting. Try again in a moment.',
  NETWORK_ERROR: 'Could not reach the server. Check your connection and try again.',
  INTERNAL_SERVER_ERROR: 'Something went wrong on the server. Try again.',
  BAD_REQUEST: null,
  GRAPHQL_PARSE_FAILED: null,
  GRAPHQL_VALIDATION_FAILED: null,
  OPERATION_RESOLUTION_FAILURE: null,
  OPERATION_NOT_SUPPORTED: null,
  QUERY_TOO_DEEP: null,
  TOO_MANY_ALIASES: null,
  TOO_MANY_ROOT_FIELDS: null,
  TOO_MANY_TOKENS: null,
  QUERY_TOO_COSTLY: null,
  VARIABLES_TOO_DEEP: null,
  TOO_MANY_SUBSCRIPTIONS: null,
  NOT_FOUND: null,
  INVALID_SIGNATURE: null,
  JOB_CONFLICT: null,
  JOB_PENDING: null,
} as const satisfies Record<PageErrorCode, string | null>;

/** The page's message for a code, if it has one (a code from no registry has none). */
const messageFor = (code: string): string | undefined =>
  (isErrorCode(code) || code === 'NETWORK_ERROR' ? messages[code] : null) ?? undefined;

// Codes whose server message adds what the person needs (which param, which rule).
const withServerDetail = new Set<string>([
  'INVALID_PARAMS',
  'WEAK_PASSWORD',
  'BAD_USER_INPUT',
] satisfies ErrorCode[]);

export interface ApiFailure {
  code: string;
  /** What to show in the page. */
  message: string;
  /** The server's own words, when it sent any. */
  serverMessage?: string;
  details?: Record<string, unknown>;
}

interface GraphQLErrorLike {
  message: string;
  extensions?: Record<string, unknown>;
}

/** The first GraphQL error in an Apollo error (also in a non-2xx body that came as plain JSON). */
function graphQLErrorOf(error: unknown): GraphQLErrorLike | undefined {
  if (CombinedGraphQLErrors.is(error)) return error.errors[0];
  if (ServerError.is(error)) {
    try {
      return (JSON.parse(error.bodyText) as { errors?: GraphQLErrorLike[] }).errors?.[0];
    } catch {
      return undefined;
    }
  }
  if (typeof error === 'object' && error !== null && 'code' in error && 'message' in error) {
    const { code, message, details } = error as { code: unknown; message: unknown; details?: unknown };
    return { message: String(message), extensions: { code, ...(details as object) } };
  }
  return undefined;
}

/** The API's error code in anything thrown by a request, or NETWORK_ERROR / UNKNOWN. */
export function errorCodeOf(error: unknown): string {
  const code = graphQLErrorOf(error)?.extensions?.code;
  if (typeof code === 'string') return code;
  if (ServerError.is(error))
    return error.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : `HTTP_${error.statusCode}`;
  if (error instanceof TypeError) return 'NETWORK_ERROR';
  return 'UNKNOWN';
}

/** True for the gateway's answer to a bad or expired access token: refresh and retry. */
export function isUnauthorized(error: unknown): boolean {
  return errorCodeOf(error) === 'INVALID_TOKEN' || (ServerError.is(error) && error.statusCode === 401);
}

/** A person-readable account of a failed request, from its error code. */
export function describeError(error: unknown): ApiFailure {
  const graphQLError = graphQLErrorOf(error);
  const code = errorCodeOf(error);
  const { code: _, ...details } = graphQLError?.extensions ?? {};
  const serverMessage = graphQLError?.message;
  let message = messageFor(code);
  if (message && withServerDetail.has(code) && serverMessage) message = `${message}: ${serverMessage}.`;
  else if (message && withServerDetail.has(code)) message = `${message}.`;
  if (code === 'RATE_LIMITED') message = rateLimitMessage(details);
  // A converter's own pixel limit: the server's words name the converter and the size that fits.
  if (code === 'IMAGE_TOO_LARGE' && details.fits && serverMessage) message = serverMessage;
  if (!message) message = serverMessage ?? (error instanceof Error ? error.message : 'Something went wrong.');
  return { code, message, serverMessage, details };
}

/** What a refusal for too many requests says: which limit, and when to try again. */
function rateLimitMessage(details: Record<string, unknown>): string {
  const wait = typeof details.retryAfter === 'number' ? ` in ${Math.ceil(details.retryAfter)} seconds` : '';
  // The conversion service says which of its limits it was: conversions running at once, or the rate.
  if (details.limit === 'active')
    return `You have ${typeof details.maxActive === 'number' ? details.maxActive : 'several'} conversions waiting or running. Wait for one to finish.`;
  if (details.limit === 'active-heavy') {
    const one = details.maxActive === 1 || typeof details.maxActive !== 'number';
    return one
      ? 'You already have a heavy conversion (such as DeepDream or upscaling) waiting or running. Wait for it to finish, or cancel it.'
      : `You already have ${details.maxActive} heavy conversions (such as DeepDream or upscaling) waiting or running. Wait for one to finish, or cancel one.`;
  }
  if (details.limit === 'rate') return `You converted many images in a short time. Try again${wait}.`;
  return wait ? `Too many attempts. Try again${wait}.` : messages.RATE_LIMITED;
}

/** Human text for a job's own error ({code, message} of a FAILED job). */
export function describeJobError(error: { code: string; message: string } | null | undefined): string {
  if (!error) return 'The conversion failed.';
  return messageFor(error.code) ?? error.message;
}
