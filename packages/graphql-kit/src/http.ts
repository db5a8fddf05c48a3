import {
  ApolloServer,
  type ApolloServerOptionsWithGateway,
  type ApolloServerPlugin,
  type BaseContext,
} from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import { type ErrorCode, graphqlError } from '@pixelflow/errors';
import type { HttpService } from '@pixelflow/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { formatError } from './errors.ts';
import { countRefusals, metricsPlugin, noteRefusal } from './metrics.ts';
import { processMultipart } from './multipart.ts';

export interface UploadOptions {
  /** Largest file accepted, in bytes; a larger one fails while streaming, before it is buffered. */
  maxFileSize: number;
  /** @default 1 */
  maxFiles?: number;
}

export interface GraphQLHttpOptions<Context extends BaseContext> {
  /** A schema (a subgraph) or a gateway: exactly one of the two. */
  schema?: GraphQLSchema;
  gateway?: ApolloServerOptionsWithGateway<Context>['gateway'];
  context: (request: FastifyRequest, reply: FastifyReply) => Promise<Context>;
  /** Accept GraphQL multipart requests (file uploads). */
  uploads?: UploadOptions;
  plugins?: ApolloServerPlugin<Context>[];
  /** @default '/graphql' */
  path?: string;
}

/** The headers Apollo's CSRF prevention accepts as proof that a request was preflighted. */
const HTTP_REQUEST = Symbol('pixelflow.httpRequest');

const preflightHeaders = ['apollo-require-preflight', 'x-apollo-operation-name'] as const;

const isPreflighted = (request: FastifyRequest) =>
  preflightHeaders.some((name) => {
    const value = request.headers[name];
    return typeof value === 'string' && value.length > 0;
  });

const mediaType = (header: string | undefined) => header?.split(';', 1)[0]?.trim().toLowerCase();

/** An answer in the GraphQL-over-HTTP error shape, for requests rejected before execution. */
export function sendGraphQLErrors(reply: FastifyReply, status: number, code: ErrorCode, message: string) {
  const error: GraphQLFormattedError = graphqlError(code, message).toJSON();
  noteRefusal(reply.request, code);
  return reply
    .code(status)
    .type('application/json')
    .send({ errors: [error] });
}

/**
 * Serves GraphQL over HTTP at `/graphql` on the service's fastify app through Apollo Server, with
 * CSRF prevention on (multipart requests need `Apollo-Require-Preflight`) and masked errors.
 */
export async function serveGraphQLHttp<Context extends BaseContext>(
  service: HttpService,
  options: GraphQLHttpOptions<Context>,
): Promise<ApolloServer<Context>> {
  const { schema, gateway, context, uploads, plugins = [], path = '/graphql' } = options;
  const { app } = service;
  // Each operation's context back to its HTTP request: the metrics plugin notes the operation
  // for the request's access log line. A symbol key, since Apollo hands the plugins a copy of the
  // context (Object.assign copies symbol keys too).
  const contextOf = async (request: FastifyRequest, reply: FastifyReply) => {
    let value: Context;
    try {
      value = await context(request, reply);
    } catch (error) {
      // Refused before any operation ran (a bad token): Apollo answers it, no plugin sees it.
      noteRefusal(request, String((error as GraphQLError).extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
      throw error;
    }
    if (typeof value === 'object' && value !== null)
      (value as Record<symbol, unknown>)[HTTP_REQUEST] = request;
    return value;
  };
  const common = {
    // Inline traces serve Apollo's hosted usage reporting, which a self-hosted product does not use.
    plugins: [
      fastifyApolloDrainPlugin(app),
      metricsPlugin<Context>(
        service.name,
        (value) => (value as Record<symbol, FastifyRequest | undefined>)[HTTP_REQUEST],
      ),
      ...(schema ? [ApolloServerPluginInlineTraceDisabled()] : []),
      ...plugins,
    ],
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    csrfPrevention: true,
    // runMain owns SIGTERM: Apollo's own handler would stop the server and re-raise the signal
    // before the service's drain (running jobs, open sockets) is done.
    stopOnTerminationSignals: false,
  };
  const apollo = gateway
    ? new ApolloServer<Context>({ ...common, gateway })
    : new ApolloServer<Context>({ ...common, schema: schema! });
  await apollo.start();
  service.onShutdown(() => apollo.stop());

  const isMultipart = (request: FastifyRequest) =>
    request.url.split('?', 1)[0] === path &&
    mediaType(request.headers['content-type']) === 'multipart/form-data';

  if (uploads) {
    // Leave the body unread: processMultipart streams it, enforcing the size limit as it goes.
    app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null));
    // Apollo's CSRF prevention runs in the handler, after the body; a multipart body must not be
    // read at all (its map applied, its files buffered) for a request that a cross-site form
    // could have sent. So the same rule is checked here first: a form cannot set these headers.
    app.addHook('onRequest', async (request, reply) => {
      if (!isMultipart(request) || isPreflighted(request)) return;
      return sendGraphQLErrors(
        reply,
        400,
        'BAD_REQUEST',
        `a multipart request needs a non-empty ${preflightHeaders.join(' or ')} header (CSRF prevention)`,
      );
    });
    app.addHook('preValidation', async (request, reply) => {
      if (!isMultipart(request)) return;
      try {
        request.body = await processMultipart(request.raw, {
          maxFileSize: uploads.maxFileSize,
          maxFiles: uploads.maxFiles ?? 1,
        });
      } catch (error) {
        const status = (error as { status?: number }).status ?? 400;
        const message = (error as Error).message;
        if (status === 413) return sendGraphQLErrors(reply, 413, 'PAYLOAD_TOO_LARGE', message);
        if (status === 499) return reply.hijack(); // the client is gone; nobody reads an answer
        return sendGraphQLErrors(reply, 400, 'BAD_REQUEST', `malformed multipart request: ${message}`);
      }
    });
  }

  countRefusals(app, service.name, path);
  app.route({
    url: path,
    method: ['GET', 'POST', 'OPTIONS'],
    handler: fastifyApolloHandler<Context>(apollo, { context: contextOf }),
  });
  return apollo;
}
