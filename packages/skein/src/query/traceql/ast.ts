/**
 * The typed syntax tree of a TraceQL query (Grafana Tempo 3.x's language). Every node carries the
 * position it starts at, so that evaluation errors can point into the query text as parse errors do.
 *
 * Shape: a query is a spanset pipeline (filters, spanset operators, `by`, `select`, `coalesce`,
 * scalar filters), optionally followed by a metrics stage (`rate()` …, evaluated by the metrics
 * part) and query hints (`with (…)`).
 */

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units of the line. */
  column: number;
  /** 0-based offset into the query text. */
  offset: number;
}

export type StatusValue = 'error' | 'ok' | 'unset';
export type KindValue = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** A literal. Integers and durations are bigint: they are exact 64-bit values in TraceQL. */
export type StaticValue =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'duration'; nanos: bigint }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'status'; value: StatusValue }
  | { kind: 'spanKind'; value: KindValue };

export type StaticKind = StaticValue['kind'];

/** Attribute scopes; `none` is the unscoped `.x` (span attribute, else resource attribute). */
export type AttributeScope = 'span' | 'resource' | 'event' | 'link' | 'instrumentation' | 'none';

/** Intrinsics by their canonical scoped name; unscoped forms (`name`, `duration`…) map onto these. */
export const INTRINSICS = [
  'span:name',
  'span:status',
  'span:statusMessage',
  'span:kind',
  'span:duration',
  'span:id',
  'span:parentID',
  'span:childCount',
  'trace:id',
  'trace:duration',
  'trace:rootName',
  'trace:rootService',
  'event:name',
  'event:timeSinceStart',
  'link:traceID',
  'link:spanID',
  'instrumentation:name',
  'instrumentation:version',
] as const;
export type Intrinsic = (typeof INTRINSICS)[number];

/** The value type each intrinsic has (for static type checks). */
export const INTRINSIC_TYPES: Record<Intrinsic, StaticKind> = {
  'span:name': 'string',
  'span:status': 'status',
  'span:statusMessage': 'string',
  'span:kind': 'spanKind',
  'span:duration': 'duration',
  'span:id': 'string',
  'span:parentID': 'string',
  'span:childCount': 'int',
  'trace:id': 'string',
  'trace:duration': 'duration',
  'trace:rootName': 'string',
  'trace:rootService': 'string',
  'event:name': 'string',
  'event:timeSinceStart': 'duration',
  'link:traceID': 'string',
  'link:spanID': 'string',
  'instrumentation:name': 'string',
  'instrumentation:version': 'string',
};

export type ComparisonOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | '=~' | '!~';
export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^';
export type LogicalOp = '&&' | '||';

/** An expression inside `{ … }` (or an argument of `by`, `select`, an aggregate). */
export type FieldExpr =
  | { type: 'static'; value: StaticValue; pos: Position }
  | { type: 'attribute'; scope: AttributeScope; name: string; pos: Position }
  | { type: 'intrinsic'; name: Intrinsic; pos: Position }
  | { type: 'binary'; op: ComparisonOp | ArithmeticOp | LogicalOp; left: FieldExpr; right: FieldExpr; pos: Position }
  | { type: 'unary'; op: '!' | '-'; operand: FieldExpr; pos: Position };

export type StructuralOp = '>' | '>>' | '<' | '<<' | '~';
export type SpansetOp = '&&' | '||' | StructuralOp | `!${StructuralOp}` | `&${StructuralOp}`;

export type AggregateFn = 'count' | 'avg' | 'min' | 'max' | 'sum';

/** A value computed per spanset in a pipeline: aggregates, literals and arithmetic on them. */
export type ScalarExpr =
  | { type: 'aggregate'; fn: AggregateFn; field?: FieldExpr; pos: Position }
  | { type: 'static'; value: StaticValue; pos: Position }
  | { type: 'arithmetic'; op: ArithmeticOp; left: ScalarExpr; right: ScalarExpr; pos: Position };

/** One stage of a spanset pipeline. */
export type PipelineStage =
  | SpansetExpr
  | { type: 'scalarFilter'; op: ComparisonOp; left: ScalarExpr; right: ScalarExpr; pos: Position }
  | { type: 'by'; fields: FieldExpr[]; pos: Position }
  | { type: 'select'; fields: FieldExpr[]; pos: Position }
  | { type: 'coalesce'; pos: Position };

export type SpansetExpr =
  /** `{ expr }`; `{ }` has no condition and matches every span. */
  | { type: 'filter'; condition?: FieldExpr; pos: Position }
  | { type: 'spansetOp'; op: SpansetOp; left: SpansetExpr; right: SpansetExpr; pos: Position }
  /** Stages applied left to right; the first stage is a spanset expression or a scalar filter on `{ }`. */
  | { type: 'pipeline'; stages: PipelineStage[]; pos: Position };

export type MetricsFn =
  | 'rate'
  | 'count_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'avg_over_time'
  | 'sum_over_time'
  | 'quantile_over_time'
  | 'histogram_over_time'
  | 'compare';

/** `| rate() by (…)` and friends; evaluated by the metrics part, not by the search engine. */
export interface MetricsStage {
  fn: MetricsFn;
  /** The attribute of `*_over_time(attr)`, `quantile_over_time(attr, q…)`, `histogram_over_time(attr)`. */
  field?: FieldExpr;
  /** `quantile_over_time(attr, 0.5, 0.99)`. */
  quantiles: number[];
  /** `compare({selection}, topN, startNano, endNano)`. */
  compare?: { selection: SpansetExpr; topN?: number; startNano?: bigint; endNano?: bigint };
  by: FieldExpr[];
  pos: Position;
}

/** A second metrics stage: `| topk(n)`, `| bottomk(n)`, or a comparison of the series values. */
export type MetricsSecondStage =
  { type: 'topk' | 'bottomk'; n: number; pos: Position } | { type: 'filter'; op: ComparisonOp; value: number; pos: Position };

export interface QueryHint {
  name: string;
  value: StaticValue;
  pos: Position;
}

export interface TraceQLQuery {
  /** The spanset pipeline (a plain filter is a one-stage expression, not wrapped). */
  spans: SpansetExpr;
  metrics?: MetricsStage;
  metricsSecondStage?: MetricsSecondStage;
  hints: QueryHint[];
}
