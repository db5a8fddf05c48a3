import type { ErrorCode } from '@pixelflow/errors';
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  OperationTypeNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
  visit,
} from 'graphql';
import type { SupergraphInfo } from '../supergraph.ts';

/** Fields of one entity type, at one place in the event, that another subgraph resolves. */
export interface EntityFetch {
  graph: string;
  /** Response keys from the root of `data` to the entity objects (lists are walked through). */
  path: string[];
  typeName: string;
  keyFields: string[];
  /** `query($representations: [_Any!]!, ...) { _entities(...) { ... on T { <fields> } } }` */
  document: DocumentNode;
  variableNames: string[];
}

export interface SubscriptionPlan {
  /** The subgraph that owns the subscription's root field. */
  graph: string;
  /** The operation sent to that subgraph: only fields it resolves, plus entity keys. */
  document: DocumentNode;
  variableNames: string[];
  fetches: EntityFetch[];
  /** Helper fields (aliases) added to `document` for the fetches, removed before the client sees them. */
  added: Array<{ path: string[]; fields: string[] }>;
}

/** An operation the gateway cannot route; answered to its caller alone, with `code`. */
export class PlanError extends Error {
  readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode = 'BAD_USER_INPUT') {
    super(message);
    this.code = code;
  }
}

/** The alias under which an entity's `__typename` reaches the gateway for its fetches. */
export const HELPER_TYPENAME = '_pf_typename';
/** The alias under which an entity's key field reaches the gateway for its fetches. */
export const helperKey = (key: string) => `_pf_key_${key}`;

const aliased = (alias: string, name: string): FieldNode => ({
  kind: Kind.FIELD,
  alias: { kind: Kind.NAME, value: alias },
  name: { kind: Kind.NAME, value: name },
});

/** Replaces fragment spreads with inline fragments so that one walk sees every selection. */
function inlineFragments(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
): SelectionSetNode {
  return visit(selectionSet, {
    FragmentSpread(node) {
      const fragment = fragments.get(node.name.value);
      if (!fragment) throw new PlanError(`unknown fragment ${node.name.value}`);
      return {
        kind: Kind.INLINE_FRAGMENT,
        typeCondition: fragment.typeCondition,
        directives: node.directives,
        selectionSet: inlineFragments(fragment.selectionSet, fragments),
      };
    },
  });
}

/** @skip or @include at the root, on a field or on an inline fragment (spreads are inlined by now). */
function refuseRootConditions(root: SelectionSetNode): void {
  const pending = [root];
  for (let set = pending.pop(); set; set = pending.pop()) {
    for (const selection of set.selections) {
      const condition = selection.directives?.find(
        (directive) => directive.name.value === 'skip' || directive.name.value === 'include',
      );
      if (condition) {
        throw new PlanError(
          `a subscription's root selection may not use @${condition.name.value}`,
          'GRAPHQL_VALIDATION_FAILED',
        );
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) pending.push(selection.selectionSet);
    }
  }
}

function usedVariables(node: SelectionSetNode | FieldNode): string[] {
  const names = new Set<string>();
  visit(node, {
    Variable(variable) {
      names.add(variable.name.value);
    },
  });
  return [...names];
}

/**
 * Splits a subscription between the subgraph that owns its root field and the subgraphs that
 * own other selected fields: the first receives the subscription (with entity keys added where
 * needed), the others are asked per event for their fields through `_entities`.
 */
