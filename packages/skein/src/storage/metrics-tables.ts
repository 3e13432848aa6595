import type { TenantId } from '../model/tenant.js';
import type {
  EdgeTotal,
  ExemplarKind,
  MetricsBatch,
  MetricsReader,
  OperationThroughputTotal,
  SeriesPoint,
  SeriesQuery,
  SpanMetricsAggregation,
  SpanMetricsCell,
  SpanMetricsCoverage,
  StoredExemplar,
} from './metrics-store.js';
import { aggregateSpanMetrics, spanMetricsCoverage } from './span-metrics-aggregation.js';
import { RowBuffer } from './row-buffer.js';
import type { SqlEngine } from './sql-engine.js';
import { tsvString } from './tsv-text.js';

/**
 * The metrics tables (schema v4, migrations.ts) and their SQL: written by the metrics tap through
 * {@link writeMetricsBatch}, read by {@link ClickHouseMetricsReader}. Every table's sort key starts
 * with the tenant, then what the reads filter on, then the minute. Plain MergeTree: rows are
 * deltas and reads sum them (`sum`, `sumMap` for the sparse histograms), which both engines run.
 */

export const SPAN_METRICS_COLUMNS = [
  'tenant',
  'service_name',
  'span_name',
  'span_kind',
  'status_code',
  'dimensions',
  'minute',
  'calls',
  'errors',
  'duration_sum_ns',
  'hist_idx',
  'hist_cnt',
] as const;

export const EDGE_COLUMNS = ['tenant', 'client', 'server', 'connection_type', 'minute', 'calls', 'failed', 'hist_idx', 'hist_cnt'] as const;

export const EXEMPLAR_COLUMNS = [
  'tenant',
  'service_name',
  'span_name',
  'minute',
  'kind',
  'trace_id',
  'span_id',
  'duration_ns',
  'status_code',
] as const;

export const THROUGHPUT_COLUMNS = [
  'tenant',
  'service_name',
  'operation',
  'threshold',
  'sampler_param',
  'start_ms',
  'end_ms',
  'root_spans',
] as const;

/** Inserts one flush: one insert per table that has rows. `database` is a validated name. */
export async function writeMetricsBatch(engine: SqlEngine, database: string, batch: MetricsBatch): Promise<void> {
  if (batch.spanMetrics.length > 0) {
    const rows = new RowBuffer();
    for (const r of batch.spanMetrics) {
      rows.append(
        `${tsvString(r.tenant)}\t${tsvString(r.serviceName)}\t${tsvString(r.spanName)}\t${r.spanKind}\t${r.statusCode}\t${tsvString(r.dimensions)}\t${r.minute}\t${float(r.calls)}\t${float(r.errors)}\t${float(r.durationSumNanos)}\t[${r.histogramIndexes.join(',')}]\t[${r.histogramCounts.map(float).join(',')}]\n`,
      );
    }
    await engine.insertTabSeparated(`${database}.span_metrics_v4`, SPAN_METRICS_COLUMNS, rows.bytes());
  }
  if (batch.edges.length > 0) {
    const rows = new RowBuffer();
    for (const r of batch.edges) {
      rows.append(
        `${tsvString(r.tenant)}\t${tsvString(r.client)}\t${tsvString(r.server)}\t${tsvString(r.connectionType)}\t${r.minute}\t${float(r.calls)}\t${float(r.failed)}\t[${r.histogramIndexes.join(',')}]\t[${r.histogramCounts.map(float).join(',')}]\n`,
      );
    }
    await engine.insertTabSeparated(`${database}.service_graph_edges_v4`, EDGE_COLUMNS, rows.bytes());
  }
  if (batch.exemplars.length > 0) {
    const rows = new RowBuffer();
    for (const r of batch.exemplars) {
      rows.append(
        `${tsvString(r.tenant)}\t${tsvString(r.serviceName)}\t${tsvString(r.spanName)}\t${r.minute}\t${r.kind}\t${r.traceId}\t${r.spanId}\t${Math.max(0, Math.round(r.durationNanos))}\t${r.statusCode}\n`,
      );
    }
    await engine.insertTabSeparated(`${database}.metric_exemplars_v4`, EXEMPLAR_COLUMNS, rows.bytes());
  }
  if (batch.throughput !== undefined && batch.throughput.length > 0) {
    const rows = new RowBuffer();
    for (const r of batch.throughput) {
      rows.append(
        `${tsvString(r.tenant)}\t${tsvString(r.serviceName)}\t${tsvString(r.operation)}\t${tsvString(r.threshold)}\t${tsvString(r.samplerParam)}\t${Math.max(0, Math.floor(r.startMillis))}\t${Math.max(0, Math.floor(r.endMillis))}\t${Math.max(0, Math.round(r.rootSpans))}\n`,
      );
    }
    await engine.insertTabSeparated(`${database}.operation_throughput_v11`, THROUGHPUT_COLUMNS, rows.bytes());
  }
}

