import { AppError } from '@pixelflow/errors';
import { Ajv, type ErrorObject, type Options } from 'ajv';
import { type JsonSchema, PARAMS_HEADER } from './contract.ts';

/**
 * The one rule set for params, on both sides of the contract: a converter checks what it is sent
 * and the conversion service checks a request before it makes a job, with these same options, so
 * the two cannot disagree. `useDefaults` fills in what the caller left out (the core sees
 * complete params); no type coercion (`"90"` is not 90). Not strict: a converter written in
 * another language may publish keywords Ajv does not know (`format: color`, `x-widget`), and its
 * description must still be usable; our own schemas are compiled strictly by the contract test.
 */
export const paramsAjvOptions: Options = {
  allErrors: true,
  useDefaults: true,
  coerceTypes: false,
  strict: false,
};

// One instance: compiled validators are cached on it, per schema object.
const ajv = new Ajv(paramsAjvOptions);

/** Checks params: a validated copy with the defaults filled in, or AppError(INVALID_PARAMS). */
export type ParamsValidator<P = Record<string, unknown>> = (params: unknown) => P;

/**
 * Compiles a converter's params schema once. The validator takes `undefined` for "no params" (the
 * defaults apply) and leaves the caller's object untouched; a refusal carries ajv's messages in
 * the message and, per problem, `{ path, message }` in `details.errors`.
 */
export function paramsValidator<P = Record<string, unknown>>(
  converterId: string,
  schema: JsonSchema,
): ParamsValidator<P> {
  // A converter redeployed with a schema of the same `$id` describes it again: the new one wins.
  if (typeof schema.$id === 'string') ajv.removeSchema(schema.$id);
  const validate = ajv.compile<P>(schema);
  return (params) => {
    const copy: unknown = params === undefined ? {} : structuredClone(params);
    if (validate(copy)) return copy;
    throw new AppError(
      'INVALID_PARAMS',
      `invalid params for ${converterId}: ${ajv.errorsText(validate.errors, { dataVar: 'params' })}`,
      { errors: (validate.errors ?? []).map(describeError) },
    );
  };
}

function describeError(error: ErrorObject): { path: string; message: string } {
  const path = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return { path, message: `must NOT have additional property '${extra}'` };
  }
  return { path, message: error.message ?? error.keyword };
}

/** The params a request carries in its header: missing or empty means none (`undefined`). */
export function parseParamsHeader(header: string | string[] | undefined): unknown {
  if (header === undefined || header === '') return undefined;
  if (Array.isArray(header)) {
    throw new AppError('INVALID_PARAMS', `send one ${PARAMS_HEADER} header, not ${header.length}`);
  }
  try {
    return JSON.parse(header);
  } catch (error) {
    throw new AppError('INVALID_PARAMS', `${PARAMS_HEADER} is not valid JSON`, {
      reason: (error as Error).message,
    });
  }
}
