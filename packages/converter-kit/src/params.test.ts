import { AppError } from '@pixelflow/errors';
import { describe, expect, it } from 'vitest';
import { paramsValidator, parseParamsHeader } from './params.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    angle: { type: 'integer', minimum: 0, maximum: 360, default: 90 },
    background: { type: 'string', pattern: '^#[0-9a-f]{6}$', default: '#000000' },
  },
};

function refusal(action: () => unknown): AppError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_PARAMS');
    return error as AppError;
  }
  throw new Error('expected INVALID_PARAMS');
}

// One rule set on both sides of the contract: these are the converters' rules and the conversion
// service's alike.
describe('paramsValidator', () => {
  const validate = paramsValidator('rotate', schema);

  it('fills in defaults for no params and for some, leaving the caller’s object alone', () => {
    expect(validate(undefined)).toEqual({ angle: 90, background: '#000000' });
    const given = { angle: 180 };
    expect(validate(given)).toEqual({ angle: 180, background: '#000000' });
    expect(given).toEqual({ angle: 180 });
  });

  it('lists every problem, by path, and names an unknown property', () => {
    const error = refusal(() => validate({ angle: 400, background: 'red', extra: true }));
    expect(error.details).toEqual({
      errors: [
        { path: '/', message: "must NOT have additional property 'extra'" },
        { path: '/angle', message: 'must be <= 360' },
        { path: '/background', message: 'must match pattern "^#[0-9a-f]{6}$"' },
      ],
    });
    expect(error.message).toMatch(/^invalid params for rotate: .*params\/angle must be <= 360/);
  });

  it('coerces nothing and takes only an object', () => {
    expect(refusal(() => validate({ angle: '90' })).details).toEqual({
      errors: [{ path: '/angle', message: 'must be integer' }],
    });
    for (const params of [null, 5, 'angle=90', [1]]) refusal(() => validate(params));
  });

  it('takes keywords it does not know, as a converter in another language may publish them', () => {
    const lenient = paramsValidator('x', { type: 'object', 'x-widget': 'slider', properties: {} });
    expect(lenient({})).toEqual({});
  });

  it('compiles a redeployed schema with the same $id again', () => {
    const first = paramsValidator('a', { $id: 'https://pixelflow.dev/a', ...schema });
    const second = paramsValidator('a', {
      $id: 'https://pixelflow.dev/a',
      type: 'object',
      properties: { angle: { type: 'integer', default: 1 } },
    });
    expect(first({})).toMatchObject({ angle: 90 });
    expect(second({})).toEqual({ angle: 1 });
  });
});

describe('parseParamsHeader', () => {
  it('reads JSON; none or empty is no params', () => {
    expect(parseParamsHeader(undefined)).toBeUndefined();
    expect(parseParamsHeader('')).toBeUndefined();
    expect(parseParamsHeader('{"sigma":3}')).toEqual({ sigma: 3 });
  });

  it('refuses what is not JSON, and the header twice', () => {
    expect(refusal(() => parseParamsHeader('{sigma: 3')).message).toMatch(/not valid JSON/);
    expect(refusal(() => parseParamsHeader(['{}', '{}'])).message).toMatch(/send one/);
  });
});
