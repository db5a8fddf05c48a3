import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { parse } from 'yaml';

/** converters/openapi.yaml, the language-neutral spec that this package implements. */
export const contractDocument = parse(
  readFileSync(new URL('../../../converters/openapi.yaml', import.meta.url), 'utf8'),
) as {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, object>; headers: Record<string, { schema: object }> };
};

const ajv = new Ajv2020({ strict: false, allErrors: true });
for (const [name, schema] of Object.entries(contractDocument.components.schemas)) {
  ajv.addSchema(schema, `#/components/schemas/${name}`);
}
const retryAfter = ajv.compile(contractDocument.components.headers.RetryAfter!.schema);

/** Expects `value` to match the spec's schema `name` (`Description`, `ErrorBody`, `Progress`, …). */
export function expectContract(name: string, value: unknown, label = name): void {
  const validate = ajv.getSchema(`#/components/schemas/${name}`);
  if (!validate) throw new Error(`converters/openapi.yaml has no schema ${name}`);
  expect(validate(value), `${label}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

/** Expects a `Retry-After` header as the spec writes it: whole seconds. */
export function expectRetryAfter(header: string | string[] | undefined, label: string): void {
  expect(retryAfter(Number(header)), `${label}: Retry-After ${String(header)}`).toBe(true);
}

/** Expects the spec to list `status` among the answers of `method path`. */
export function expectListedAnswer(path: string, method: string, status: number, label: string): void {
  const answers = Object.keys(contractDocument.paths[path]?.[method]?.responses ?? {});
  expect(answers, `${label}: ${method.toUpperCase()} ${path} ${status}`).toContain(String(status));
}

/**
 * A converter's own params schema, compiled strictly: the runtime validator is lenient so that
 * converters in other languages work, ours must not rely on that. Returns the defaults `{}` gets.
 */
export function strictDefaults(schema: object): unknown {
  const validate = new Ajv2020({ strict: true, strictRequired: false, useDefaults: true }).compile(schema);
  const params = {};
  validate(params);
  return params;
}
