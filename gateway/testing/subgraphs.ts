import type { AddressInfo } from 'node:net';
import {
  buildSchema,
  execute,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLUnionType,
  parse,
  subscribe,
  validate,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

// Test helper: the jobs and gallery subgraphs of supergraph.ts as real, executable GraphQL
// schemas. Built with graphql-js because @apollo/subgraph is not a dependency of the gateway; the
// gallery implements the federation `_entities` protocol the way buildSubgraphSchema does.

const field = (schema: GraphQLSchema, type: string, name: string) =>
  (schema.getType(type) as GraphQLObjectType).getFields()[name]!;

export interface JobEvent {
  id: string;
  status: string | null;
  progress?: number | null;
}

/** A subscription's event source that the test drives; its return() is observable. */
export class EventChannel implements AsyncIterableIterator<JobEvent> {
  readonly #queue: Array<JobEvent | Error | null> = [];
  #wake: (() => void) | undefined;
  #closed = false;
  #markReturned!: () => void;
  /** Resolves once the subgraph's server called return() on this subscription. */
  readonly returned = new Promise<void>((resolve) => {
    this.#markReturned = resolve;
  });

  push(event: JobEvent): void {
    this.#queue.push(event);
    this.#wake?.();
  }

  /** Throws from next(): the subgraph's event source broke mid-stream. */
  fail(error: Error): void {
    this.#queue.push(error);
    this.#wake?.();
  }

  end(): void {
    this.#queue.push(null);
    this.#wake?.();
  }

  async next(): Promise<IteratorResult<JobEvent>> {
    for (;;) {
      if (this.#closed) return { done: true, value: undefined };
      if (this.#queue.length > 0) {
        const item = this.#queue.shift();
        if (item instanceof Error) throw item;
        if (item === null || item === undefined) return { done: true, value: undefined };
        return { done: false, value: item };
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  async return(): Promise<IteratorResult<JobEvent>> {
    this.#closed = true;
    this.#markReturned();
    this.#wake?.();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/**
 * The jobs subgraph over graphql-ws. Its schema lacks `Job.updatedAt`, which the supergraph says
 * it resolves: a subgraph deployed behind the supergraph, for the validation-error case.
 */
export class JobsSubgraph {
  readonly schema = buildSchema(`
    type Query { job(id: ID!): Job }
    type Subscription { jobUpdated(id: ID!): Job! }
    type Job { id: ID! status: String! progress: Float }
  `);
  /** Every subscribe message the subgraph received. */
  readonly received: SubscribePayload[] = [];
  readonly #channels = new Map<string, EventChannel>();
  readonly #waiting = new Map<string, (channel: EventChannel) => void>();
  readonly #wss: WebSocketServer;
  readonly #server: ReturnType<typeof useServer>;
  #closed = false;

  /** Sockets opened to the subgraph so far: one while the gateway's shared socket holds. */
  connections = 0;

  private constructor(wss: WebSocketServer) {
    this.#wss = wss;
    wss.on('connection', () => this.connections++);
    const jobUpdated = field(this.schema, 'Subscription', 'jobUpdated');
    jobUpdated.subscribe = (_root, { id }: { id: string }) => {
      if (id === 'missing') {
        throw new GraphQLError(`job ${id} is unknown or expired`, { extensions: { code: 'JOB_NOT_FOUND' } });
      }
      const channel = new EventChannel();
      this.#channels.set(id, channel);
      this.#waiting.get(id)?.(channel);
      return channel;
    };
    jobUpdated.resolve = (event: JobEvent) => event;
    this.#server = useServer(
      {
        schema: this.schema,
        // graphql-ws loads graphql's CommonJS build under vitest while this schema comes from its
        // ES build; graphql refuses to mix them, so the server runs this module's copy.
        execute,
        subscribe,
        validate,
        parse,
        onSubscribe: (_ctx, _id, payload) => {
          this.received.push(payload);
        },
      },
      wss,
    );
  }

  static async start(): Promise<JobsSubgraph> {
    // The real jobs subgraph's message limit (graphql-kit's serveGraphQLWs default).
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: 1024 * 1024 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    return new JobsSubgraph(wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.#wss.address() as AddressInfo).port}`;
  }

  /** The event source of the subscription on job `id`, once the subgraph has opened it. */
  channel(id: string): Promise<EventChannel> {
    const open = this.#channels.get(id);
    if (open) return Promise.resolve(open);
    return new Promise((resolve) => this.#waiting.set(id, resolve));
  }

  /** Closes every connection and stops listening; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#server.dispose();
    await new Promise((resolve) => this.#wss.close(resolve));
  }
}

/** The gallery subgraph: answers `_entities` for Job with its `savedImage`, executed in process. */
export function gallerySubgraph() {
  const schema = buildSchema(`
    scalar _Any
    union _Entity = Job
    type Query { _entities(representations: [_Any!]!): [_Entity]! }
    type Job { id: ID! savedImage(size: Int): Image updatedAt: String }
    type Image { id: ID! url: String! }
  `);
  field(schema, 'Query', '_entities').resolve = (
    _root,
    { representations }: { representations: unknown[] },
  ) => representations;
  (schema.getType('_Entity') as GraphQLUnionType).resolveType = (value: { __typename: string }) =>
    value.__typename;
  field(schema, 'Job', 'savedImage').resolve = ({ id }: { id: string }, { size }: { size?: number }) =>
    id === 'unsaved'
      ? null
      : { id: `image-${id}`, url: `https://cdn.test/${id}.webp${size ? `?w=${size}` : ''}` };

  return async (request: {
    query: string;
    variables: Record<string, unknown>;
  }): Promise<FormattedExecutionResult> => {
    const document = parse(request.query);
    const errors = validate(schema, document);
    if (errors.length > 0) return { errors: errors.map((e) => e.toJSON()) };
    const result = await execute({ schema, document, variableValues: request.variables });
    return result.errors
      ? { data: result.data, errors: result.errors.map((e) => e.toJSON()) }
      : { data: result.data };
  };
}
