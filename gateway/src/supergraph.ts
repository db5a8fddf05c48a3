import { readFileSync } from 'node:fs';
import type { ConstDirectiveNode, DocumentNode } from 'graphql';
import { Kind, parse } from 'graphql';

/** The static supergraph `pnpm compose` writes from the subgraphs' SDL. */
export const supergraphSdl = readFileSync(new URL('../supergraph.graphql', import.meta.url), 'utf8');

/** A subgraph as the supergraph names it: `JOBS` → `{ name: 'jobs', url }`. */
export interface GraphInfo {
  enumValue: string;
  name: string;
  url: string;
}

interface TypeJoin {
  graph: string;
  /** The key field set for this graph, e.g. `id`; undefined for a value type. */
  key: string | undefined;
  resolvable: boolean;
}

/**
 * What the gateway needs to know of the supergraph's join directives: which subgraph resolves
 * which field, and each entity's keys. Read once from the static supergraph SDL.
 */
export class SupergraphInfo {
  readonly graphs = new Map<string, GraphInfo>();
  readonly #typeJoins = new Map<string, TypeJoin[]>();
  /** type → field → graph names that resolve it. */
  readonly #fieldOwners = new Map<string, Map<string, string[]>>();

  constructor(sdl: string | DocumentNode) {
    const document = typeof sdl === 'string' ? parse(sdl) : sdl;
    for (const definition of document.definitions) {
      if (definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === 'join__Graph') {
        for (const value of definition.values ?? []) {
          const args = directiveArgs(value.directives, 'join__graph')[0];
          if (args?.name && args.url) {
            this.graphs.set(value.name.value, {
              enumValue: value.name.value,
              name: args.name,
              url: args.url,
            });
          }
        }
      }
    }
    for (const definition of document.definitions) {
      if (
        definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
        definition.kind !== Kind.INTERFACE_TYPE_DEFINITION
      ) {
        continue;
      }
      const typeName = definition.name.value;
      const joins = directiveArgs(definition.directives, 'join__type').map((args) => ({
        graph: this.#graphName(args.graph),
        key: args.key,
        resolvable: args.resolvable !== 'false',
      }));
      this.#typeJoins.set(typeName, joins);
      const owners = new Map<string, string[]>();
      for (const field of definition.fields ?? []) {
        const fieldJoins = directiveArgs(field.directives, 'join__field').filter(
          (args) => args.external !== 'true',
        );
        owners.set(
          field.name.value,
          fieldJoins.length > 0
            ? fieldJoins.filter((args) => args.graph).map((args) => this.#graphName(args.graph))
            : joins.map((join) => join.graph),
        );
      }
      this.#fieldOwners.set(typeName, owners);
    }
  }

  /** The subgraphs that can resolve `type.field`. */
  fieldOwners(typeName: string, fieldName: string): string[] {
    return this.#fieldOwners.get(typeName)?.get(fieldName) ?? [];
  }

  /** The key fields by which `graph` resolves the entity `typeName`, or undefined when it cannot. */
  entityKey(typeName: string, graph: string): string[] | undefined {
    const join = this.#typeJoins.get(typeName)?.find((j) => j.graph === graph && j.key && j.resolvable);
    return join?.key?.trim().split(/\s+/);
  }

  graphByName(name: string): GraphInfo | undefined {
    return [...this.graphs.values()].find((graph) => graph.name === name);
  }

  #graphName(enumValue: string | undefined): string {
    const graph = enumValue ? this.graphs.get(enumValue) : undefined;
    if (!graph) throw new Error(`supergraph names an unknown graph "${enumValue}"`);
    return graph.name;
  }
}

/** The arguments of each use of a directive, as strings (enum values and booleans included). */
function directiveArgs(
  directives: readonly ConstDirectiveNode[] | undefined,
  name: string,
): Array<Record<string, string | undefined>> {
  return (directives ?? [])
    .filter((directive) => directive.name.value === name)
    .map((directive) =>
      Object.fromEntries(
        (directive.arguments ?? []).map((arg) => {
          const value = arg.value;
          if (value.kind === Kind.STRING || value.kind === Kind.ENUM) return [arg.name.value, value.value];
          if (value.kind === Kind.BOOLEAN) return [arg.name.value, String(value.value)];
          return [arg.name.value, undefined];
        }),
      ),
    );
}

/** What the gateway knows of its supergraph, read once. */
export const supergraphInfo = new SupergraphInfo(supergraphSdl);
