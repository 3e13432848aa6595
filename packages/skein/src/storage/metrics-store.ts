import type { TenantId } from '../model/tenant.js';

/**
 * Pre-aggregated metrics (ARCHITECTURE decisions 6 and 12): what the pipeline's metrics tap writes
 * per tenant and minute, and what dashboards, `/api/v1/dependencies`, the service map, the
 * Prometheus and Jaeger SPM APIs read instead of raw spans.
 *
 * Write semantics: rows are deltas. A minute of a series may arrive in several rows (every flush,
 * every process that saw spans of it); readers sum them. A flush is written once; when the engine
 * fails it is kept and retried with the next flush (bounded: see the tap), so a write that failed
 * after the engine stored it may count a flush twice. Counts are adjusted counts (a span that
 * arrived head-sampled at 1 in 4 counts 4), so they are doubles.
 */

/** One series' delta for one minute. */
export interface SpanMetricsRow {
  readonly tenant: TenantId;
  /** Minutes since the epoch (the span's start minute). */
  readonly minute: number;
  readonly serviceName: string;
  readonly spanName: string;
  /** OTLP span kind number. */
  readonly spanKind: number;
  /** OTLP status code number. */
  readonly statusCode: number;
  /** Further dimensions, `key=value` joined by `\u001f` in configured order ('' when none). */
  readonly dimensions: string;
  readonly calls: number;
  readonly errors: number;
  readonly durationSumNanos: number;
  /** Sparse latency histogram (model/latency-histogram.ts): parallel arrays. */
  readonly histogramIndexes: readonly number[];
  readonly histogramCounts: readonly number[];
}

/** A service-graph edge's delta for one minute. */
export interface ServiceGraphEdgeRow {
  readonly tenant: TenantId;
  readonly minute: number;
  readonly client: string;
  readonly server: string;
  /** '' (both sides instrumented), 'virtual_node', 'database' or 'messaging_system' (Collector values). */
  readonly connectionType: string;
  readonly calls: number;
  readonly failed: number;
  /** Latency histograms seen by the server side (or the client side when the server is virtual). */
  readonly histogramIndexes: readonly number[];
  readonly histogramCounts: readonly number[];
}

export type ExemplarKind = 'slowest' | 'error' | 'random';

/** A trace that stands for a series in a minute; confirmed against stored traces when read. */
export interface ExemplarRow {
  readonly tenant: TenantId;
  readonly minute: number;
  readonly serviceName: string;
  readonly spanName: string;
  readonly kind: ExemplarKind;
  readonly traceId: string;
  readonly spanId: string;
  readonly durationNanos: number;
  readonly statusCode: number;
}

/**
 * Root spans (traces) of one operation that reached the tap in an arrival window `[startMillis,
 * endMillis)` (the tap's clock, one window per flush), by how the SDK sampled them: adaptive
 * sampling's throughput (query/sampling). Raw counts, not adjusted: the reader divides each by the
 * probability its trace was sampled with, which for Jaeger remote samplers only it knows.
 */
export interface OperationThroughputRow {
  readonly tenant: TenantId;
  readonly serviceName: string;
  /** The root span's name, unsanitised: SDKs match per-operation strategies by exact name. */
  readonly operation: string;
  /** The `th` hex digits of the span's `ot` trace state entry; '' when it had none. */
  readonly threshold: string;
  /** `jaeger.sampler.param` of a root span whose `jaeger.sampler.type` is `probabilistic`; '' otherwise. */
  readonly samplerParam: string;
  readonly startMillis: number;
  /** Exclusive; greater than `startMillis`. */
  readonly endMillis: number;
  readonly rootSpans: number;
}

/** What one flush of the tap writes. */
export interface MetricsBatch {
  readonly spanMetrics: readonly SpanMetricsRow[];
  readonly edges: readonly ServiceGraphEdgeRow[];
  readonly exemplars: readonly ExemplarRow[];
  /** Absent or empty when the tap counted no root spans (or wrote before schema v11). */
  readonly throughput?: readonly OperationThroughputRow[];
}

/** Root spans of one operation and sampling in a window, summed over the tap's rows (see the reader). */
export interface OperationThroughputTotal {
  readonly serviceName: string;
  readonly operation: string;
  readonly threshold: string;
  readonly samplerParam: string;
  /** Root spans; a row that overlaps the window only partly counts for the overlapping fraction. */
  readonly rootSpans: number;
}

/** The write side, part of TraceStore: resolves once every row is stored. */
export interface MetricsWriter {
  writeMetrics(batch: MetricsBatch): Promise<void>;
}