/** A finite double as TabSeparated text (non-finite values never reach a row). */
function float(value: number): string {
  return Number.isFinite(value) ? String(value) : '0';
}

const TENANT = 'tenant = {tenant:String}';
const MINUTES = 'minute >= {startMinute:UInt32} AND minute < {endMinute:UInt32}';

interface SeriesRow {
  service_name: string;
  span_name: string;
  step: number | string;
  calls: number;
  errors: number;
  duration_sum_ns: number;
  hist: [Array<number | string>, Array<number | string>];
}

interface EdgeRow {
  client: string;
  server: string;
  connection_type: string;
  calls: number;
  failed: number;
  hist: [Array<number | string>, Array<number | string>];
}

interface ExemplarSqlRow {
  service_name: string;
  span_name: string;
  minute: number | string;
  kind: string;
  trace_id: string;
  span_id: string;
  duration_ns: number | string;
  status_code: number | string;
}

/** One tenant's reads of the metrics tables; every statement starts with the tenant. */
export class ClickHouseMetricsReader implements MetricsReader {
  constructor(
    protected readonly engine: SqlEngine,
    /** Quoted database. */
    private readonly db: string,
    readonly tenant: TenantId,
  ) {}

  async readSeries(query: SeriesQuery): Promise<SeriesPoint[]> {
    const byOperation = query.groupBy === 'operation';
    const filters = [TENANT, MINUTES];
    const params: Record<string, unknown> = {
      tenant: this.tenant,
      startMinute: query.startMinute,
      endMinute: Math.max(query.startMinute, query.endMinute),
      step: Math.max(1, Math.floor(query.stepMinutes)),
    };
    if (query.serviceName !== undefined) {
      filters.push('service_name = {serviceName:String}');
      params['serviceName'] = query.serviceName;
    }
    if (query.spanName !== undefined) {
      filters.push('span_name = {spanName:String}');
      params['spanName'] = query.spanName;
    }
    if (query.spanKinds.length > 0) filters.push(`span_kind IN (${query.spanKinds.map((kind) => String(Math.trunc(kind))).join(', ')})`);
    const sql = `SELECT service_name, ${byOperation ? 'span_name' : "'' AS span_name"},
  intDiv(minute, {step:UInt32}) * {step:UInt32} AS step,
  sum(calls) AS calls, sum(errors) AS errors, sum(duration_sum_ns) AS duration_sum_ns,
  sumMap(hist_idx, hist_cnt) AS hist
FROM ${this.db}.span_metrics_v4
WHERE ${filters.join(' AND ')}
GROUP BY service_name, span_name, step
ORDER BY service_name, span_name, step`;
    const rows = await this.engine.query<SeriesRow>(sql, params);
    return rows.map((r) => ({
      serviceName: r.service_name,
      spanName: r.span_name,
      minute: Number(r.step),
      calls: Number(r.calls),
      errors: Number(r.errors),
      durationSumNanos: Number(r.duration_sum_ns),
      histogramIndexes: r.hist[0].map(Number),
      histogramCounts: r.hist[1].map(Number),
    }));
  }

  aggregateSpanMetrics(query: SpanMetricsAggregation): Promise<SpanMetricsCell[]> {
    return aggregateSpanMetrics(this.engine, this.db, this.tenant, query);
  }

  spanMetricsCoverage(startMinute: number, endMinute: number): Promise<SpanMetricsCoverage> {
    return spanMetricsCoverage(this.engine, this.db, this.tenant, startMinute, endMinute);
  }

