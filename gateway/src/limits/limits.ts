import { DEFAULT_WS_MAX_PAYLOAD_BYTES } from '@pixelflow/graphql-kit';

/**
 * What one GraphQL operation may ask of the gateway, over HTTP and over the WebSocket alike. Every
 * limit is checked before execution; the web app's operations and GraphiQL's introspection query
 * stay well under each default (see limits.test.ts).
 */
export interface OperationLimits {
  /**
   * Deepest field nesting, fragments counted as the fields they hold. GraphiQL's introspection
   * query is 15 deep; the web app's deepest operation is 5.
   * @default 20
   */
  maxDepth: number;
  /** Aliases in one operation, through its fragments (aliases of `__typename` are free). @default 15 */
  maxAliases: number;
  /** Fields selected at an operation's root, through its fragments. @default 10 */
  maxRootFields: number;
  /** Length of the document in lexical tokens. The introspection query has 184. @default 1000 */
  maxTokens: number;
  /**
   * Estimated cost: every field counts 1, and a list's selection counts once per item: as many
   * as its `first` argument asks (or that argument's default), `defaultListSize` for a list with
   * no size argument. A gallery page of 100 images with every field costs about 2,700.
   * @default 5000
   */
  maxCost: number;
  /** Items assumed in a list that has no size argument. @default 10 */
  defaultListSize: number;
  /**
   * Nesting of the variables (objects and lists): `{ "params": { "a": 1 } }` is 2 deep; and of
   * every argument's value however it is written: `params: { a: 1 }` is 2 deep too, and a
   * variable inside a literal adds its own depth there. @default 16
   */
  maxVariablesDepth: number;
}

export const defaultOperationLimits: OperationLimits = {
  maxDepth: 20,
  maxAliases: 15,
  maxRootFields: 10,
  maxTokens: 1000,
  maxCost: 5000,
  defaultListSize: 10,
  maxVariablesDepth: 16,
};

/**
 * What one WebSocket client may hold at the gateway (the public edge; internal services set no
 * caps: the gateway multiplexes every caller on one socket to them). The web app holds one socket
 * per tab and one subscription per running job.
 */
export const defaultWebSocketLimits = {
  /** Operations one socket runs at once. */
  maxSubscriptionsPerSocket: 32,
  /**
   * Sockets one client address holds (the address as TRUST_PROXY decides it: behind a proxy not
   * listed there, every client shares the proxy's address).
   */
  maxSocketsPerClient: 32,
  /**
   * Largest message a client may send, in bytes (a larger one closes its socket, 1009). Well below
   * what the gateway may forward to a subgraph on the socket every caller shares
   * (MAX_FORWARDED_BYTES), however the gateway re-prints the operation and adds to it.
   */
  maxPayloadBytes: 128 * 1024,
} as const;

/** The largest maxPayloadBytes configurable: a quarter of a subgraph's message limit. */
export const MAX_CLIENT_PAYLOAD_BYTES = DEFAULT_WS_MAX_PAYLOAD_BYTES / 4;

/**
 * The largest subscribe message the gateway sends a subgraph (its operation as printed, its
 * variables and the caller's identity): half the subgraph's own limit, which would drop the
 * socket every caller shares. A larger one is refused, PAYLOAD_TOO_LARGE, for that caller alone.
 */
export const MAX_FORWARDED_BYTES = DEFAULT_WS_MAX_PAYLOAD_BYTES / 2;

/**
 * Brackets (`{`, `[`, `(`) a document may nest before it is parsed. A selection level opens one
 * brace, an inline fragment or an argument's list or object opens more, so four per level is
 * room enough for any document within maxDepth; the exact depth is measured after parsing. It
 * also keeps graphql-js' recursive parser far from the end of the stack (it overflows near 2,000
 * nested lists).
 */
export const nestingLimit = (limits: Pick<OperationLimits, 'maxDepth'>): number => 4 * limits.maxDepth;

/** The largest maxDepth configurable: 4 × 100 brackets is still far from the parser's limit. */
export const MAX_CONFIGURABLE_DEPTH = 100;
