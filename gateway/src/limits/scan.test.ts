import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { scanDocument } from './scan.ts';

function parsesWithin(source: string, maxTokens: number): boolean {
  try {
    parse(source, { maxTokens });
    return true;
  } catch {
    return false;
  }
}

const limits = { maxTokens: 100, maxDepth: 5, maxAliases: 2 };

function scan(source: string, overrides: Partial<typeof limits> = {}): string {
  try {
    scanDocument(source, { ...limits, ...overrides });
    return 'accepted';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('scanDocument', () => {
  it.each([
    '{ a { b } }',
    `# ${'x'.repeat(10_000)}\n{ a { b } }`,
    'query Q($v: [Int!] = [1, 2]) { a: f(x: $v, y: "s", z: { w: 1.5 }) @include(if: true) { ... on T { b } } }',
  ])("counts tokens as graphql-js' parser does (%#)", (source) => {
    const tokens = [...Array(100).keys()].find((n) => parsesWithin(source, n))!;
    expect(scan(source, { maxTokens: tokens })).toBe('accepted');
    expect(scan(source, { maxTokens: tokens - 1 })).toBe('TOO_MANY_TOKENS');
  });

  it('refuses brackets nested past four per level of maxDepth, however deep the document goes', () => {
    expect(scan(`${'{ a '.repeat(20)}${'}'.repeat(20)}`)).toBe('accepted');
    expect(scan(`${'{ a '.repeat(21)}${'}'.repeat(21)}`)).toBe('QUERY_TOO_DEEP');
    // Long past the token limit too: the first limit crossed is the one that answers.
    expect(scan(`{ f(x: ${'['.repeat(1_000_000)}`)).toBe('QUERY_TOO_DEEP');
  });

  it('does not take brackets inside strings for nesting', () => {
    expect(scan(`{ f(x: "${'{'.repeat(100)}") }`)).toBe('accepted');
  });

  it('counts written aliases, not arguments, variables or object fields', () => {
    expect(scan('query($v: Int) { a: f(x: 1, y: { z: $v }) b: f }')).toBe('accepted');
    expect(scan('{ a: f b: f c: f }')).toBe('TOO_MANY_ALIASES');
    expect(scan('{ a: __typename b: __typename c: __typename }')).toBe('accepted');
  });

  it('reports a lexical error as GRAPHQL_PARSE_FAILED', () => {
    expect(scan('{ a(x: "unterminated) }')).toBe('GRAPHQL_PARSE_FAILED');
  });
});
