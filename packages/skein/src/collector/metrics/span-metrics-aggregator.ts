import { histogramIndexOf } from '../../model/latency-histogram.js';
import { SPAN_KIND_NAMES, StatusCode, serviceNameOf, type AnyValue, type KeyValue, type Span } from '../../model/span.js';
import type { TenantId } from '../../model/tenant.js';
import type { ExemplarRow, SpanMetricsRow } from '../../storage/metrics-store.js';
import type { SpanMetricsConfig } from './metrics-tap-config.js';
import { sanitizeSpanName } from './span-name-sanitizer.js';

/**
 * Span metrics (the Collector's `spanmetrics` connector): per series — tenant, service, span name,
 * kind, status and the configured dimensions — calls, errors and a latency histogram, twice:
 * - cumulative since start, in the configured explicit (or exponential) buckets, for the
 *   Prometheus scrape (prometheus-exposition.ts);
 * - deltas per start minute since the last flush, with the sparse exponential histogram of
 *   model/latency-histogram.ts and up to three exemplars (slowest, an error, a random one), for
 *   storage. {@link takeFlush} hands them over and starts new ones.
 *
 * Memory is bounded by `aggregation_cardinality_limit` series per tenant: spans of a new series
 * past the limit are counted in one overflow series per service (dimensions replaced by
 * `otel.metric.overflow=true`, as the Collector does), so the bound is limit + services.
 */

export const OVERFLOW_DIMENSION = 'otel.metric.overflow=true';
const SEPARATOR = '\u001f';

export interface SeriesExemplar {
  traceId: string;
  spanId: string;
  durationNanos: number;
  statusCode: number;
}

interface MinuteDelta {
  calls: number;
  errors: number;
  sumNanos: number;
  histogram: Map<number, number>;
  slowest: SeriesExemplar | undefined;
  error: SeriesExemplar | undefined;
  random: SeriesExemplar | undefined;
  /** Spans seen this minute, for the random exemplar's reservoir. */
  seen: number;
}

export interface SpanSeries {
  readonly tenant: TenantId;
  readonly serviceName: string;
  readonly spanName: string;
  readonly spanKind: number;
  readonly statusCode: number;
  /** `key=value` pairs joined by U+001F, '' when none. */
  readonly dimensions: string;
  /** Prometheus labels besides service/span/kind/status: dimension and resource key attributes. */
  readonly labels: readonly (readonly [string, string])[];
  calls: number;
  sumNanos: number;
  /** Explicit buckets: counts per bucket (last = +Inf); exponential: unused. */
  readonly bucketCounts: Float64Array;
  /** Exponential mode: counts per model/latency-histogram.ts index. */
  readonly exponentialCounts: Map<number, number>;
  /** The latest exemplar per explicit bucket (OpenMetrics exemplars), when enabled. */
  readonly bucketExemplars: (SeriesExemplar | undefined)[];
  pending: Map<number, MinuteDelta>;
  /** The delta of the minute last counted (spans of a batch mostly share one): skips a map lookup. */
  lastMinute: number;
  lastDelta: MinuteDelta | undefined;
}

/** Per Resource object (shared by the spans of one request): its service and its series by name, kind, status. */
interface ResourceCache {
  readonly serviceName: string;
  /** Shared by every Resource of the same tenant and service (each request brings new Resource objects). */
  readonly byName: Map<string, (SpanSeries | undefined)[]>;
}

export class SpanMetricsAggregator {
  readonly series = new Map<string, SpanSeries>();
  private readonly seriesPerTenant = new Map<TenantId, number>();
  /** Explicit upper bounds in nanoseconds (numbers: bucket math needs no ns precision). */
  readonly boundsNanos: readonly number[];
  overflowedSpans = 0;
  private spansSeen = 0;
  /** Only without configured dimensions: then a series is fully named by resource, name, kind and status. */
  private readonly resourceCache = new WeakMap<object, ResourceCache>();
  private readonly byService = new Map<string, Map<string, (SpanSeries | undefined)[]>>();
  private readonly cacheable: boolean;
  private readonly sanitized = new Map<string, string>();

  constructor(
    private readonly config: SpanMetricsConfig,
    private readonly random: () => number = Math.random,
  ) {
    const explicit = config.histogram.exponential ? undefined : (config.histogram.explicit?.buckets ?? DEFAULT_BOUNDS);
    this.boundsNanos = explicit ? explicit.map(Number) : [];
    this.cacheable = config.dimensions.length === 0 && config.resource_metrics_key_attributes.length === 0;
  }

  get exponential(): boolean {
    return this.config.histogram.exponential !== undefined;
  }

