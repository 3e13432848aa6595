import type { Position } from './ast.js';

/**
 * A query that does not parse, or does not type-check: the message names line, column and what
 * was expected. The HTTP APIs answer it with 400.
 */
export class TraceQLParseError extends Error {
  override readonly name = 'TraceQLParseError';
  constructor(
    readonly position: Position,
    /** What the parser stopped on and what it wanted, without the position prefix. */
    readonly detail: string,
  ) {
    super(`parse error at line ${position.line}, col ${position.column}: ${detail}`);
  }
}

/**
 * A construct that parses as TraceQL but that Skein does not evaluate (yet): answered with 400
 * naming it, never with a wrong result.
 */
export class TraceQLUnsupportedError extends Error {
  override readonly name = 'TraceQLUnsupportedError';
  constructor(
    readonly construct: string,
    readonly position: Position,
  ) {
    super(`unsupported TraceQL at line ${position.line}, col ${position.column}: ${construct} is not supported`);
  }
}

/** Either error: both are the caller's mistake (HTTP 400). */
export type TraceQLError = TraceQLParseError | TraceQLUnsupportedError;

export function isTraceQLError(error: unknown): error is TraceQLError {
  return error instanceof TraceQLParseError || error instanceof TraceQLUnsupportedError;
}
