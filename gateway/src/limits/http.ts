import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { AppError } from '@pixelflow/errors';
import { requestRefusal, sendGraphQLErrors } from '@pixelflow/graphql-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { GraphQLRequestParts, OperationGuard } from './guard.ts';

type RequestBody = Partial<Record<'query' | 'variables' | 'operationName' | 'extensions', unknown>>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A JSON search parameter as Apollo reads it; undefined when absent or not JSON (Apollo answers that). */
function jsonParameter(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** The GraphQL parts of a POST's body (JSON, or multipart once its map is applied) or a GET's search. */
function requestBody(request: FastifyRequest): RequestBody | undefined {
  if (request.method === 'POST') return isRecord(request.body) ? request.body : undefined;
  if (request.method !== 'GET' || !isRecord(request.query)) return undefined;
  const { query, operationName, variables, extensions } = request.query;
  return { query, operationName, variables: jsonParameter(variables), extensions: jsonParameter(extensions) };
}

/**
 * Applies the operation limits to GraphQL over HTTP before Apollo parses anything, and makes sure
 * Apollo's validation cannot throw (see OperationGuard.validate): a fastify hook, since an Apollo
 * plugin cannot refuse a request before Apollo's parse (a throw from didResolveSource or
 * parsingDidStart, or from validation itself, is answered as a 500). Register it before the route.
 * Requests that are not GraphQL requests at all (a batch, a query that is not a string) are left
 * to Apollo, which answers them 400 BAD_REQUEST.
 */
export function guardGraphQLHttp(
  app: FastifyInstance,
  guard: OperationGuard,
  { path, schema }: { path: string; schema: () => GraphQLSchema },
): void {
  app.addHook('preHandler', async (request, reply) => {
    if (request.url.split('?', 1)[0] !== path) return;
    const body = requestBody(request);
    if (!body) return;
    try {
      // Automatic persisted queries are off: no client of ours sends them, and their cache would be
      // the attacker's to fill. A 400 makes Apollo Client's persisted-query link fall back too.
      if (isRecord(body.extensions) && body.extensions.persistedQuery !== undefined) {
        throw new AppError('BAD_REQUEST', 'persisted queries are not supported: send the query');
      }
      if (typeof body.query !== 'string') return;
      const parts: GraphQLRequestParts = { ...body, query: body.query };
      const current = schema();
      const document = guard.parse(current, parts);
      guard.refuseSubscriptions(document, body.operationName);
      // Only for a throw: Apollo validates again and answers the errors found (graphql-js threw
      // from validate() where it could not evaluate a directive, which Apollo answered with a 500).
      guard.validate(current, document, body.query);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return sendGraphQLErrors(reply, error.status, error.code, error.message);
    }
  });
}

/**
 * The limits that need a validated document, as an Apollo plugin: which operation runs
 * (@apollo/gateway threw, answered as a 500, when operationName named none or was missing among
 * several operations) and its cost. A refusal from didResolveOperation is answered with its
 * code's status. Queries and mutations sent over the WebSocket pass here as well.
 */
export function operationLimitsPlugin<Context extends BaseContext>(
  guard: OperationGuard,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          try {
            guard.resolve(schema, document, request.operationName, request.variables);
          } catch (error) {
            throw error instanceof AppError ? requestRefusal(error) : error;
          }
        },
      };
    },
  };
}
