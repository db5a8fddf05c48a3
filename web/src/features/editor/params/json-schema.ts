/**
 * The small part of JSON Schema that converters use for their params, and a validator for it.
 * The server validates fully (ajv) and answers INVALID_PARAMS; this one exists to tell a person
 * what is wrong beside the field, before anything is uploaded.
 */

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
}

export function isJsonSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const typeOf = (value: unknown): string => {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
};

function matchesType(type: string, value: unknown): boolean {
  const actual = typeOf(value);
  return type === actual || (type === 'number' && actual === 'integer');
}

const list = (values: unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

/** Why a number breaks the schema's bounds, in words; null when it keeps them. */
export function boundsProblem(schema: JsonSchema, value: number): string | null {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema;
  const low = minimum ?? exclusiveMinimum;
  const high = maximum ?? exclusiveMaximum;
  const tooLow =
    (minimum !== undefined && value < minimum) ||
    (exclusiveMinimum !== undefined && value <= exclusiveMinimum);
  const tooHigh =
    (maximum !== undefined && value > maximum) ||
    (exclusiveMaximum !== undefined && value >= exclusiveMaximum);
  if (!tooLow && !tooHigh) return null;
  const lowText = exclusiveMinimum !== undefined ? `more than ${low}` : `at least ${low}`;
  const highText = exclusiveMaximum !== undefined ? `less than ${high}` : `at most ${high}`;
  if (low !== undefined && high !== undefined) return `Must be ${lowText} and ${highText}.`;
  return `Must be ${tooLow ? lowText : highText}.`;
}

/** The first way `value` breaks `schema`, as a sentence naming where (`at`); null when valid. */
export function validate(schema: JsonSchema, value: unknown, at = 'The value'): string | null {
  if (schema.oneOf) {
    const matching = schema.oneOf.filter((option) => validate(option, value, at) === null).length;
    if (matching !== 1) {
      const problems = schema.oneOf.map((option) => validate(option, value, at)).filter(Boolean);
      return matching === 0
        ? (problems[problems.length - 1] ?? `${at} is not valid.`)
        : `${at} is ambiguous.`;
    }
  }
  if (schema.anyOf && !schema.anyOf.some((option) => validate(option, value, at) === null))
    return validate(schema.anyOf[0]!, value, at);
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => matchesType(type, value))) {
      const expected = types.map((t) => (t === 'integer' ? 'a whole number' : `a ${t}`)).join(' or ');
      return `${at} must be ${expected}.`;
    }
  }
  if (schema.enum && !schema.enum.some((option) => option === value))
    return `${at} must be one of ${list(schema.enum)}.`;
  if (typeof value === 'number') {
    const problem = boundsProblem(schema, value);
    if (problem) return `${at}: ${problem.charAt(0).toLowerCase()}${problem.slice(1)}`;
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      return `${at} must have at least ${schema.minLength} characters.`;
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      return `${at} must have at most ${schema.maxLength} characters.`;
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) return `${at} has the wrong format.`;
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      return `${at} needs at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}.`;
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      return `${at} allows at most ${schema.maxItems} items.`;
    if (schema.items) {
      for (const [index, item] of value.entries()) {
        const problem = validate(schema.items, item, `Item ${index + 1}`);
        if (problem) return problem;
      }
    }
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in object)) return `${at} needs "${name}".`;
    for (const [name, item] of Object.entries(object)) {
      const property = schema.properties?.[name];
      if (property) {
        const problem = validate(property, item, `${at}, "${name}"`);
        if (problem) return problem;
      } else if (schema.additionalProperties === false) {
        return `${at} has an unknown field "${name}".`;
      }
    }
  }
  return null;
}

/** An example value that `schema` accepts, to start an "advanced" JSON editor from. */
export function exampleOf(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'array':
      return schema.items
        ? Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => exampleOf(schema.items!))
        : [];
    case 'object':
      return Object.fromEntries(
        (schema.required ?? Object.keys(schema.properties ?? {})).map((name) => [
          name,
          exampleOf(schema.properties?.[name] ?? {}),
        ]),
      );
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
      return Math.min(Math.max(1, low), schema.maximum ?? Number.POSITIVE_INFINITY);
    }
    case 'boolean':
      return false;
    default:
      return '';
  }
}
