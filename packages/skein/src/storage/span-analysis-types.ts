import type { SpanField, SpanFilter } from './span-query-types.js';

/**
 * The types of storage's population analyses (span-analysis.ts, attribute-ranking-sql.ts,
 * trace-shape-sql.ts): the Explore page's heatmap, group-by and attribute ranking, and the
 * trace-level questions. Plain data, so the reader contract (trace-store.ts) can name them.
 */

/** The spans an analysis looks at: those of the tenant starting in `[fromNano, toNano)` that pass `filter`. */
export interface SpanPopulation {
  filter: SpanFilter;
  fromNano: bigint;
  toNano: bigint;
}

/**
 * How much of the population an answer was computed from. Large populations are sampled by a
 * hash of the span ID (deterministic: the same data gives the same sample), so shares and
 * quantiles are estimates; counts are of the sample (divide by `rate` to estimate the whole).
 */
export interface SampleInfo {
  populationSpans: number;
  sampledSpans: number;
  /** sampledSpans / populationSpans as planned (1: every span). */
  rate: number;
}

/** Duration buckets per doubling of the heatmap: bucket b holds durations in [2^(b/4), 2^((b+1)/4)) ns. */
export const HEATMAP_BUCKETS_PER_DOUBLING = 4;

export interface HeatmapQuery extends SpanPopulation {
  stepNano: bigint;
}

export interface HeatmapCell {
  /** Time slot: [from + slot·step, from + (slot+1)·step). */
  slot: number;
  /** Log-scale duration bucket (see {@link HEATMAP_BUCKETS_PER_DOUBLING}). */
  bucket: number;
  count: number;
  errors: number;
}

export interface HeatmapResult {
  cells: HeatmapCell[];
  slots: number;
  totalSpans: number;
}

export interface GroupByQuery extends SpanPopulation {
  field: SpanField;
  /** Sparkline slot width. */
  stepNano: bigint;
  /** Groups returned (most spans first); the rest are summed as "other". 1..200. */
  limit: number;
  /** Spans aggregated at most; above it the population is sampled. */
  maxSampleSpans: number;
}

export interface SpanGroup {
  /** The field's value as text; '' with `type` '' when spans lack the field (the "missing" group). */
  value: string;
  /** The attribute type tag (attribute-columns.ts), or '' when missing. */
  type: string;
  count: number;
  errors: number;
  p50Nano: number;
  p95Nano: number;
  p99Nano: number;
  /** Per slot: spans, errors and p95 duration (0 in a slot without spans). */
  seriesCount: number[];
  seriesErrors: number[];
  seriesP95Nano: number[];
}

export interface GroupByResult {
  groups: SpanGroup[];
  /** Spans of the groups beyond `limit`, summed. */
  other: { count: number; errors: number; groups: number };
  slots: number;
  sample: SampleInfo;
}

/** Which spans of a population are "the selection" (a heatmap region, errors, a filter); the rest are the baseline. */
export interface SpanSelection {
  fromNano?: bigint;
  toNano?: bigint;
  minDurationNano?: bigint;
  maxDurationNano?: bigint;
  errorsOnly?: boolean;
  filter?: SpanFilter;
}

export interface AttributeCountsQuery extends SpanPopulation {
  selection: SpanSelection;
  /** Values kept per attribute (most prominent in either group first). */
  topValues: number;
  /** Spans counted at most per group; above it the group is sampled. */
  maxSampleSpans: number;
}

export interface ValueCounts {
  value: string;
  selection: number;
  baseline: number;
}

/**
 * One attribute's value counts. `raw` are its values as text; numeric attributes also come as
 * `buckets` (log2 ranges like `[64, 128)`), which the ranking uses when there are more distinct
 * values than `topValues`.
 */
export interface AttributeCounts {
  /** `span.<key>`, `resource.<key>`, or an intrinsic: `name`, `status`, `kind`. */
  attribute: string;
  /** Selection / baseline spans that carry the attribute (the rest are "missing"). */
  selectionWith: number;
  baselineWith: number;
  distinctValues: number;
  numeric: boolean;
  raw: ValueCounts[];
  buckets: ValueCounts[];
}

export interface AttributeCountsResult {
  /** Spans in the selection and the baseline, as counted (after sampling). */
  selectionSpans: number;
  baselineSpans: number;
  selectionSample: SampleInfo;
  baselineSample: SampleInfo;
  attributes: AttributeCounts[];
}

/** Trace-level questions (documented in docs/api.md, `/api/v1/analysis/traces`). */
export interface TraceShapeQuery {
  fromNano: bigint;
  toNano: bigint;
  minSpans?: number;
  maxSpans?: number;
  minDepth?: number;
  maxDepth?: number;
  /** Every one of these services has a span in the trace. */
  services: readonly string[];
  /** Some span of the trace passes this ("has A"). */
  has?: SpanFilter;
  /** No span of the trace passes this ("but never B"). */
  hasNot?: SpanFilter;
  limit: number;
}

export interface TraceShape {
  traceId: string;
  spanCount: number;
  errorCount: number;
  /** Longest parent chain, in spans (a lone root is depth 1). */
  depth: number;
  services: string[];
  rootServiceName: string;
  rootSpanName: string;
  startNano: bigint;
  durationNano: bigint;
}

/** Traces of one operation split by its span duration: the slow tail against the typical. */
export interface OperationTraceGroupsQuery {
  serviceName: string;
  spanName: string;
  fromNano: bigint;
  toNano: bigint;
  /** Spans at or above this quantile of the operation's duration are "slow" (e.g. 0.9). */
  slowQuantile: number;
  /** Spans at or below this quantile are "fast" (e.g. 0.5). */
  fastQuantile: number;
  /** Traces per group, at most (a deterministic hash sample). */
  tracesPerGroup: number;
}

export interface OperationTraceGroups {
  slowThresholdNano: number;
  fastThresholdNano: number;
  operationSpans: number;
  slowTraceIds: string[];
  fastTraceIds: string[];
}
