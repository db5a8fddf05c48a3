import { AppError } from '@pixelflow/errors';
import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { nestingLimit, type OperationLimits } from './limits.ts';

const opening = new Set<TokenKind>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const closing = new Set<TokenKind>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/**
 * Reads a document's tokens before anything parses it, with graphql-js' own lexer (a loop, and
 * the very tokens its parser would count), and refuses it at the first limit it crosses:
 * TOO_MANY_TOKENS, QUERY_TOO_DEEP for brackets nested past nestingLimit (graphql-js' parser is
 * recursive, so such a document would otherwise be refused by a stack overflow, or not at all),
 * or TOO_MANY_ALIASES. The scan stops there, so its work is bounded by the limits, not by the
 * document. A lexical error is GRAPHQL_PARSE_FAILED.
 *
 * Aliases are counted as written (`alias: field` outside any parentheses: values and variable
 * definitions only occur inside them), so that a flood of them is named for what it is even when
 * it is also longer than the token limit; their count through fragments is checked after parsing.
 */
export function scanDocument(
  source: string,
  limits: Pick<OperationLimits, 'maxTokens' | 'maxDepth' | 'maxAliases'>,
): void {
  const lexer = new Lexer(new Source(source));
  const maxNesting = nestingLimit(limits);
  let tokens = 0;
  let nesting = 0;
  let parentheses = 0;
  let aliases = 0;
  // The two tokens before this one: `Name : Name` outside parentheses is an alias and its field.
  let before: TokenKind | undefined;
  let last: TokenKind | undefined;
  for (let token = advance(lexer); token.kind !== TokenKind.EOF; token = advance(lexer)) {
    if (++tokens > limits.maxTokens) {
      throw new AppError('TOO_MANY_TOKENS', `the document is longer than ${limits.maxTokens} tokens`);
    }
    const { kind } = token;
    if (opening.has(kind)) {
      if (++nesting > maxNesting) {
        throw new AppError(
          'QUERY_TOO_DEEP',
          `the document nests more than ${maxNesting} brackets (selections at most ${limits.maxDepth} deep)`,
        );
      }
      if (kind === TokenKind.PAREN_L) parentheses++;
    } else if (closing.has(kind)) {
      nesting = Math.max(0, nesting - 1);
      if (kind === TokenKind.PAREN_R) parentheses = Math.max(0, parentheses - 1);
    } else if (
      kind === TokenKind.NAME &&
      last === TokenKind.COLON &&
      before === TokenKind.NAME &&
      parentheses === 0 &&
      token.value !== '__typename' &&
      ++aliases > limits.maxAliases
    ) {
      throw new AppError('TOO_MANY_ALIASES', `the document uses more than ${limits.maxAliases} aliases`);
    }
    before = last;
    last = kind;
  }
}

function advance(lexer: Lexer) {
  try {
    return lexer.advance();
  } catch (error) {
    if (error instanceof GraphQLError) throw new AppError('GRAPHQL_PARSE_FAILED', error.message);
    throw error;
  }
}
