import { readFileSync } from 'node:fs';
import type { BaseContext } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { Logger } from '@pixelflow/logger';
import {
  createHttpService,
  type HttpLimits,
  type HttpService,
  IDENTITY_HEADER,
  type Identity,
  verifyIdentity,
} from '@pixelflow/service-kit';
import type { FastifyRequest } from 'fastify';
import { type GraphQLSchema, parse } from 'graphql';
import { logUnexpectedErrors } from './errors.ts';
import { serveGraphQLHttp, type UploadOptions } from './http.ts';

/** What every subgraph service is started with, besides its own options. */
export interface SubgraphServiceBase {
  logger: Logger;
  /** Verifies the identity the gateway signed, and guards internal routes. */
  internalSecret: string;
  /** @default 0 (a free port) */
  port?: number;
  host?: string;
  /** Timeouts and connection caps of its HTTP server. @default defaultHttpLimits */
  http?: Partial<HttpLimits>;
}

export interface SubgraphServiceOptions<Context extends BaseContext> extends SubgraphServiceBase {
  name: string;
  /** The subgraph's SDL file (its schema.graphql). */
  schemaFile: URL;
  /**
   * The resolvers as codegen types them (`Resolvers` from generated/resolvers.ts). Their
   * signatures are stricter than @apollo/subgraph's resolver map, which takes any function: the
   * one cast between the two lives here.
   */
  resolvers: object;
  /** The context of one operation, from the caller's identity the gateway signed. */
  context: (identity: Identity, request: FastifyRequest) => Context | Promise<Context>;
  /** Throws (or rejects) while the service cannot serve. */
  readiness?: () => unknown;
  /** Accept GraphQL multipart requests (file uploads). */
  uploads?: UploadOptions;
}

/**
 * A subgraph service: its HTTP server (health, readiness, limits, graceful close) with its
 * federated schema served at /graphql, each operation's context made from the identity the
 * gateway signed (a header nobody else can forge), and unexpected errors logged and masked.
 */
export async function createSubgraphService<Context extends BaseContext>(
  options: SubgraphServiceOptions<Context>,
): Promise<{ service: HttpService; schema: GraphQLSchema }> {
  const { name, logger, internalSecret } = options;
  const service = createHttpService({
    name,
    logger,
    port: options.port,
    host: options.host,
    limits: options.http,
    readiness: options.readiness,
  });
  const schema = buildSubgraphSchema({
    typeDefs: parse(readFileSync(options.schemaFile, 'utf8')),
    // The one cast between codegen's resolver types and @apollo/subgraph's map (see `resolvers`).
    resolvers: options.resolvers as never,
  });
  await serveGraphQLHttp<Context>(service, {
    schema,
    context: async (request) =>
      options.context(verifyIdentity(internalSecret, request.headers[IDENTITY_HEADER]), request),
    uploads: options.uploads,
    plugins: [logUnexpectedErrors(logger)],
  });
  return { service, schema };
}
