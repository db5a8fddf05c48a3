import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { AppError, type ErrorCode } from '@pixelflow/errors';
import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
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
 * fragments (graphql-armor's rules) and root fields. They run alone, before graphql-js' own
 * validation, whose OverlappingFieldsCanBeMerged rule is quadratic in repeated fields: 1000
 * aliases of one field cost it seconds. Each rule stops at the first operation over its limit.
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
  ]);
}

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

/** Fields at the root, through inline fragments and each named fragment once (a loop: no recursion). */
function countRootFields(root: SelectionSetNode, context: ValidationContext): number {
  const pending = [root];
  const spread = new Set<string>();
  let count = 0;
  for (let set = pending.pop(); set; set = pending.pop()) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) count++;
      else if (selection.kind === Kind.INLINE_FRAGMENT) pending.push(selection.selectionSet);
      else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = context.getFragment(selection.name.value);
        if (fragment) pending.push(fragment.selectionSet);
      }
    }
  }
  return count;
}
