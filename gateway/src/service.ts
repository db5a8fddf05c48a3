import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApolloGateway } from '@apollo/gateway';
import {
  logUnexpectedErrors,
  sendGraphQLErrors,
  serveGraphQLHttp,
  serveGraphQLWs,
} from '@pixelflow/graphql-kit';
import type { Logger } from '@pixelflow/logger';
import {
  anonymous,
  createHttpService,
  type HttpService,
  IDENTITY_HEADER,
  type Identity,
  INTERNAL_TOKEN_HEADER,
  noteRequest,
  signIdentity,
  Upstream,
} from '@pixelflow/service-kit';
import { type GraphQLSchema, print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { clientIpResolver, createAuthenticator, rejectAs401 } from './authentication.ts';
import { type GatewayContext, SubgraphDataSource } from './data-source.ts';
import type { GatewaySettings } from './env.ts';
import { websocketClientKey } from './limits/client-key.ts';
import { OperationGuard } from './limits/guard.ts';
import { guardGraphQLHttp, operationLimitsPlugin } from './limits/http.ts';
import { registerProxyRoutes } from './proxy-routes.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { SubscriptionRouter, toExecutionResult } from './subscriptions/router.ts';
import { supergraphInfo, supergraphSdl } from './supergraph.ts';
import { registerWebApp } from './web-app.ts';

/** The settings (GatewaySettings) have their defaults in env.ts only: `gatewaySettings.defaults`. */
export interface GatewayOptions extends GatewaySettings {
  logger: Logger;
  internalSecret: string;
  /** Base URLs per subgraph name (several instances each, where there are). */
  subgraphs: Record<string, readonly string[]>;
  /** @default 0 (a free port) */
  port?: number;
  /**
   * Which proxies in front may say who the client is (X-Forwarded-For): fastify's trustProxy.
   * @default false
   */
  trustProxy?: boolean | string;
  host?: string;
  /** The built web app (web/dist) to serve at `/` and `/playground`; none when absent. */
  webDir?: string;
}

// Room for the multipart envelope (operations, map, part headers) around the file itself.
const MULTIPART_OVERHEAD = 64 * 1024;

/**
 * The public edge: @apollo/gateway over the static supergraph for queries and mutations (uploads
 * streamed through), its own graphql-ws server for subscriptions, and `/jobs/:id/result`.
 */
export async function createGateway(options: GatewayOptions): Promise<HttpService> {
  const { logger, internalSecret, subgraphs, maxUploadBytes } = options;
  const info = supergraphInfo;
  const upstreams = new Map<string, Upstream>();
  for (const graph of info.graphs.values()) {
    const urls = subgraphs[graph.name];
    if (!urls?.length) throw new Error(`no URL for the subgraph "${graph.name}"`);
    upstreams.set(graph.name, new Upstream({ urls, secret: internalSecret, name: graph.name }));
  }
  const headers = (context: GatewayContext) => ({
    'x-request-id': context.requestId,
    [IDENTITY_HEADER]: signIdentity(internalSecret, context.identity),
  });
  const authenticator = createAuthenticator({ authUrls: upstreams.get('auth')!.urls, logger });
  await authenticator.start();
  const dataSources = new Map(
    [...upstreams].map(([name, upstream]) => [name, new SubgraphDataSource(upstream, headers)]),
  );

  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) => {
      const source = dataSources.get(name);
      if (!source) throw new Error(`no data source for ${name}`);
      return source;
    },
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });
  const currentSchema = (): GraphQLSchema => {
    if (!apiSchema) throw new Error('the supergraph is not loaded yet');
    return apiSchema;
  };

  const service = createHttpService({
    name: 'gateway',
    logger,
    port: options.port,
    host: options.host,
    trustProxy: options.trustProxy,
    limits: options.http,
    // The edge: one line per request; its clients' keep-alive connections end without a race.
    accessLog: true,
    drainIdleConnections: true,
    edge: true,
  });
  const { app } = service;

  // An upload whose declared length is already too large is refused without parsing or keeping
  // any of it (the service kit drops the rest of the body, or closes an absurd one, before the
  // answer leaves).
  app.addHook('onRequest', async (request, reply) => {
    const length = Number(request.headers['content-length']);
    if (!request.url.startsWith('/graphql') || !(length > maxUploadBytes + MULTIPART_OVERHEAD)) return;
    return sendGraphQLErrors(
      reply,
      413,
      'PAYLOAD_TOO_LARGE',
      `the request is larger than ${maxUploadBytes} bytes`,
    );
  });

  const guard = new OperationGuard(options.operationLimits);
  // Before the route: the limits apply before Apollo parses anything.
  guardGraphQLHttp(app, guard, { path: '/graphql', schema: currentSchema });
  const apollo = await serveGraphQLHttp<GatewayContext>(service, {
    gateway,
    context: async (request) => {
      const identity = await authenticator
        .identify(request.headers.authorization, request.ip)
        .catch(rejectAs401);
      noteRequest(request, { user: identity.userId ?? 'anonymous' });
      return { requestId: String(request.id), identity };
    },
    uploads: { maxFileSize: maxUploadBytes },
    plugins: [logUnexpectedErrors(logger), operationLimitsPlugin(guard)],
  });

  const clients = new Map<string, Client>();
  const clientFor = (graph: string): Client => {
    let client = clients.get(graph);
    if (!client) {
      client = subgraphWsClient(
        upstreams.get(graph)!.urls,
        internalSecret,
        logger.child({ subgraph: graph }),
      );
      clients.set(graph, client);
    }
    return client;
  };
  const clientIp = clientIpResolver(options.trustProxy);
  // The identity each socket proved in connection_init, for the subscriptions it starts.
  const identities = new WeakMap<object, Identity>();
  const router = new SubscriptionRouter({
    info,
    schema: currentSchema,
    client: clientFor,
    fetchEntities: (graph, request, context) =>
      dataSources.get(graph)!.send(request, context as GatewayContext),
    // One socket per subgraph carries every caller's subscriptions: identity travels per operation.
    extensions: (context) => ({
      requestId: context.requestId,
      identity: signIdentity(internalSecret, (context as GatewayContext).identity),
    }),
    logger,
  });
  serveGraphQLWs<Record<string, unknown>>(
    service,
    {
      // Each operation passes the limits HTTP applies before graphql-ws would parse it; a refused
      // one is answered alone, and the socket and its other subscriptions carry on.
      onSubscribe: (_ctx, _id, payload) => guard.prepare(currentSchema(), payload),
      // The access token comes in connection_init; a bad one closes the socket (4403 Forbidden).
      onConnect: async (ctx) => {
        try {
          identities.set(
            ctx,
            await authenticator.identify(ctx.connectionParams?.authorization, clientIp(ctx.extra.request)),
          );
          return true;
        } catch {
          return false;
        }
      },
      context: (ctx): GatewayContext => ({
        requestId: randomUUID(),
        identity: identities.get(ctx) ?? anonymous(),
      }),
      subscribe: (args) => router.subscribe(args),
      // Queries and mutations sent over the socket go through Apollo's executor like any other.
      execute: async (args) => {
        // Thrown, an error would make graphql-ws close the socket and every subscription on it.
        const response = await apollo
          .executeOperation(
            {
              query: print(args.document),
              variables: (args.variableValues ?? undefined) as Record<string, unknown> | undefined,
              operationName: args.operationName ?? undefined,
            },
            { contextValue: args.contextValue as GatewayContext },
          )
          .catch((error: unknown) => {
            logger.error({ err: error }, 'an operation over the socket failed');
            return undefined;
          });
        if (response?.body.kind !== 'single') {
          return toExecutionResult({
            errors: [{ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
          });
        }
        return toExecutionResult(response.body.singleResult);
      },
    },
    { ...options.websocket, clientKey: websocketClientKey(options.trustProxy) },
  );
  service.onShutdown(async () => {
    authenticator.stop();
    await Promise.all([...clients.values()].map((client) => client.dispose()));
  });

  registerProxyRoutes(app, { jobs: upstreams.get('jobs')!, gallery: upstreams.get('gallery')! });
  registerSessionRoutes(app, upstreams.get('auth')!, internalSecret);
  if (options.webDir) await registerWebApp(app, options.webDir);
  return service;
}

/**
 * One graphql-ws connection per subgraph, shared by every subscription routed to it. When an
 * instance goes away the client reconnects (to the next instance) and re-subscribes; the subgraph
 * then sends each job's current state first, so no change is missed.
 */
function subgraphWsClient(urls: readonly string[], internalSecret: string, logger: Logger): Client {
  let next = 0;
  return createClient({
    url: () => `${urls[next++ % urls.length]!.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { [INTERNAL_TOKEN_HEADER]: internalSecret },
    lazy: true,
    lazyCloseTimeout: 10_000,
    keepAlive: 10_000,
    retryAttempts: 10,
    shouldRetry: () => true,
    retryWait: async (retries) => {
      await sleep(Math.min(3000, 100 * 2 ** retries) * (0.5 + Math.random() / 2));
    },
    on: {
      connected: () => logger.debug('subgraph socket connected'),
      closed: (event) => logger.debug({ code: (event as { code?: number })?.code }, 'subgraph socket closed'),
    },
  });
}
