import { AppError, graphqlError } from '@pixelflow/errors';
import type { Logger } from '@pixelflow/logger';
import {
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  print,
} from 'graphql';
import type { Client } from 'graphql-ws';
import { MAX_FORWARDED_BYTES } from '../limits/limits.ts';
import type { SupergraphInfo } from '../supergraph.ts';
import {
  type EntityFetch,
  HELPER_TYPENAME,
  helperKey,
  PlanError,
  planSubscription,
  type SubscriptionPlan,
} from './plan.ts';

/** Sends an `_entities` query to a subgraph (through the same data source as any query). */
export type EntityFetcher = (
  graph: string,
  request: { query: string; variables: Record<string, unknown> },
  context: Record<string, unknown>,
) => Promise<FormattedExecutionResult>;

export interface SubscriptionRouterOptions {
  info: SupergraphInfo;
  schema: () => GraphQLSchema;
  /** The multiplexed graphql-ws client of a subgraph. */
  client: (graph: string) => Client;
  fetchEntities: EntityFetcher;
  /** Caller identity and request metadata forwarded with each subscription. */
  extensions: (context: Record<string, unknown>) => Record<string, unknown>;
  logger: Logger;
  /**
   * The largest subscribe payload sent to a subgraph (the operation as printed, its variables and
   * extensions, as JSON); a larger one is refused, PAYLOAD_TOO_LARGE, and never sent: past the
   * subgraph's message limit it would drop the socket that every caller shares.
   * @default MAX_FORWARDED_BYTES (half of a subgraph's message limit)
   */
  maxForwardedBytes?: number;
}

type Result = FormattedExecutionResult;

/** graphql-ws serialises results itself and wants GraphQLError instances, not formatted errors. */
export function toExecutionResult(result: Result): ExecutionResult {
  if (!result.errors) return result as ExecutionResult;
  return {
    ...result,
    errors: result.errors.map(
      (error) => new GraphQLError(error.message, { path: error.path, extensions: error.extensions }),
    ),
  } as ExecutionResult;
}

const errorResult = (error: GraphQLFormattedError): Result => ({ errors: [error] });

/** graphql-ws reports a failed subscription as an error list or a CloseEvent-like object. */
function toErrors(error: unknown): GraphQLFormattedError[] {
  if (Array.isArray(error)) return error as GraphQLFormattedError[];
  if (error instanceof AppError) return [graphqlError(error.code, error.message).toJSON()];
  const reason =
    (error as { reason?: string; code?: number })?.reason || (error as Error)?.message || 'connection lost';
  return [
    graphqlError('SERVICE_UNAVAILABLE', `the subscription's subgraph is unreachable: ${reason}`).toJSON(),
  ];
}

/**
 * Runs subscriptions, which @apollo/gateway does not: each goes to the subgraph that owns its root
 * field over that subgraph's one multiplexed graphql-ws connection; fields owned by other
 * subgraphs are fetched per event through `_entities`.
 */
export class SubscriptionRouter {
  readonly #o: SubscriptionRouterOptions;
  readonly #plans = new Map<string, SubscriptionPlan>();

  constructor(options: SubscriptionRouterOptions) {
    this.#o = options;
  }

