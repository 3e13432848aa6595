import type { SpanField, SpanFilter } from '../../storage/span-query-types.js';

/** A planned TraceQL metrics query (traceql-metrics-plan.ts) and its window: what both answer paths take. */

export type MetricsFunction =
  | 'rate'
  | 'count_over_time'
  | 'sum_over_time'
  | 'avg_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'quantile_over_time'
  | 'histogram_over_time'
  | 'compare';

export interface MetricsQuery {
  filter: SpanFilter;
  fn: MetricsFunction;
  /** The attribute argument as written (sum/avg/min/max/quantile/histogram). */
  argument?: { text: string; field: SpanField };
  quantiles: number[];
  by: Array<{ text: string; field: SpanField }>;
  /** compare(): the selection, the values kept per attribute, the optional selection window. */
  compare?: { selection: SpanFilter; topN: number; fromNano?: bigint; toNano?: bigint };
  second?: { fn: 'topk' | 'bottomk'; count: number } | { fn: 'filter'; op: string; value: number };
}

export interface MetricsWindow {
  startNano: bigint;
  endNano: bigint;
  stepNano: bigint;
  instant: boolean;
  exemplars: number;
}
