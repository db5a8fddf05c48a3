import { AppError } from '@pixelflow/errors';

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
