import { AppError } from '@pixelflow/errors';
import { type DocumentNode, Kind, type ValueNode, visit } from 'graphql';

/** Objects as JSON.parse makes them, and arrays: anything else (an Upload) is a leaf. */
function isContainer(value: unknown): value is object {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Refuses variables nested deeper than `maxDepth` (VARIABLES_TOO_DEEP) before anything walks them:
 * graphql-js' coercion, JSON.stringify and most walks recurse, and params nested 100,000 deep
 * overflow the stack. JSON.parse itself copes, and so does this loop, which stops at the first
 * value past the limit.
 */
export function checkVariablesDepth(variables: unknown, maxDepth: number): void {
  const pending: Array<[value: object, depth: number]> = isContainer(variables) ? [[variables, 1]] : [];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, depth] = next;
    if (depth > maxDepth) {
      throw new AppError('VARIABLES_TOO_DEEP', `the variables nest deeper than ${maxDepth} levels`);
    }
    for (const item of Object.values(value)) {
      if (isContainer(item)) pending.push([item, depth + 1]);
    }
  }
}

/** How many objects and lists nest in a variable's value (a leaf: 0); a loop, on checked variables. */
function valueDepth(value: unknown): number {
  let deepest = 0;
  const pending: Array<[value: unknown, depth: number]> = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next;
    if (!isContainer(item)) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Refuses argument values nested deeper than `maxDepth` however they are written: as a literal
 * in the document, through variables, or a variable inside a literal (VARIABLES_TOO_DEEP). An
 * argument counts as the variables object does: `params: { a: 1 }` is 2 deep, as
 * `{ "params": { "a": 1 } }` is; a variable adds its value's depth where it is written, its
 * default value's where it is not given. Variable definitions' default values count too. The
 * document is already within the parser's nesting limit, and the variables within maxDepth.
 */
export function checkValuesDepth(
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  maxDepth: number,
): void {
  const roots: ValueNode[] = [];
  const defaults = new Map<string, ValueNode[]>();
  visit(document, {
    Argument(argument) {
      roots.push(argument.value);
      return false;
    },
    VariableDefinition(definition) {
      if (definition.defaultValue) {
        roots.push(definition.defaultValue);
        const name = definition.variable.name.value;
        defaults.set(name, [...(defaults.get(name) ?? []), definition.defaultValue]);
      }
      return false;
    },
  });
  const depths = new Map<string, number>();
  const variableDepth = (name: string): number => {
    let depth = depths.get(name);
    if (depth === undefined) {
      depth =
        variables && Object.hasOwn(variables, name)
          ? valueDepth(variables[name])
          : Math.max(0, ...(defaults.get(name) ?? []).map((value) => literalDepth(value)));
      depths.set(name, depth);
    }
    return depth;
  };
  for (const root of roots) {
    // The arguments (or the variables) count 1, as the variables object does.
    if (1 + literalDepth(root, variableDepth) > maxDepth) {
      throw new AppError('VARIABLES_TOO_DEEP', `an argument's value nests deeper than ${maxDepth} levels`);
    }
  }
}

/**
 * How many objects and lists nest in a literal, a variable in it counting as `variableDepth` says.
 * On the way, refuses a number literal beyond a double's range (`1e999`): as a JSON scalar's value
 * it is Infinity, which the gateway's query planner cannot write into a subgraph's query (a 500).
 */
function literalDepth(root: ValueNode, variableDepth: (name: string) => number = () => 0): number {
  let deepest = 0;
  const pending: Array<[value: ValueNode, depth: number]> = [[root, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if ((node.kind === Kind.FLOAT || node.kind === Kind.INT) && !Number.isFinite(Number(node.value))) {
      throw new AppError('BAD_USER_INPUT', `the number ${node.value.slice(0, 32)} is out of range`);
    }
    if (node.kind === Kind.VARIABLE) deepest = Math.max(deepest, depth + variableDepth(node.name.value));
    else if (node.kind === Kind.LIST) {
      deepest = Math.max(deepest, depth + 1);
      for (const item of node.values) pending.push([item, depth + 1]);
    } else if (node.kind === Kind.OBJECT) {
      deepest = Math.max(deepest, depth + 1);
      for (const field of node.fields) pending.push([field.value, depth + 1]);
    }
  }
  return deepest;
}