  /** For graphql-ws' `subscribe` option: never throws; failures are results with errors. */
  subscribe(args: ExecutionArgs): AsyncIterableIterator<ExecutionResult> | ExecutionResult {
    let plan: SubscriptionPlan;
    try {
      plan = this.#plan(args);
    } catch (error) {
      if (error instanceof PlanError) return { errors: [graphqlError(error.code, error.message)] };
      // Thrown, this would make graphql-ws close the caller's socket and every subscription on it.
      this.#o.logger.error({ err: error }, 'cannot route a subscription');
      return { errors: [graphqlError('SERVICE_UNAVAILABLE', 'subscriptions are not available yet; retry')] };
    }
    const variables = args.variableValues ?? {};
    const context = (args.contextValue ?? {}) as Record<string, unknown>;
    const payload = {
      query: print(plan.document),
      variables: pick(variables, plan.variableNames),
      operationName: args.operationName ?? undefined,
      extensions: this.#o.extensions(context),
    };
    const bytes = Buffer.byteLength(JSON.stringify(payload));
    const maxBytes = this.#o.maxForwardedBytes ?? MAX_FORWARDED_BYTES;
    if (bytes > maxBytes) {
      const message = `the subscription is ${bytes} bytes as forwarded to its subgraph; at most ${maxBytes}`;
      return { errors: [graphqlError('PAYLOAD_TOO_LARGE', message)] };
    }
    const source = new SubgraphStream(this.#o.client(plan.graph), payload);
    return new ResolvedStream(source, (result) => this.#resolve(plan, result, variables, context));
  }

  #plan(args: ExecutionArgs): SubscriptionPlan {
    const key = `${args.operationName ?? ''}\n${print(args.document)}`;
    let plan = this.#plans.get(key);
    if (!plan) {
      plan = planSubscription(this.#o.info, this.#o.schema(), args.document, args.operationName);
      if (this.#plans.size > 1000) this.#plans.clear();
      this.#plans.set(key, plan);
    }
    return plan;
  }

  /** Completes one event with the fields other subgraphs own, then drops the helper keys. */
  async #resolve(
    plan: SubscriptionPlan,
    result: Result,
    variables: Record<string, unknown>,
    context: Record<string, unknown>,
  ): Promise<Result> {
    if (plan.fetches.length === 0 || !result.data) return result;
    const data = structuredClone(result.data) as Record<string, unknown>;
    const errors = [...(result.errors ?? [])];
    await Promise.all(
      plan.fetches.map(async (fetch) => {
        const targets = collect(data, fetch.path).filter((o) => o[HELPER_TYPENAME] === fetch.typeName);
        if (targets.length === 0) return;
        try {
          errors.push(...(await this.#fetch(fetch, targets, variables, context)));
        } catch (error) {
          this.#o.logger.warn(
            { err: error, graph: fetch.graph },
            'entity fetch for a subscription event failed',
          );
          errors.push(...toErrors(error));
        }
      }),
    );
    for (const { path, fields } of plan.added) {
      for (const object of collect(data, path)) for (const name of fields) delete object[name];
    }
    return errors.length > 0 ? { data, errors } : { data };
  }

  async #fetch(
    fetch: EntityFetch,
    targets: Array<Record<string, unknown>>,
    variables: Record<string, unknown>,
    context: Record<string, unknown>,
  ): Promise<readonly GraphQLFormattedError[]> {
    const representations = targets.map((target) => ({
      __typename: fetch.typeName,
      ...Object.fromEntries(fetch.keyFields.map((key) => [key, target[helperKey(key)]])),
    }));
    const response = await this.#o.fetchEntities(
      fetch.graph,
      {
        query: print(fetch.document),
        variables: { ...pick(variables, fetch.variableNames), representations },
      },
      context,
    );
    const entities = (response.data as { _entities?: Array<Record<string, unknown> | null> } | null)
      ?._entities;
    entities?.forEach((entity, i) => {
      if (entity) mergeFields(targets[i]!, entity);
    });
    // Point each error at the event's field, not at the `_entities` query it came from.
    return (response.errors ?? []).map((error) =>
      error.path?.[0] === '_entities' ? { ...error, path: [...fetch.path, ...error.path.slice(2)] } : error,
    );
  }
}

function pick(values: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((name) => name in values).map((name) => [name, values[name]]));
}

/**
 * Copies an entity's fields onto the event's object as its own data properties. Their names are
 * the client's aliases, and an alias may be `__proto__`: assignment would set the prototype.
 */
function mergeFields(target: Record<string, unknown>, fields: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(fields)) {
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  }
}

/** The objects at `path` in `data`, walking through lists (own fields only: the path holds aliases). */
function collect(data: unknown, path: readonly string[]): Array<Record<string, unknown>> {
  let level: unknown[] = [data];
  for (const key of path) {
    level = level.flatMap((value) => {
      const next =
        value && typeof value === 'object' && Object.hasOwn(value, key)
          ? (value as Record<string, unknown>)[key]
          : undefined;
      return Array.isArray(next) ? next.flat(Number.POSITIVE_INFINITY) : next == null ? [] : [next];
    });
  }
  return level.filter((v): v is Record<string, unknown> => !!v && typeof v === 'object');
}

/**
 * One subscription on a subgraph's multiplexed client, as an iterator that never throws (an error
 * ends it with a result carrying the errors) and whose return() ends it at once.
 */
class SubgraphStream implements AsyncIterableIterator<Result> {
  readonly #pending: Result[] = [];
  readonly #dispose: () => void;
  #done = false;
  #wake: (() => void) | undefined;

  constructor(client: Client, payload: Parameters<Client['subscribe']>[0]) {
    this.#dispose = client.subscribe<Record<string, unknown>>(payload, {
      next: (value) => this.#push(value as Result),
      error: (error) => {
        for (const e of toErrors(error)) this.#push(errorResult(e));
        this.#end();
      },
      complete: () => this.#end(),
    });
  }

  async next(): Promise<IteratorResult<Result>> {
    for (;;) {
      const value = this.#pending.shift();
      if (value) return { done: false, value };
      if (this.#done) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  async return(): Promise<IteratorResult<Result>> {
    if (!this.#done) this.#dispose();
    this.#pending.length = 0;
    this.#end();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  #push(value: Result) {
    this.#pending.push(value);
    this.#wake?.();
  }

  #end() {
    this.#done = true;
    this.#wake?.();
  }
}

/** Applies the per-event resolution and drops an event identical to the one before it. */
class ResolvedStream implements AsyncIterableIterator<ExecutionResult> {
  readonly #source: SubgraphStream;
  readonly #resolve: (result: Result) => Promise<Result>;
  #previous: string | undefined;

  constructor(source: SubgraphStream, resolve: (result: Result) => Promise<Result>) {
    this.#source = source;
    this.#resolve = resolve;
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    for (;;) {
      const step = await this.#source.next();
      if (step.done) return { done: true, value: undefined };
      const value = await this.#resolve(step.value);
      // A reconnect to the subgraph re-sends the current state; an unchanged event adds nothing.
      const serialised = JSON.stringify(value);
      if (serialised === this.#previous) continue;
      this.#previous = serialised;
      return { done: false, value: toExecutionResult(value) };
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.#source.return();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
