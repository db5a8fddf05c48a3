import { readFileSync } from 'node:fs';
import { AppError } from '@pixelflow/errors';
import { buildSchema, getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { checkCost } from './cost.ts';

const schema = buildSchema(readFileSync(new URL('../../api-schema.graphql', import.meta.url), 'utf8'));

function cost(query: string, { defaultListSize = 10, maxCost = 1_000_000, variables = {} } = {}): number {
  const document = parse(query);
  return checkCost(schema, document, getOperationAST(document)!, variables, { defaultListSize, maxCost });
}

describe('checkCost', () => {
  it('counts every field once and a list field once per item its `first` asks for', () => {
    // me 1 + images (1 + 100 × (edges 1 + node 1 + id 1)): a connection's edges count once.
    expect(cost('{ me { images(first: 100) { edges { node { id } } } } }')).toBe(302);
    expect(
      cost('query($n: Int) { me { images(first: $n) { edges { node { id } } } } }', { variables: { n: 5 } }),
    ).toBe(17);
  });

  it("applies the argument's default: `images` alone is a page of 24", () => {
    expect(cost('{ me { images { edges { node { id } } } } }')).toBe(74);
  });

  it('counts a list without a size argument as defaultListSize items', () => {
    expect(cost('{ converters { id title } }')).toBe(21);
    expect(cost('{ converters { id title } }', { defaultListSize: 3 })).toBe(7);
  });

  it('counts introspection lists once (the schema bounds them)', () => {
    expect(cost('{ __schema { types { name fields { name } } } }')).toBe(5);
  });

  it('refuses past maxCost with QUERY_TOO_COSTLY', () => {
    expect(() => cost('{ me { images(first: 100) { edges { node { id } } } } }', { maxCost: 301 })).toThrow(
      expect.objectContaining({ code: 'QUERY_TOO_COSTLY' }),
    );
  });

  it('refuses a fragment spread a hundred thousand times over without expanding it all', () => {
    const spreads = (name: string) => Array.from({ length: 10 }, () => `...${name}`).join(' ');
    const query = `{ image(id: "1") { ...F1 } }
      fragment F1 on Image { ${spreads('F2')} } fragment F2 on Image { ${spreads('F3')} }
      fragment F3 on Image { ${spreads('F4')} } fragment F4 on Image { ${spreads('F5')} }
      fragment F5 on Image { ${spreads('F6')} } fragment F6 on Image { id }`;
    const refusal = (() => {
      try {
        return cost(query);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({ code: 'QUERY_TOO_COSTLY' });
  });

  it('answers variables that do not coerce with BAD_USER_INPUT, as execution would', () => {
    expect(() =>
      cost('query($n: Int!) { me { images(first: $n) { edges { node { id } } } } }', { variables: {} }),
    ).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});
