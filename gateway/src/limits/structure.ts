import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { AppError, type ErrorCode } from '@pixelflow/errors';
import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  OperationTypeNode,
  type SelectionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  validate,
} from 'graphql';
import type { OperationLimits } from './limits.ts';

/** graphql-armor reports a refusal as a "Syntax Error"; it leaves with the limit's own code. */
const refuseAs =
  (code: ErrorCode) =>
  (_context: ValidationContext | null, error: GraphQLError): never => {
    throw new AppError(code, error.message.replace(/^Syntax Error: /, ''));
  };

/**
 * The limits that need the parsed document but not its validity: depth and aliases through
 * fragments (graphql-armor's rules) and root fields, and no @skip or @include on a
 * subscription's root. They run alone, before graphql-js' own validation, whose
 * OverlappingFieldsCanBeMerged rule is quadratic in repeated fields: 1000 aliases of one field
 * cost it seconds. Each rule stops at the first operation over its limit.
 */
export function checkStructure(
  schema: GraphQLSchema,
  document: DocumentNode,
  limits: Pick<OperationLimits, 'maxDepth' | 'maxAliases' | 'maxRootFields'>,
): void {
  validate(schema, document, [
    maxDepthRule({
      n: limits.maxDepth,
      // Fragments count as the fields they hold, and introspection counts like any query:
      // armor's exemption would let `__schema { types { fields { type { fields … } } } }` nest freely.
      flattenFragments: true,
      ignoreIntrospection: false,
      propagateOnRejection: false,
      onReject: [refuseAs('QUERY_TOO_DEEP')],
    }),
    maxAliasesRule({
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: [refuseAs('TOO_MANY_ALIASES')],
    }),
    maxRootFieldsRule(limits.maxRootFields),
    subscriptionRootDirectivesRule,
  ]);
}

const CONDITIONS = new Set(['skip', 'include']);

/**
 * No @skip or @include on a subscription's root selections, in any operation of the document (as
 * graphql-js 17 and the GraphQL spec's draft validate). graphql-js 16 evaluates them while it
 * validates, with no variables, and throws on a variable or a value it cannot evaluate (Apollo
 * answered that with a 500, graphql-ws by closing the socket); a skipped root field makes its
 * subscribe() throw, on the subgraph that runs it, which closed the socket every caller shares.
 */
const subscriptionRootDirectivesRule: ValidationRule = (context) => ({
  OperationDefinition(operation: OperationDefinitionNode) {
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION) return;
    for (const selection of rootSelections(operation.selectionSet, context)) {
      const condition = selection.directives?.find((directive) => CONDITIONS.has(directive.name.value));
      if (!condition) continue;
      const name = operation.name ? `Subscription "${operation.name.value}"` : 'Anonymous Subscription';
      throw new AppError(
        'GRAPHQL_VALIDATION_FAILED',
        `${name} must not use @${condition.name.value} in its top level selection: its root field always runs`,
      );
    }
  },
});

function maxRootFieldsRule(max: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation: OperationDefinitionNode) {
      const count = countRootFields(operation.selectionSet, context);
      if (count > max) {
        throw new AppError(
          'TOO_MANY_ROOT_FIELDS',
          `the operation selects ${count} root fields; at most ${max}`,
        );
      }
    },
  });
}

function countRootFields(root: SelectionSetNode, context: ValidationContext): number {
  let count = 0;
  for (const selection of rootSelections(root, context)) if (selection.kind === Kind.FIELD) count++;
  return count;
}

/**
 * Every selection at the root of an operation: its fields, fragment spreads and inline fragments,
 * and theirs through each named fragment once (a loop: no recursion, and cycles end).
 */
function* rootSelections(root: SelectionSetNode, context: ValidationContext): Generator<SelectionNode> {
  const pending = [root];
  const spread = new Set<string>();
  for (let set = pending.pop(); set; set = pending.pop()) {
    for (const selection of set.selections) {
      yield selection;
      if (selection.kind === Kind.INLINE_FRAGMENT) pending.push(selection.selectionSet);
      else if (selection.kind === Kind.FRAGMENT_SPREAD && !spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = context.getFragment(selection.name.value);
        if (fragment) pending.push(fragment.selectionSet);
      }
    }
  }
}
