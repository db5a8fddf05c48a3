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

  it("counts an explicit null as the argument's default, as the gallery reads it (a page of 24)", () => {
    expect(cost('{ me { images(first: null) { edges { node { id } } } } }')).toBe(74);
    const query = 'query($n: Int) { me { images(first: $n) { edges { node { id } } } } }';
    expect(cost(query, { variables: { n: null } })).toBe(74);
    expect(cost(query)).toBe(74);
    expect(cost('query($n: Int = null) { me { images(first: $n) { edges { node { id } } } } }')).toBe(74);
  });

  it('counts an explicit null as defaultListSize for a size argument without a default', () => {
    const sized =
      buildSchema(`type Query { items(first: Int, last: Int): [Item!]! page(last: Int): ItemConnection! }
      type Item { id: ID! } type ItemConnection { edges: [Item!]! }`);
    const at = (query: string, variables = {}) => {
      const document = parse(query);
      return checkCost(sized, document, getOperationAST(document)!, variables, {
        defaultListSize: 10,
        maxCost: 1_000_000,
      });
    };
    expect(at('{ items(first: null) { id } }')).toBe(11);
    expect(at('{ items(first: null, last: 3) { id } }')).toBe(4);
    expect(at('query($n: Int) { page(last: $n) { edges { id } } }', { n: null })).toBe(21);
    expect(at('{ page { edges { id } } }')).toBe(21);
  });

  it('refuses 15 pages of null as it refuses 15 pages of 24', () => {
    // The security tester's: 15 pages of 24 cost 6,496; of null they counted as pages of 1 (286), and
    // the gallery returned 300 images.
    const sel =
      '{ edges { node { id url thumbnailUrl width height format bytes createdAt kind converter original { id url thumbnailUrl width height } } } }';
    const pages = (arg: string) =>
      `query($n: Int) { me { ${Array.from({ length: 15 }, (_, i) => `a${i}: images(first: ${arg}) ${sel}`).join(' ')} } }`;
    const limits = { maxCost: 5000 };
    expect(() => cost(pages('24'), limits)).toThrow(expect.objectContaining({ code: 'QUERY_TOO_COSTLY' }));
    expect(() => cost(pages('null'), limits)).toThrow(expect.objectContaining({ code: 'QUERY_TOO_COSTLY' }));
    expect(() => cost(pages('$n'), { ...limits, variables: { n: null } })).toThrow(
      expect.objectContaining({ code: 'QUERY_TOO_COSTLY' }),
    );
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
