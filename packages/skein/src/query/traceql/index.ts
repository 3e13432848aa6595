/** TraceQL: the parser every API and the UI use, and the search engine over a tenant's store. */
export { parseTraceQL } from './parser.js';
export { TraceQLParseError, TraceQLUnsupportedError, isTraceQLError } from './errors.js';
export type { TraceQLError } from './errors.js';
export { executeTraceQLSearch, ROOT_SPAN_MISSING } from './search.js';
export type {
  TraceQLAttribute,
  TraceQLSearchOptions,
  TraceQLSearchResult,
  TraceQLSpan,
  TraceQLSpanset,
  TraceQLTraceResult,
} from './search.js';
export { traceConditionOf } from './prefilter-plan.js';
export { evaluateSpans } from './evaluator.js';
export type { Spanset } from './evaluator.js';
export { TraceView, evaluateField } from './trace-view.js';
export { fieldText } from './field-text.js';
export { INTRINSICS, INTRINSIC_TYPES } from './ast.js';
export type {
  AggregateFn,
  ArithmeticOp,
  AttributeScope,
  ComparisonOp,
  FieldExpr,
  Intrinsic,
  KindValue,
  LogicalOp,
  MetricsFn,
  MetricsSecondStage,
  MetricsStage,
  PipelineStage,
  Position,
  QueryHint,
  ScalarExpr,
  SpansetExpr,
  SpansetOp,
  StaticKind,
  StaticValue,
  StatusValue,
  StructuralOp,
  TraceQLQuery,
} from './ast.js';
