/**
 * The types of storage's aggregating reads (span-conditions.ts, span-aggregation.ts), apart from
 * their SQL so that the storage contract (trace-store.ts) can name them without importing the
 * SQL builders (which import trace-store.ts's errors: a cycle).
 */

export type SpanIntrinsic = 'name' | 'status' | 'kind' | 'duration' | 'statusMessage' | 'serviceName';

export type SpanField =
  | { kind: 'intrinsic'; name: SpanIntrinsic }
  /** `any`: TraceQL's unscoped `.key`, the span's attribute or else its resource's. */
  | { kind: 'attribute'; scope: 'span' | 'resource' | 'any'; key: string };

export type ComparisonOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | '=~' | '!~';

/** A comparison value, typed as in TraceQL: status and kind are their OTLP numbers, durations nanoseconds. */
export type ConditionValue =
  | { type: 'string'; value: string }
  | { type: 'int'; value: bigint }
  | { type: 'float'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'duration'; nanos: bigint }
  | { type: 'status'; code: number }
  | { type: 'kind'; kind: number }
  /** `attr != nil` (the attribute exists) and `attr = nil` (it does not). */
  | { type: 'nil' };

export interface SpanCondition {
  field: SpanField;
  op: ComparisonOp;
  value: ConditionValue;
}

/**
 * A boolean combination of conditions: `all` (AND), `any` (OR), `not`. An empty `all` is every
 * span, an empty `any` none.
 */
export type SpanFilter =
  | { combine: 'all' | 'any'; conditions: readonly (SpanCondition | SpanFilter)[] }
  | { combine: 'not'; conditions: readonly [SpanCondition | SpanFilter] };

export type SpanAggregate =
  | { fn: 'count' }
  /** Of a numeric field: durations in seconds (as Tempo reports them), attributes of type int or double. */
  | { fn: 'sum' | 'avg' | 'min' | 'max'; field: SpanField }
  | { fn: 'quantiles'; field: SpanField; levels: readonly number[] }
  /** Counts per power-of-two bucket of the field (nanoseconds for durations). */
  | { fn: 'histogram'; field: SpanField }
  /**
   * TraceQL `compare()`: per slot and per (attribute, value) of every span (span and resource
   * attributes, `name`, `status`, `kind`), `[baseline count, selection count]`; a span is in the
   * selection when it passes `selection` (and starts inside the selection window, when given).
   * Rows have no `groupBy` fields: `groups` is `[attribute name, value]`. Ignores `groupBy`.
   */
  | { fn: 'compare'; selection: SpanFilter; selectionFromNano?: bigint; selectionToNano?: bigint };

export interface SpanAggregationQuery {
  filter: SpanFilter;
  groupBy: readonly SpanField[];
  aggregate: SpanAggregate;
  /** Exclusive start of the window, nanoseconds. */
  fromNano: bigint;
  /** Inclusive end of the window. */
  toNano: bigint;
  stepNano: bigint;
  /** Example spans kept per row (0: none). */
  exemplarsPerRow: number;
}

export interface SpanAggregationExemplar {
  traceId: string;
  spanId: string;
  startNano: bigint;
  value: number;
}

export interface SpanAggregationRow {
  slot: number;
  /** Per `groupBy` field: its value as text and its type tag ('' when the span lacks it). */
  groups: Array<{ value: string; type: string }>;
  /** count: [n]; sum/avg/min/max: [x]; quantiles: one per level; histogram: [n]. */
  values: number[];
  /** histogram only: the bucket's upper bound, in the field's unit (nanoseconds for durations). */
  bucket?: number;
  exemplars: SpanAggregationExemplar[];
}

/** A window and filter for typed value autocompletion (Tempo's `/api/v2/search/tag/{tag}/values`). */
export interface TypedValuesQuery {
  field: SpanField;
  filter: SpanFilter;
  startNano: bigint;
  endNano: bigint;
  /** Spans looked at, at most (the first the engine reads in the window): keeps it fast on any store. */
  sampleSpans: number;
  limit: number;
}

export interface TypedValueRow {
  value: string;
  /** The attribute type tag (attribute-columns.ts). */
  type: string;
}
