import { AppError } from '@pixelflow/errors';
import {
  type DocumentNode,
  type GraphQLArgument,
  GraphQLError,
  type GraphQLSchema,
  getNullableType,
  isListType,
  type OperationDefinitionNode,
} from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import type { OperationLimits } from './limits.ts';

// graphql-query-complexity's own bound on fragment expansion (a fragment spread many times over,
// in fragments spread many times over), reported with this message and no code of its own.
const TOO_MANY_NODES = 'Query exceeds the maximum allowed number of nodes';

/** The arguments that say how many items a list field returns. */
const SIZE_ARGUMENTS = ['first', 'last'];

/**
 * Every field costs 1 plus its selection's cost; a list multiplies its selection's cost by its
 * size: its `first` (or `last`) argument, which graphql-query-complexity hands over with the
 * schema's default applied (`images` alone means `images(first: 24)`), or `defaultListSize`.
 * A size argument given as null (a literal or a variable) or left out counts as its default in
 * the schema (the gallery reads `images(first: null)` as a page of 24), or as `defaultListSize`
 * where it has none: the server picks the page size then, and it is not 1.
 * Two kinds of lists count once: a connection's `edges`, which hold as many items as the
 * connection's `first` already counted, and introspection's, which are bounded by the schema and
 * nest at most three deep (graphql-js' MaxIntrospectionDepthRule, one of its specified rules).
 */
export function listSizeEstimator(defaultListSize: number): ComplexityEstimator {
  return ({ args, childComplexity, field, type }) => {
    const sizeArguments = field.args.filter((argument) => SIZE_ARGUMENTS.includes(argument.name));
    for (const { name } of sizeArguments) {
      const size = args[name];
      if (typeof size === 'number' && Number.isFinite(size)) return 1 + Math.max(0, size) * childComplexity;
    }
    if (sizeArguments.length > 0)
      return 1 + defaultPageSize(sizeArguments, defaultListSize) * childComplexity;
    const countsOnce =
      !isListType(getNullableType(field.type)) ||
      type.name.startsWith('__') ||
      type.name.endsWith('Connection');
    return 1 + (countsOnce ? 1 : defaultListSize) * childComplexity;
  };
}

/** The page a field returns when its size arguments are null or absent: their largest default. */
function defaultPageSize(sizeArguments: readonly GraphQLArgument[], defaultListSize: number): number {
  const defaults = sizeArguments
    .map((argument) => argument.defaultValue)
    .filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  return defaults.length > 0 ? Math.max(0, ...defaults) : defaultListSize;
}

/**
 * The operation's estimated cost; QUERY_TOO_COSTLY past `maxCost`. Runs on a validated document.
 * Variables that do not coerce to their declared types are BAD_USER_INPUT here already, as
 * execution would answer: the cost depends on them.
 */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  limits: Pick<OperationLimits, 'maxCost' | 'defaultListSize'>,
): number {
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      variables: variables ?? {},
      // Unnamed, the operation is the document's only one (validation saw to it).
      operationName: operation.name?.value,
      estimators: [listSizeEstimator(limits.defaultListSize)],
    });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    if (error.message.startsWith(TOO_MANY_NODES)) {
      throw new AppError(
        'QUERY_TOO_COSTLY',
        'the operation expands to too many fields through its fragments',
      );
    }
    throw new AppError('BAD_USER_INPUT', error.message);
  }
  if (cost > limits.maxCost) {
    throw new AppError(
      'QUERY_TOO_COSTLY',
      `the operation's estimated cost is ${cost}; at most ${limits.maxCost} (a field counts once per list item)`,
    );
  }
  return cost;
}