  /** Counts one span with adjusted count `weight`. */
  record(span: Span, weight: number): void {
    // Doubles, not a bigint subtraction (which allocates): off by at most 256 ns at today's times,
    // far inside the histogram's 4.4 % buckets.
    const durationNanos = Number(span.endTimeUnixNano) - Number(span.startTimeUnixNano);
    const duration = durationNanos > 0 ? durationNanos : 0;
    const series = this.seriesOf(span);
    this.spansSeen = (this.spansSeen + 1) | 0;
    const isError = span.status.code === StatusCode.ERROR;
    series.calls += weight;
    series.sumNanos += duration * weight;
    if (this.exponential) {
      const index = histogramIndexOf(duration);
      series.exponentialCounts.set(index, (series.exponentialCounts.get(index) ?? 0) + weight);
    } else {
      const bucket = bucketOf(this.boundsNanos, duration);
      series.bucketCounts[bucket]! += weight;
      // The scrape's exemplar of a bucket is refreshed on every 64th span (an object each time
      // would be most of the tap's garbage); the first span of a bucket always sets one.
      if (this.config.exemplars.enabled && (series.bucketExemplars[bucket] === undefined || (this.spansSeen & 63) === 0)) {
        series.bucketExemplars[bucket] = {
          traceId: span.traceId,
          spanId: span.spanId,
          durationNanos: duration,
          statusCode: span.status.code,
        };
      }
    }
    // Through a double: exact to the minute for any time before the year 2255.
    const minute = Math.floor(Number(span.startTimeUnixNano) / 60e9);
    let delta = series.lastMinute === minute ? series.lastDelta : series.pending.get(minute);
    if (!delta) {
      delta = { calls: 0, errors: 0, sumNanos: 0, histogram: new Map(), slowest: undefined, error: undefined, random: undefined, seen: 0 };
      series.pending.set(minute, delta);
    }
    series.lastMinute = minute;
    series.lastDelta = delta;
    delta.calls += weight;
    if (isError) delta.errors += weight;
    delta.sumNanos += duration * weight;
    const index = histogramIndexOf(duration);
    delta.histogram.set(index, (delta.histogram.get(index) ?? 0) + weight);
    if (this.config.exemplars.enabled) {
      delta.seen += 1;
      if (delta.slowest === undefined || duration > delta.slowest.durationNanos) delta.slowest = exemplarOf(span, duration);
      if (isError && delta.error === undefined) delta.error = exemplarOf(span, duration);
      if (this.random() * delta.seen < 1) delta.random = exemplarOf(span, duration);
    }
  }

  /** The deltas recorded since the last call, as storage rows; the series start new minutes. */
  takeFlush(): { rows: SpanMetricsRow[]; exemplars: ExemplarRow[] } {
    const rows: SpanMetricsRow[] = [];
    const exemplars: ExemplarRow[] = [];
    for (const series of this.series.values()) {
      if (series.pending.size === 0) continue;
      const pending = series.pending;
      series.pending = new Map();
      series.lastDelta = undefined;
      series.lastMinute = -1;
      for (const [minute, delta] of pending) {
        const indexes = [...delta.histogram.keys()];
        rows.push({
          tenant: series.tenant,
          minute,
          serviceName: series.serviceName,
          spanName: series.spanName,
          spanKind: series.spanKind,
          statusCode: series.statusCode,
          dimensions: series.dimensions,
          calls: delta.calls,
          errors: delta.errors,
          durationSumNanos: delta.sumNanos,
          histogramIndexes: indexes,
          histogramCounts: indexes.map((index) => delta.histogram.get(index)!),
        });
        const base = { tenant: series.tenant, minute, serviceName: series.serviceName, spanName: series.spanName };
        if (delta.slowest) exemplars.push({ ...base, kind: 'slowest', ...delta.slowest });
        if (delta.error) exemplars.push({ ...base, kind: 'error', ...delta.error });
        if (delta.random) exemplars.push({ ...base, kind: 'random', ...delta.random });
      }
    }
    return { rows, exemplars };
  }

  private seriesOf(span: Span): SpanSeries {
    if (!this.cacheable) return this.lookUp(span, serviceNameOf(span.resource));
    let cache = this.resourceCache.get(span.resource);
    if (!cache) {
      const serviceName = serviceNameOf(span.resource);
      const serviceKey = `${span.resource.tenant}${SEPARATOR}${serviceName}`;
      let byName = this.byService.get(serviceKey);
      if (!byName) {
        if (this.byService.size > this.config.aggregation_cardinality_limit) this.byService.clear();
        byName = new Map();
        this.byService.set(serviceKey, byName);
      }
      cache = { serviceName, byName };
      this.resourceCache.set(span.resource, cache);
    }
    let byKindStatus = cache.byName.get(span.name);
    if (!byKindStatus) {
      // Bounded like the series: past the limit, names are new ids and their series the overflow one.
      if (cache.byName.size > 2 * this.config.aggregation_cardinality_limit) cache.byName.clear();
      byKindStatus = [];
      cache.byName.set(span.name, byKindStatus);
    }
    const slot = span.kind * 3 + span.status.code;
    return (byKindStatus[slot] ??= this.lookUp(span, cache.serviceName));
  }

