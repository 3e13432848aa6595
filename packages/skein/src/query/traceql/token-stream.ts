import type { Position } from './ast.js';
import { TraceQLParseError } from './errors.js';
import type { Token } from './lexer.js';

/** A cursor over tokens with the error helpers every parser part uses. */
/** Deepest nesting a query may have: recursion stays far from the JS stack limit. */
export const MAX_NESTING = 128;
/** Longest query, in tokens: bounds parse and evaluation work whatever the input. */
export const MAX_TOKENS = 4096;

export class TokenStream {
  private index = 0;
  private depth = 0;
  constructor(private readonly tokens: readonly Token[]) {
    const last = tokens[Math.min(tokens.length, MAX_TOKENS) - 1];
    if (tokens.length > MAX_TOKENS && last !== undefined) {
      throw new TraceQLParseError(last.pos, `query too long: at most ${MAX_TOKENS} tokens`);
    }
  }

  /** Runs one level of a recursive rule; fails past {@link MAX_NESTING} levels. */
  nested<T>(rule: () => T): T {
    if (++this.depth > MAX_NESTING) throw new TraceQLParseError(this.peek().pos, `query nested too deeply: at most ${MAX_NESTING} levels`);
    try {
      return rule();
    } finally {
      this.depth--;
    }
  }

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)]!;
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index++;
    return token;
  }

  isPunct(value: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'punct' && token.value === value;
  }

  isIdent(value: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'ident' && token.value === value;
  }

  /** Consumes the punctuation `value` or fails naming it as expected. */
  expectPunct(value: string, context?: string): Position {
    if (!this.isPunct(value)) this.unexpected(`'${value}'${context === undefined ? '' : ` ${context}`}`);
    return this.next().pos;
  }

  /** Fails at the current token: "expected X, found Y". */
  unexpected(expected: string, at: Token = this.peek()): never {
    throw new TraceQLParseError(at.pos, `expected ${expected}, found ${describeToken(at)}`);
  }
}

export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'end of query';
    case 'punct':
      return `'${token.value}'`;
    case 'ident':
      return `'${token.value}'`;
    case 'string':
      return `string ${JSON.stringify(token.value)}`;
    case 'attribute':
      return `attribute ${token.scope === 'none' ? '' : token.scope}.${token.value}`;
    case 'scopedIntrinsic':
      return `intrinsic ${token.scope}:${token.value}`;
    default:
      return `${token.kind} ${token.text}`;
  }
}