export function planSubscription(
  info: SupergraphInfo,
  apiSchema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
): SubscriptionPlan {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (operation?.operation !== 'subscription' || !operation) throw new PlanError('no subscription operation');
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const subscriptionType = apiSchema.getSubscriptionType();
  if (!subscriptionType) throw new PlanError('the schema has no subscriptions');

  const root = inlineFragments(operation.selectionSet, fragments);
  // A skipped root field makes graphql-js' subscribe() throw on the subgraph, and graphql-ws there
  // closes the socket that every caller shares (the guard refuses these before; this is the plan's
  // own line): nothing the subgraph cannot run is forwarded.
  refuseRootConditions(root);
  const rootFields = root.selections.filter(
    (s): s is FieldNode => s.kind === Kind.FIELD && s.name.value !== '__typename',
  );
  if (rootFields.length !== 1) throw new PlanError('a subscription selects exactly one root field');
  const graph = info.fieldOwners(subscriptionType.name, rootFields[0]!.name.value)[0];
  if (!graph) throw new PlanError(`no subgraph owns Subscription.${rootFields[0]!.name.value}`);

  const fetches: EntityFetch[] = [];
  const added: SubscriptionPlan['added'] = [];

  const walk = (
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
    path: string[],
  ): SelectionSetNode => {
    const kept: SelectionNode[] = [];
    const removed = new Map<string, FieldNode[]>();
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value ?? parent.name;
        const type = apiSchema.getType(typeName);
        if (!type || !isCompositeType(type)) throw new PlanError(`unknown type ${typeName}`);
        kept.push({ ...selection, selectionSet: walk(selection.selectionSet, type, path) });
        continue;
      }
      if (selection.kind !== Kind.FIELD) continue;
      if (selection.name.value === '__typename') {
        kept.push(selection);
        continue;
      }
      const owners = info.fieldOwners(parent.name, selection.name.value);
      if (owners.includes(graph) || !isObjectType(parent)) {
        const fieldDef =
          isObjectType(parent) || 'getFields' in parent
            ? parent.getFields()[selection.name.value]
            : undefined;
        const named = fieldDef ? getNamedType(fieldDef.type) : undefined;
        if (selection.selectionSet && named && isCompositeType(named)) {
          const key = selection.alias?.value ?? selection.name.value;
          kept.push({ ...selection, selectionSet: walk(selection.selectionSet, named, [...path, key]) });
        } else {
          kept.push(selection);
        }
        continue;
      }
      const owner = owners[0];
      if (!owner) throw new PlanError(`no subgraph resolves ${parent.name}.${selection.name.value}`);
      removed.set(owner, [...(removed.get(owner) ?? []), selection]);
    }
    for (const [owner, fields] of removed) {
      const keyFields = info.entityKey(parent.name, owner);
      const ownKey = info.entityKey(parent.name, graph) ?? keyFields;
      if (!keyFields || !ownKey) {
        throw new PlanError(`${parent.name} is not an entity that ${owner} can resolve from ${graph}`);
      }
      // The type and keys are always fetched under reserved aliases, whatever the caller selected
      // (through fragments, aliases or @include), and removed again before the caller sees them.
      const helpers = [
        aliased(HELPER_TYPENAME, '__typename'),
        ...keyFields.map((key) => aliased(helperKey(key), key)),
      ].filter(
        (helper) => !kept.some((s) => s.kind === Kind.FIELD && s.alias?.value === helper.alias!.value),
      );
      kept.push(...helpers);
      if (helpers.length > 0) added.push({ path, fields: helpers.map((h) => h.alias!.value) });
      const selections: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: fields };
      const variableNames = usedVariables(selections);
      fetches.push({
        graph: owner,
        path,
        typeName: parent.name,
        keyFields,
        variableNames,
        document: entitiesQuery(parent.name, selections, variableNames, operation.variableDefinitions ?? []),
      });
    }
    return { kind: Kind.SELECTION_SET, selections: kept };
  };

  const rootField = rootFields[0]!;
  const rootDef = subscriptionType.getFields()[rootField.name.value];
  if (!rootDef) throw new PlanError(`unknown field Subscription.${rootField.name.value}`);
  const rootNamed = getNamedType(rootDef.type);
  const rootKey = rootField.alias?.value ?? rootField.name.value;
  const forwardedRoot: FieldNode =
    rootField.selectionSet && isCompositeType(rootNamed)
      ? { ...rootField, selectionSet: walk(rootField.selectionSet, rootNamed, [rootKey]) }
      : rootField;
  const variableNames = usedVariables(forwardedRoot);
  const forwarded: OperationDefinitionNode = {
    ...operation,
    variableDefinitions: (operation.variableDefinitions ?? []).filter((v) =>
      variableNames.includes(v.variable.name.value),
    ),
    selectionSet: { kind: Kind.SELECTION_SET, selections: [forwardedRoot] },
  };
  return {
    graph,
    document: { kind: Kind.DOCUMENT, definitions: [forwarded] },
    variableNames,
    fetches,
    added,
  };
}

function entitiesQuery(
  typeName: string,
  selectionSet: SelectionSetNode,
  variableNames: string[],
  definitions: readonly VariableDefinitionNode[],
): DocumentNode {
  const representations: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'representations' } },
    type: {
      kind: Kind.NON_NULL_TYPE,
      type: {
        kind: Kind.LIST_TYPE,
        type: {
          kind: Kind.NON_NULL_TYPE,
          type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: '_Any' } },
        },
      },
    },
  };
  return {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        name: { kind: Kind.NAME, value: 'SubscriptionEntities' },
        variableDefinitions: [
          representations,
          ...definitions.filter((d) => variableNames.includes(d.variable.name.value)),
        ],
        selectionSet: {
          kind: Kind.SELECTION_SET,
          selections: [
            {
              kind: Kind.FIELD,
              name: { kind: Kind.NAME, value: '_entities' },
              arguments: [
                {
                  kind: Kind.ARGUMENT,
                  name: { kind: Kind.NAME, value: 'representations' },
                  value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'representations' } },
                },
              ],
              selectionSet: {
                kind: Kind.SELECTION_SET,
                selections: [
                  {
                    kind: Kind.INLINE_FRAGMENT,
                    typeCondition: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: typeName } },
                    selectionSet,
                  },
                ],
              },
            },
          ],
        },
      },
    ],
  };
}