/** Which series to read: a window of minutes, optionally one service (and operation). */
export interface SeriesQuery {
  readonly startMinute: number;
  /** Exclusive. */
  readonly endMinute: number;
  readonly serviceName?: string;
  readonly spanName?: string;
  /** Span kinds to keep (OTLP numbers); empty: all. */
  readonly spanKinds: readonly number[];
  /** Minutes per returned point (≥ 1). */
  readonly stepMinutes: number;
  /** Group by `service` or by `operation` (service + span name). */
  readonly groupBy: 'service' | 'operation';
}

/** One group's point: sums over `stepMinutes` minutes starting at `minute`. */
export interface SeriesPoint {
  readonly serviceName: string;
  /** '' when grouped by service. */
  readonly spanName: string;
  readonly minute: number;
  readonly calls: number;
  readonly errors: number;
  readonly durationSumNanos: number;
  readonly histogramIndexes: readonly number[];
  readonly histogramCounts: readonly number[];
}

export interface EdgeTotal {
  readonly client: string;
  readonly server: string;
  readonly connectionType: string;
  readonly calls: number;
  readonly failed: number;
  readonly histogramIndexes: readonly number[];
  readonly histogramCounts: readonly number[];
}

/** An exemplar whose trace is stored (confirmed against trace_index at read time). */
export interface StoredExemplar {
  readonly serviceName: string;
  readonly spanName: string;
  readonly minute: number;
  readonly kind: ExemplarKind;
  readonly traceId: string;
  readonly spanId: string;
  readonly durationNanos: number;
  readonly statusCode: number;
}

/** The read side, part of TenantTraceReader (one tenant). */
export interface MetricsReader extends SpanMetricsAggregationReader {
  readSeries(query: SeriesQuery): Promise<SeriesPoint[]>;
  /** Edge totals over `[startMinute, endMinute)`, sorted by client then server. */
  readEdges(startMinute: number, endMinute: number): Promise<EdgeTotal[]>;
  /**
   * Exemplars in the window whose traces are stored: per (series, minute, kind) the ones whose
   * trace the sampler kept, so a click always opens a stored trace; at most `limit`.
   */
  readExemplars(query: {
    startMinute: number;
    endMinute: number;
    serviceName?: string;
    spanName?: string;
    limit: number;
  }): Promise<StoredExemplar[]>;
  /**
   * Root spans per (service, operation, threshold, sampler param) that arrived at the tap in
   * `[startMillis, endMillis)`, sorted by those. A row whose arrival window overlaps the window only
   * partly contributes in proportion to the overlap (arrivals taken as even within a flush).
   */
  readOperationThroughput(startMillis: number, endMillis: number): Promise<OperationThroughputTotal[]>;
}

/** A column of the span metrics a TraceQL metrics query may filter or group on. */
export type SpanMetricsColumn = 'service' | 'name' | 'kind' | 'status';

/** A condition on those columns: kind and status as OTLP numbers, service and name as text. */
export type SpanMetricsCondition =
  | { readonly column: SpanMetricsColumn; readonly op: '=' | '!='; readonly value: string | number }
  | { readonly combine: 'all' | 'any' | 'not'; readonly conditions: readonly SpanMetricsCondition[] };

/** TraceQL metrics over the per-minute series: slot of minute m is ⌊(m − slotOriginMinute) / stepMinutes⌋. */
export interface SpanMetricsAggregation {
  readonly startMinute: number;
  /** Exclusive. */
  readonly endMinute: number;
  /** ≤ startMinute. */
  readonly slotOriginMinute: number;
  readonly stepMinutes: number;
  readonly condition: SpanMetricsCondition;
  readonly groupBy: readonly SpanMetricsColumn[];
  /** Merge the latency histograms (quantiles, histogram buckets): the costly part; else cells have none. */
  readonly histogram: boolean;
}

/** One (slot, group) of a {@link SpanMetricsAggregation}: sums over its minutes and series. */
export interface SpanMetricsCell {
  readonly slot: number;
  /** Per `groupBy` column, its value as text (kind and status: their OTLP numbers). */
  readonly groups: readonly string[];
  readonly calls: number;
  readonly durationSumNanos: number;
  readonly histogramIndexes: readonly number[];
  readonly histogramCounts: readonly number[];
}

/**
 * What decides whether a window's span metrics can stand in for its spans: the first minute the
 * tap wrote for the tenant (undefined: never), and in the window the rows of overflow series (whose
 * name, kind and status are gone) and of sanitised span names (`{id}` in place of ids).
 */
export interface SpanMetricsCoverage {
  readonly firstMinute: number | undefined;
  readonly overflowRows: number;
  readonly sanitisedNameRows: number;
}

/** The TraceQL metrics side of {@link MetricsReader} (span-metrics-aggregation.ts). */
export interface SpanMetricsAggregationReader {
  aggregateSpanMetrics(query: SpanMetricsAggregation): Promise<SpanMetricsCell[]>;
  spanMetricsCoverage(startMinute: number, endMinute: number): Promise<SpanMetricsCoverage>;
}
