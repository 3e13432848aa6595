import { histogramUpperBoundNanos } from '../../model/latency-histogram.js';
import { DEFAULT_TENANT } from '../../model/tenant.js';
import type { EdgeSeries, ServiceGraphBuilder } from './service-graph-builder.js';
import { KIND_LABELS, type SeriesExemplar, type SpanMetricsAggregator, type SpanSeries } from './span-metrics-aggregator.js';

/**
 * The tap's series in Prometheus text (0.0.4) or OpenMetrics 1.0 (with exemplars), under the
 * names the Collector's `spanmetrics` and `servicegraph` connectors get through its Prometheus
 * exporter: `traces_span_metrics_calls_total`, `traces_span_metrics_duration_seconds_bucket|sum|count`,
 * `traces_service_graph_request_total`, `…_request_failed_total`, `…_request_server_seconds_*`,
 * `…_request_client_seconds_*`, `…_unpaired_spans_total`, `…_dropped_spans_total`. Counters are
 * cumulative since the process started (Prometheus' rate() handles the reset of a restart). A
 * tenant other than the default one is a `tenant` label.
 *
 * OpenMetrics exemplars carry the trace of the latest span in each bucket; the tap sees spans
 * before sampling, so a scraped exemplar's trace may have been sampled out (the native API's
 * exemplars are confirmed against storage instead).
 */

const STATUS_LABELS = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

