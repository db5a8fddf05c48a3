import { createHash } from 'node:crypto';
import { AppError, graphqlError } from '@pixelflow/errors';
import {
  type DocumentNode,
  type ExecutionArgs,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
  validate,
} from 'graphql';
import { checkCost } from './cost.ts';
import type { OperationLimits } from './limits.ts';
import { scanDocument } from './scan.ts';
import { checkStructure } from './structure.ts';
import { checkValuesDepth, checkVariablesDepth } from './variables.ts';

/** A GraphQL request as either transport carries it, its parts not yet trusted. */
export interface GraphQLRequestParts {
  query: string;
  variables?: unknown;
  operationName?: unknown;
}

/** Valid documents remembered per schema (their hashes), then forgotten all at once. */
const VALID_DOCUMENTS_KEPT = 1000;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// A GraphQL name, and longer than any operation's name needs to be.
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,255}$/;

/**
 * The operation limits, for every transport: HTTP (a fastify hook before Apollo parses, and an
 * Apollo plugin once it has validated) and the WebSocket (graphql-ws' onSubscribe). Every check
 * refuses by throwing an AppError with its registered code.
 */
export class OperationGuard {
  readonly limits: OperationLimits;
  readonly #valid = new WeakMap<GraphQLSchema, Set<string>>();

  constructor(limits: OperationLimits) {
    this.limits = limits;
  }

  /**
   * Everything that must happen before graphql-js parses or validates the document: the
   * variables' depth, the document's length and nesting (read without parsing it), then the
   * parse, then depth, aliases and root fields through fragments, no @skip or @include on a
   * subscription's root, and the depth of every argument's value with the variables in it.
   * Returns the parsed document.
   */
  parse(schema: GraphQLSchema, request: GraphQLRequestParts): DocumentNode {
    const { operationName } = request;
    if (operationName != null && (typeof operationName !== 'string' || !OPERATION_NAME.test(operationName))) {
      throw new AppError('OPERATION_RESOLUTION_FAILURE', 'operationName is not the name of an operation');
    }
    checkVariablesDepth(request.variables, this.limits.maxVariablesDepth);
    scanDocument(request.query, this.limits);
    let document: DocumentNode;
    try {
      document = parse(request.query, { maxTokens: this.limits.maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError) throw new AppError('GRAPHQL_PARSE_FAILED', error.message);
      throw error;
    }
    checkStructure(schema, document, this.limits);
    checkValuesDepth(
      document,
      isRecord(request.variables) ? request.variables : undefined,
      this.limits.maxVariablesDepth,
    );
    return document;
  }

  /**
   * graphql-js' validation, as Apollo runs it after the guard: the errors it finds. graphql-js
   * throws where SingleFieldSubscriptionsRule cannot evaluate a directive (Apollo answered that
   * with a 500, graphql-ws by closing the socket); here a throw is refused with
   * GRAPHQL_VALIDATION_FAILED. A valid document's source is remembered (bounded, per schema), so
   * that HTTP, which validates here only for this and again in Apollo, pays once per document.
   */
  validate(schema: GraphQLSchema, document: DocumentNode, source: string): readonly GraphQLError[] {
    let valid = this.#valid.get(schema);
    if (!valid) {
      valid = new Set();
      this.#valid.set(schema, valid);
    }
    const key = createHash('sha256').update(source).digest('base64');
    if (valid.has(key)) return [];
    let errors: readonly GraphQLError[];
    try {
      errors = validate(schema, document);
    } catch (error) {
      throw new AppError(
        'GRAPHQL_VALIDATION_FAILED',
        `the document cannot be validated: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (errors.length === 0) {
      if (valid.size >= VALID_DOCUMENTS_KEPT) valid.clear();
      valid.add(key);
    }
    return errors;
  }

  /**
   * After validation: the operation to run (OPERATION_RESOLUTION_FAILURE when operationName
   * names none, or is missing among several) and its estimated cost.
   */
  resolve(
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
  ): OperationDefinitionNode {
    const operation = resolveOperation(document, operationName);
    checkCost(schema, document, operation, variables ?? undefined, this.limits);
    return operation;
  }

  /**
   * Subscriptions run over the WebSocket only: @apollo/gateway cannot execute them, and threw
   * (answered as a 500) when one came over HTTP.
   */
  refuseSubscriptions(document: DocumentNode, operationName: unknown): void {
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const chosen =
      operationName == null && operations.length === 1
        ? operations[0]
        : operations.find((operation) => operation.name?.value === operationName);
    if (chosen?.operation === 'subscription') {
      throw new AppError(
        'OPERATION_NOT_SUPPORTED',
        'subscriptions run over the WebSocket (graphql-transport-ws at /graphql), not over HTTP',
      );
    }
  }

  /**
   * For graphql-ws' onSubscribe: the same checks, graphql-js' validation between them, and the
   * execution arguments, or the errors to answer this one operation with (the socket and its
   * other subscriptions carry on).
   */
  prepare(
    schema: GraphQLSchema,
    payload: {
      query: string;
      variables?: Record<string, unknown> | null;
      operationName?: string | null;
    },
  ): ExecutionArgs | GraphQLError[] {
    try {
      const document = this.parse(schema, payload);
      const invalid = this.validate(schema, document, payload.query);
      if (invalid.length > 0) return invalid.map(asValidationError);
      this.resolve(schema, document, payload.operationName, payload.variables);
      return {
        schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
      };
    } catch (error) {
      if (error instanceof AppError) return [graphqlError(error.code, error.message, error.details)];
      throw error;
    }
  }
}

function resolveOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): OperationDefinitionNode {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName == null) {
    if (operations.length === 1) return operations[0]!;
    throw new AppError(
      'OPERATION_RESOLUTION_FAILURE',
      operations.length === 0
        ? 'the document holds no operation'
        : `the document holds ${operations.length} operations: operationName must name the one to run`,
    );
  }
  const named = operations.find((operation) => operation.name?.value === operationName);
  if (!named) {
    throw new AppError(
      'OPERATION_RESOLUTION_FAILURE',
      `no operation named "${operationName}" in the document`,
    );
  }
  return named;
}

/** graphql-js' validation errors with the code Apollo gives them over HTTP. */
const asValidationError = (error: GraphQLError) =>
  new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
  });