  async readEdges(startMinute: number, endMinute: number): Promise<EdgeTotal[]> {
    const sql = `SELECT client, server, any(connection_type) AS connection_type, sum(calls) AS calls, sum(failed) AS failed,
  sumMap(hist_idx, hist_cnt) AS hist
FROM ${this.db}.service_graph_edges_v4
WHERE ${TENANT} AND ${MINUTES}
GROUP BY client, server
ORDER BY client, server`;
    const rows = await this.engine.query<EdgeRow>(sql, { tenant: this.tenant, startMinute, endMinute: Math.max(startMinute, endMinute) });
    return rows.map((r) => ({
      client: r.client,
      server: r.server,
      connectionType: r.connection_type,
      calls: Number(r.calls),
      failed: Number(r.failed),
      histogramIndexes: r.hist[0].map(Number),
      histogramCounts: r.hist[1].map(Number),
    }));
  }

  /**
   * Calls and failures per edge between instrumented services only (no virtual nodes: those are
   * the service map's), without the histogram merge (the costly part): what dependencies need.
   */
  async readEdgeCounts(
    startMinute: number,
    endMinute: number,
  ): Promise<{ client: string; server: string; calls: number; failed: number }[]> {
    const sql = `SELECT client, server, sum(calls) AS calls, sum(failed) AS failed
FROM ${this.db}.service_graph_edges_v4
WHERE ${TENANT} AND ${MINUTES} AND connection_type IN ('', 'messaging_system')
GROUP BY client, server
ORDER BY client, server`;
    const rows = await this.engine.query<{ client: string; server: string; calls: number; failed: number }>(sql, {
      tenant: this.tenant,
      startMinute,
      endMinute: Math.max(startMinute, endMinute),
    });
    return rows.map((r) => ({ client: r.client, server: r.server, calls: Number(r.calls), failed: Number(r.failed) }));
  }

  /**
   * The overlap of a row's arrival window with the asked one, in Int64 (UInt64 differences would
   * wrap), as a fraction of the row's window: a flush that straddles the window's edge counts in
   * part. Rows of a tenant in a window are a primary-key range.
   */
  async readOperationThroughput(startMillis: number, endMillis: number): Promise<OperationThroughputTotal[]> {
    if (!(endMillis > startMillis)) return [];
    const sql = `SELECT service_name, operation, threshold, sampler_param,
  sum(root_spans * (least(toInt64(end_ms), toInt64({endMs:UInt64})) - greatest(toInt64(start_ms), toInt64({startMs:UInt64})))
    / greatest(toInt64(end_ms) - toInt64(start_ms), 1)) AS root_spans
FROM ${this.db}.operation_throughput_v11
WHERE ${TENANT} AND start_ms < {endMs:UInt64} AND end_ms > {startMs:UInt64}
GROUP BY service_name, operation, threshold, sampler_param
ORDER BY service_name, operation, threshold, sampler_param`;
    const rows = await this.engine.query<{
      service_name: string;
      operation: string;
      threshold: string;
      sampler_param: string;
      root_spans: number | string;
    }>(sql, { tenant: this.tenant, startMs: Math.max(0, Math.floor(startMillis)), endMs: Math.max(0, Math.floor(endMillis)) });
    return rows.map((r) => ({
      serviceName: r.service_name,
      operation: r.operation,
      threshold: r.threshold,
      samplerParam: r.sampler_param,
      rootSpans: Number(r.root_spans),
    }));
  }

  /**
   * Exemplars confirmed against `trace_index_v12` (a primary-key lookup per trace ID): the tap
   * records exemplars before sampling decides, so only those whose trace was stored are returned.
   */
  async readExemplars(query: {
    startMinute: number;
    endMinute: number;
    serviceName?: string;
    spanName?: string;
    limit: number;
  }): Promise<StoredExemplar[]> {
    const filters = [TENANT, MINUTES];
    const params: Record<string, unknown> = {
      tenant: this.tenant,
      startMinute: query.startMinute,
      endMinute: Math.max(query.startMinute, query.endMinute),
      limit: Math.max(1, Math.min(10_000, Math.floor(query.limit))),
    };
    if (query.serviceName !== undefined) {
      filters.push('service_name = {serviceName:String}');
      params['serviceName'] = query.serviceName;
    }
    if (query.spanName !== undefined) {
      filters.push('span_name = {spanName:String}');
      params['spanName'] = query.spanName;
    }
    const candidates = `SELECT trace_id FROM ${this.db}.metric_exemplars_v4 WHERE ${filters.join(' AND ')}`;
    const sql = `SELECT service_name, span_name, minute, kind, trace_id, span_id, duration_ns, status_code
FROM ${this.db}.metric_exemplars_v4
WHERE ${filters.join(' AND ')}
  AND trace_id IN (SELECT trace_id FROM ${this.db}.trace_index_v12 WHERE ${TENANT} AND trace_id IN (${candidates}))
ORDER BY minute, service_name, span_name, kind, duration_ns DESC
LIMIT 1 BY minute, service_name, span_name, kind
LIMIT {limit:UInt32}`;
    const rows = await this.engine.query<ExemplarSqlRow>(sql, params);
    if (query.serviceName !== undefined) rows.push(...(await this.storedSpanExemplars(params, query.spanName, rows)));
    return rows.map((r) => ({
      serviceName: r.service_name,
      spanName: r.span_name,
      minute: Number(r.minute),
      kind: r.kind as ExemplarKind,
      traceId: r.trace_id,
      spanId: r.span_id,
      durationNanos: Number(r.duration_ns),
      statusCode: Number(r.status_code),
    }));
  }

