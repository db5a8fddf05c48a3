import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError } from '@pixelflow/errors';
import type { Logger } from '@pixelflow/logger';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

const isUnexpected = (code: unknown) => code === undefined || code === 'INTERNAL_SERVER_ERROR';

/**
 * The code an error leaves with: an AppError's own (a resolver's error wraps it, and its
 * `extensions` do not carry it yet), GraphQL's or Apollo's, else INTERNAL_SERVER_ERROR.
 */
export function errorCode(error: GraphQLError): string {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) return original.code;
  const code = error.extensions?.code;
  return isUnexpected(code) ? 'INTERNAL_SERVER_ERROR' : String(code);
}

/**
 * Every error leaves with a registered `extensions.code`. Expected failures (AppError) keep their
 * message; unexpected ones are masked, since their message may carry internals, and logged.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) {
    return {
      ...formatted,
      message: original.message,
      extensions: { ...original.details, code: original.code },
    };
  }
  if (!isUnexpected(formatted.extensions?.code)) return formatted;
  return {
    message: 'internal error',
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/** Logs the errors that formatError masks, with the operation they came from. */
export function logUnexpectedErrors<Context extends BaseContext>(
  logger: Logger,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, operationName }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            if (original instanceof AppError || !isUnexpected(error.extensions?.code)) continue;
            logger.error({ err: original, operationName, path: error.path }, 'unexpected GraphQL error');
          }
        },
      };
    },
  };
}

/**
 * An AppError as an Apollo plugin throws it to refuse a request before execution (from
 * didResolveOperation): Apollo answers it with the code's HTTP status. Thrown as it is, Apollo
 * would take it for an unexpected failure (500, INTERNAL_SERVER_ERROR).
 */
export function requestRefusal(error: AppError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { ...error.details, code: error.code, http: { status: error.status } },
  });
}
