import { type ErrorCode, errorCodes } from '@pixelflow/product';
import { GraphQLError } from 'graphql';

// The codes themselves live with the product's other public facts (the web app reads them too).
export { type ErrorCode, errorCodes, isErrorCode } from '@pixelflow/product';

/** An expected failure with a registered code; anything else is reported as INTERNAL_SERVER_ERROR. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return errorCodes[this.code].status;
  }
}

export function graphqlError(
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...details } });
}

/** The JSON body of every plain-HTTP error answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

/** Turns an AppError into a GraphQL error with the same code; other errors pass through unchanged. */
export function toGraphQLError(error: unknown): unknown {
  if (error instanceof AppError) return graphqlError(error.code, error.message, error.details);
  return error;
}