  /**
   * The fallback when the tap's exemplars of a (service, operation, minute) were all sampled out:
   * the slowest and the slowest failed span that *was* stored in that minute, read from
   * `trace_spans_v3` by its primary key (tenant, service, minute). A sanitised operation name
   * (`/users/{id}`) matches the stored names it stands for (`LIKE '/users/%'`).
   */
  private async storedSpanExemplars(
    params: Record<string, unknown>,
    spanName: string | undefined,
    confirmed: readonly ExemplarSqlRow[],
  ): Promise<ExemplarSqlRow[]> {
    const covered = new Set(confirmed.map((r) => `${r.span_name}\u0000${Number(r.minute)}\u0000${r.kind}`));
    const filters = [TENANT, 'service_name = {serviceName:String}', 'bucket >= {startMinute:UInt32} AND bucket < {endMinute:UInt32}'];
    const bound: Record<string, unknown> = {
      tenant: params['tenant'],
      serviceName: params['serviceName'],
      startMinute: params['startMinute'],
      endMinute: params['endMinute'],
      limit: params['limit'],
    };
    if (spanName !== undefined) {
      filters.push('name LIKE {namePattern:String}');
      bound['namePattern'] = spanName
        .split('{id}')
        .map((part) => part.replace(/[\\%_]/g, (c) => `\\${c}`))
        .join('%');
    }
    const sql = `SELECT service_name, name AS span_name, bucket AS minute,
  argMax(trace_id, duration_ns) AS slow_trace, argMax(span_id, duration_ns) AS slow_span, max(duration_ns) AS slow_ns,
  argMaxIf(trace_id, duration_ns, status_code = 2) AS error_trace, argMaxIf(span_id, duration_ns, status_code = 2) AS error_span,
  maxIf(duration_ns, status_code = 2) AS error_ns, countIf(status_code = 2) AS error_count
FROM ${this.db}.trace_spans_v3
WHERE ${filters.join(' AND ')}
GROUP BY service_name, name, bucket
ORDER BY bucket, name
LIMIT {limit:UInt32}`;
    const rows = await this.engine.query<StoredExemplarRow>(sql, bound);
    const out: ExemplarSqlRow[] = [];
    for (const r of rows) {
      // Stored names are raw; the tap's are sanitised: a fallback is keyed by the name asked for.
      const name = spanName ?? r.span_name;
      const base = { service_name: r.service_name, span_name: name, minute: r.minute };
      if (!covered.has(`${name}\u0000${Number(r.minute)}\u0000slowest`)) {
        out.push({ ...base, kind: 'slowest', trace_id: r.slow_trace, span_id: r.slow_span, duration_ns: r.slow_ns, status_code: 0 });
      }
      if (Number(r.error_count) > 0 && !covered.has(`${name}\u0000${Number(r.minute)}\u0000error`)) {
        out.push({ ...base, kind: 'error', trace_id: r.error_trace, span_id: r.error_span, duration_ns: r.error_ns, status_code: 2 });
      }
    }
    return out;
  }
}

interface StoredExemplarRow {
  service_name: string;
  span_name: string;
  minute: number | string;
  slow_trace: string;
  slow_span: string;
  slow_ns: number | string;
  error_trace: string;
  error_span: string;
  error_ns: number | string;
  error_count: number | string;
}
