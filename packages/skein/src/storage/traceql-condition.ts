/**
 * The condition a TraceQL search hands storage to pick candidate traces (rendered to SQL by
 * traceql-prefilter.ts; derived from a query by query/traceql/prefilter-plan.ts). Plain data, so
 * that the reader contract (trace-store.ts) can name it without importing any SQL.
 */

/** Span columns a predicate may test (a whitelist: nothing else reaches the SQL text). */
export type SpanStringColumn = 'name' | 'service_name' | 'status_message' | 'trace_id' | 'span_id' | 'parent_span_id';
export type SpanNumberColumn = 'kind' | 'status_code' | 'duration_ns';
export type PrefilterOp = '=' | '!=' | '>' | '>=' | '<' | '<=';

export type SpanPredicate =
  | { kind: 'and' | 'or'; parts: SpanPredicate[] }
  | { kind: 'string'; column: SpanStringColumn; op: PrefilterOp; value: string }
  | { kind: 'regex'; column: SpanStringColumn; negated: boolean; pattern: string }
  | { kind: 'number'; column: SpanNumberColumn; op: PrefilterOp; value: bigint }
  /**
   * An attribute of the span (`span`), of its resource (`resource`) or of either. The value test
   * is on the stored text form (attribute-columns.ts); an array-valued attribute always passes
   * (its elements are tested exactly later). `exists` only asks for the key.
   */
  | { kind: 'attribute'; scope: 'span' | 'resource' | 'either'; key: string; test: AttributeTest };

export type AttributeTest =
  | { kind: 'exists' }
  | { kind: 'text'; op: PrefilterOp; value: string }
  | { kind: 'number'; op: PrefilterOp; value: number }
  | { kind: 'regex'; pattern: string };

/** A necessary condition on a trace; `true` keeps every trace with a span in the window. */
export type TraceCondition = { kind: 'true' } | { kind: 'and' | 'or'; parts: TraceCondition[] } | { kind: 'hasSpan'; span: SpanPredicate };