export function renderTapMetrics(
  spanMetrics: SpanMetricsAggregator,
  graph: ServiceGraphBuilder | undefined,
  unit: 's' | 'ms',
  openMetrics: boolean,
): string {
  const out: string[] = [];
  const unitName = unit === 's' ? 'seconds' : 'milliseconds';
  const scale = unit === 's' ? 1e9 : 1e6;
  const counter = (name: string, help: string): void => {
    out.push(`# HELP ${name}${openMetrics ? '' : '_total'} ${help}`, `# TYPE ${name}${openMetrics ? '' : '_total'} counter`);
  };
  const histogram = (name: string, help: string): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  };

  const spanSeries = [...spanMetrics.series.values()];
  if (spanSeries.length > 0) {
    counter('traces_span_metrics_calls', 'Spans counted before sampling (adjusted counts), per service, span name, kind and status.');
    for (const series of spanSeries) out.push(`traces_span_metrics_calls_total${labelText(seriesLabels(series))} ${number(series.calls)}`);
    const name = `traces_span_metrics_duration_${unitName}`;
    histogram(name, 'Span durations before sampling.');
    for (const series of spanSeries) {
      const labels = seriesLabels(series);
      const buckets = spanMetrics.exponential ? exponentialBuckets(series) : explicitBuckets(spanMetrics.boundsNanos, series);
      let cumulative = 0;
      buckets.forEach(({ boundNanos, count, exemplar }) => {
        cumulative += count;
        const le = boundNanos === Infinity ? '+Inf' : number(boundNanos / scale);
        const sample = `${name}_bucket${labelText([...labels, ['le', le]])} ${number(cumulative)}`;
        out.push(openMetrics && exemplar ? `${sample}${exemplarText(exemplar, scale)}` : sample);
      });
      out.push(
        `${name}_sum${labelText(labels)} ${number(series.sumNanos / scale)}`,
        `${name}_count${labelText(labels)} ${number(series.calls)}`,
      );
    }
  }

  if (graph) {
    const edges = [...graph.edges.values()];
    if (edges.length > 0) {
      counter('traces_service_graph_request', 'Requests between two nodes of the service graph.');
      for (const edge of edges) out.push(`traces_service_graph_request_total${labelText(edgeLabels(edge))} ${number(edge.calls)}`);
      counter('traces_service_graph_request_failed', 'Failed requests between two nodes of the service graph.');
      for (const edge of edges) out.push(`traces_service_graph_request_failed_total${labelText(edgeLabels(edge))} ${number(edge.failed)}`);
      for (const side of ['server', 'client'] as const) {
        const name = `traces_service_graph_request_${side}_${unitName}`;
        histogram(name, `Request latency seen by the ${side} side of an edge.`);
        for (const edge of edges) {
          const labels = edgeLabels(edge);
          const counts = side === 'server' ? edge.serverBuckets : edge.clientBuckets;
          let cumulative = 0;
          counts.forEach((count, index) => {
            cumulative += count;
            const bound = graph.boundsNanos[index];
            const le = bound === undefined ? '+Inf' : number(bound / scale);
            out.push(`${name}_bucket${labelText([...labels, ['le', le]])} ${number(cumulative)}`);
          });
          const sum = side === 'server' ? edge.serverSumNanos : edge.clientSumNanos;
          out.push(`${name}_sum${labelText(labels)} ${number(sum / scale)}`, `${name}_count${labelText(labels)} ${number(edge.calls)}`);
        }
      }
    }
    counter('traces_service_graph_unpaired_spans', 'Client or server spans whose other half never came within store.ttl.');
    out.push(`traces_service_graph_unpaired_spans_total{side="client"} ${number(graph.unpairedClientSpans)}`);
    out.push(`traces_service_graph_unpaired_spans_total{side="server"} ${number(graph.unpairedServerSpans)}`);
    counter('traces_service_graph_dropped_spans', 'Spans not paired because the store was full (store.max_items).');
    out.push(`traces_service_graph_dropped_spans_total ${number(graph.droppedSpans)}`);
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

interface BucketOut {
  boundNanos: number;
  count: number;
  exemplar: SeriesExemplar | undefined;
}

function explicitBuckets(bounds: readonly number[], series: SpanSeries): BucketOut[] {
  return Array.from(series.bucketCounts, (count, index) => ({
    boundNanos: bounds[index] ?? Infinity,
    count,
    exemplar: series.bucketExemplars[index],
  }));
}

function exponentialBuckets(series: SpanSeries): BucketOut[] {
  const indexes = [...series.exponentialCounts.keys()].sort((a, b) => a - b);
  const buckets: BucketOut[] = indexes.map((index) => ({
    boundNanos: histogramUpperBoundNanos(index),
    count: series.exponentialCounts.get(index)!,
    exemplar: undefined,
  }));
  buckets.push({ boundNanos: Infinity, count: 0, exemplar: undefined });
  return buckets;
}

function seriesLabels(series: SpanSeries): [string, string][] {
  const labels: [string, string][] = [];
  if (series.tenant !== DEFAULT_TENANT) labels.push(['tenant', series.tenant]);
  labels.push(['service_name', series.serviceName]);
  if (series.spanName !== '') labels.push(['span_name', series.spanName]);
  if (series.spanKind !== 0 || series.labels.length === 0 || series.labels[0]![0] !== 'otel.metric.overflow') {
    labels.push(['span_kind', KIND_LABELS[series.spanKind] ?? 'SPAN_KIND_UNSPECIFIED']);
    labels.push(['status_code', STATUS_LABELS[series.statusCode] ?? 'STATUS_CODE_UNSET']);
  }
  for (const [key, value] of series.labels) labels.push([labelName(key), value]);
  return labels;
}

function edgeLabels(edge: EdgeSeries): [string, string][] {
  const labels: [string, string][] = [];
  if (edge.tenant !== DEFAULT_TENANT) labels.push(['tenant', edge.tenant]);
  labels.push(['client', edge.client], ['server', edge.server]);
  if (edge.connectionType !== '') labels.push(['connection_type', edge.connectionType]);
  return labels;
}

/** An attribute key as a Prometheus label name (`http.request.method` → `http_request_method`). */
export function labelName(key: string): string {
  const name = key.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `key_${name}` : name;
}

function labelText(labels: readonly (readonly [string, string])[]): string {
  return `{${labels.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function exemplarText(exemplar: SeriesExemplar, scale: number): string {
  return ` # {trace_id="${exemplar.traceId}",span_id="${exemplar.spanId}"} ${number(exemplar.durationNanos / scale)}`;
}

/** A sample value: integers without a fraction, others in JS's shortest round-trip form. */
function number(value: number): string {
  return Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : '0';
}