  private sanitize(name: string): string {
    let clean = this.sanitized.get(name);
    if (clean === undefined) {
      if (this.sanitized.size > 10_000) this.sanitized.clear();
      clean = sanitizeSpanName(name);
      this.sanitized.set(name, clean);
    }
    return clean;
  }

  private lookUp(span: Span, serviceName: string): SpanSeries {
    const tenant = span.resource.tenant;
    const config = this.config;
    const spanName = config.exclude_dimensions.includes('span.name')
      ? ''
      : config.sanitize_span_names
        ? this.sanitize(span.name)
        : span.name;
    const spanKind = config.exclude_dimensions.includes('span.kind') ? 0 : span.kind;
    const statusCode = config.exclude_dimensions.includes('status.code') ? 0 : span.status.code;
    let dimensions = '';
    let labels: [string, string][] | undefined;
    if (config.dimensions.length > 0 || config.resource_metrics_key_attributes.length > 0) {
      labels = [];
      for (const dimension of config.dimensions) {
        const value =
          attributeText(span.attributes, dimension.name) ?? attributeText(span.resource.attributes, dimension.name) ?? dimension.default;
        if (value !== undefined) labels.push([dimension.name, value]);
      }
      for (const key of config.resource_metrics_key_attributes) {
        const value = attributeText(span.resource.attributes, key);
        if (value !== undefined) labels.push([key, value]);
      }
      dimensions = labels.map(([key, value]) => `${key}=${value}`).join(SEPARATOR);
    }
    const key = `${tenant}${SEPARATOR}${serviceName}${SEPARATOR}${spanName}${SEPARATOR}${spanKind}${SEPARATOR}${statusCode}${SEPARATOR}${dimensions}`;
    const existing = this.series.get(key);
    if (existing) return existing;
    const count = this.seriesPerTenant.get(tenant) ?? 0;
    if (count >= config.aggregation_cardinality_limit) {
      this.overflowedSpans += 1;
      const overflowKey = `${tenant}${SEPARATOR}${serviceName}${SEPARATOR}${OVERFLOW_DIMENSION}`;
      return (
        this.series.get(overflowKey) ??
        this.add(overflowKey, tenant, serviceName, '', 0, 0, OVERFLOW_DIMENSION, [['otel.metric.overflow', 'true']])
      );
    }
    this.seriesPerTenant.set(tenant, count + 1);
    return this.add(key, tenant, serviceName, spanName, spanKind, statusCode, dimensions, labels ?? []);
  }

  private add(
    key: string,
    tenant: TenantId,
    serviceName: string,
    spanName: string,
    spanKind: number,
    statusCode: number,
    dimensions: string,
    labels: readonly (readonly [string, string])[],
  ): SpanSeries {
    const buckets = this.boundsNanos.length + 1;
    const series: SpanSeries = {
      tenant,
      serviceName,
      spanName,
      spanKind,
      statusCode,
      dimensions,
      labels,
      calls: 0,
      sumNanos: 0,
      bucketCounts: new Float64Array(this.exponential ? 0 : buckets),
      exponentialCounts: new Map(),
      bucketExemplars: [],
      pending: new Map(),
      lastMinute: -1,
      lastDelta: undefined,
    };
    this.series.set(key, series);
    return series;
  }
}

/** The Collector's default explicit buckets, in nanoseconds. */
const DEFAULT_BOUNDS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000].map(
  (ms) => BigInt(ms) * 1_000_000n,
);

/** Index of the first bound ≥ duration (Prometheus `le`), or bounds.length for +Inf; binary search. */
export function bucketOf(bounds: readonly number[], durationNanos: number): number {
  let low = 0;
  let high = bounds.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (bounds[middle]! >= durationNanos) high = middle;
    else low = middle + 1;
  }
  return low;
}

function exemplarOf(span: Span, durationNanos: number): SeriesExemplar {
  return { traceId: span.traceId, spanId: span.spanId, durationNanos, statusCode: span.status.code };
}

/** An attribute's value as text (strings as they are, other scalars as JS prints them). */
export function attributeText(attributes: readonly KeyValue[], key: string): string | undefined {
  for (const attribute of attributes) {
    if (attribute.key === key) return scalarText(attribute.value);
  }
  return undefined;
}

function scalarText(value: AnyValue): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

export const KIND_LABELS = SPAN_KIND_NAMES.map((name) => `SPAN_KIND_${name}`);
