/**
 * An internal HTTP API written once: each route is data (method, URL, zod schemas, whether it is
 * safe to send twice), from which the owning service serves it (`serveRoutes`) and its callers
 * call it (`callRoute`). Both sides take their types from the same schemas, so a change to a route
 * that one side does not follow fails the type check rather than a request.
 */
import type { IncomingMessage } from 'node:http';
import { z } from '@pixelflow/config';
import { AppError } from '@pixelflow/errors';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  FastifySchemaCompiler,
  FastifySerializerCompiler,
  RawServerDefault,
  RouteGenericInterface,
} from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { readJson, type Upstream } from './upstream.ts';

export type { ZodTypeProvider };

export interface RouteContract {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** fastify's pattern: each `:name` is filled from `params`. */
  readonly url: `/${string}`;
  readonly params?: z.ZodType;
  /** Numbers in it need `z.coerce.number<number>()`: a query string carries text. */
  readonly querystring?: z.ZodType;
  /**
   * A JSON body's schema, or `'bytes'`: raw bytes (an image) in a content type of their own,
   * which the serving scope's content-type parser takes and the handler checks, since what each
   * service accepts there, and how it refuses the rest, is its own.
   */
  readonly body?: z.ZodType | 'bytes';
  /** The success answer, always JSON; the server's answers pass through it too (see serveRoute). */
  readonly response: z.ZodType;
  /** @default 200 */
  readonly status?: 200 | 201;
  /** Safe to send twice: then Upstream resends it when a pooled connection drops under it. */
  readonly idempotent: boolean;
  /** How long the caller waits. @default 10000 */
  readonly timeoutMs?: number;
}

/** How a service's typed client is made: its instances and the internal secret. */
export interface ServiceClientOptions {
  /** Base URLs of the service's instances. */
  urls: readonly string[];
  internalSecret: string;
}

/** A service's routes by name; `const` keeps each route's own schemas in its type. */
export const defineRoutes = <const Routes extends Record<string, RouteContract>>(routes: Routes): Routes =>
  routes;

/** A `'bytes'` body as a client sends it. */
export interface Bytes {
  data: Buffer;
  contentType: string;
}

type Part<Key extends string, S> = S extends z.ZodType ? { [K in Key]: z.input<S> } : { [K in Key]?: never };
type BodyPart<B> = B extends 'bytes' ? { body: Bytes } : Part<'body', B>;

/** What a caller passes: `params`, `query` and `body`, each where the route has one. */
export type RouteInput<C extends RouteContract> = Part<'params', C['params']> &
  Part<'query', C['querystring']> &
  BodyPart<C['body']>;
export type RouteOutput<C extends RouteContract> = z.output<C['response']>;

export interface CallOptions {
  headers?: Record<string, string>;
  /** @default the route's timeoutMs */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Calls a route of another service. A non-2xx answer throws the AppError its body names (as
 * Upstream.json does); a 2xx answer that does not match the route's response throws
 * SERVICE_UNAVAILABLE, as an answer that is not JSON does: the types are then true, not assumed.
 */
export async function callRoute<C extends RouteContract>(
  upstream: Upstream,
  route: C,
  input: RouteInput<C>,
  options: CallOptions = {},
): Promise<RouteOutput<C>> {
  // RouteInput<C> is a conditional type, which cannot be taken apart while C is open.
  const { params, query, body } = input as {
    params?: Record<string, unknown>;
    query?: object;
    body?: unknown;
  };
  const path = route.url.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(params?.[name])));
  const bytes = route.body === 'bytes' ? (body as Bytes) : undefined;
  const json = route.body !== 'bytes' && body !== undefined;
  const response = await upstream.request(path + queryString(query), {
    method: route.method,
    headers: {
      ...(bytes && { 'content-type': bytes.contentType }),
      ...(json && { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: bytes ? bytes.data : json ? JSON.stringify(body) : null,
    idempotent: route.idempotent,
    timeoutMs: options.timeoutMs ?? route.timeoutMs,
    signal: options.signal,
  });
  const parsed = route.response.safeParse(await readJson<unknown>(response, upstream.name));
  // The schema is C's own, so its output is RouteOutput<C>; zod cannot see that through the generic.
  if (parsed.success) return parsed.data as RouteOutput<C>;
  throw new AppError(
    'SERVICE_UNAVAILABLE',
    `${upstream.name} answered ${route.method} ${route.url} unexpectedly: ${z.prettifyError(parsed.error)}`,
  );
}

function queryString(query: object | undefined): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) search.append(key, String(value));
  }
  return search.size === 0 ? '' : `?${search}`;
}

type Defined<S> = S extends z.ZodType ? S : undefined;
type ContractSchema<C extends RouteContract> = {
  params: Defined<C['params']>;
  querystring: Defined<C['querystring']>;
  body: Defined<C['body']>;
};

/** The request a route's handler gets: fastify-type-provider-zod types it from the schemas. */
export type RouteRequest<C extends RouteContract> = FastifyRequest<
  RouteGenericInterface,
  RawServerDefault,
  IncomingMessage,
  ContractSchema<C>,
  ZodTypeProvider
>;

/** Answers the route's success (its status is the route's); anything else is thrown as AppError. */
export type RouteHandler<C extends RouteContract> = (
  request: RouteRequest<C>,
  reply: FastifyReply,
) => Promise<RouteOutput<C>>;

// fastify types a route's compilers as taking its whole schema object; they get one part at a
// time (params, body, one status's response), which in these routes is a zod schema.
/**
 * Also for a public route whose answer is its own (bytes, statuses of its own) rather than a
 * contract: its params and query checked by zod schemas all the same, typed through
 * `app.withTypeProvider<ZodTypeProvider>()`.
 */
export const zodValidatorCompiler = validatorCompiler as unknown as FastifySchemaCompiler<FastifySchema>;
const zodSerializerCompiler = serializerCompiler as unknown as FastifySerializerCompiler<FastifySchema>;

/**
 * Serves a route: its schemas validate the request (a mismatch is fastify's validation error,
 * status 400, which the service's error handler answers as BAD_REQUEST) and the answer (a handler
 * whose answer breaks the contract is a bug of this service: 500, logged, and nothing of the
 * malformed answer goes out). Keys of an answer that the schema does not name are dropped, so
 * nothing leaks that the contract does not promise.
 */
export function serveRoute<C extends RouteContract>(
  app: FastifyInstance,
  route: C,
  handler: RouteHandler<C>,
): void {
  const status = route.status ?? 200;
  const schema: FastifySchema = { response: { [status]: route.response } };
  if (route.params) schema.params = route.params;
  if (route.querystring) schema.querystring = route.querystring;
  if (route.body && route.body !== 'bytes') schema.body = route.body;
  app.route({
    method: route.method,
    url: route.url,
    schema,
    // Per route, so that the scope's other routes (GraphQL, health) keep fastify's own compilers.
    validatorCompiler: zodValidatorCompiler,
    serializerCompiler: zodSerializerCompiler,
    handler: async (request, reply) => {
      reply.code(status);
      // fastify types a route's request from its schema only where the route is written out
      // literally; here the schema comes from the contract, and RouteRequest is that same type.
      return handler(request as RouteRequest<C>, reply);
    },
  });
}

/** Serves every route of a contract; the handlers' type makes a route left unserved an error. */
export function serveRoutes<Routes extends Record<string, RouteContract>>(
  app: FastifyInstance,
  routes: Routes,
  handlers: { [Name in keyof Routes]: RouteHandler<Routes[Name]> },
): void {
  for (const name of Object.keys(routes) as Array<keyof Routes>)
    serveRoute(app, routes[name], handlers[name]);
}
