import type { TenantId } from '../model/tenant.js';
import type {
  SpanMetricsAggregation,
  SpanMetricsCell,
  SpanMetricsColumn,
  SpanMetricsCondition,
  SpanMetricsCoverage,
} from './metrics-store.js';
import type { SqlEngine } from './sql-engine.js';

/**
 * TraceQL metrics over `span_metrics_v4` (ARCHITECTURE decision 12): one statement sums the
 * window's per-minute delta rows by slot and group, with a condition on the series' own columns
 * (service, span name, kind, status). The rows are few (series × minutes, bounded by the tap's
 * cardinality limit), so a day of any span volume is one short scan.
 */

const COLUMNS: Record<SpanMetricsColumn, { sql: string; type: 'String' | 'UInt8' }> = {
  service: { sql: 'service_name', type: 'String' },
  name: { sql: 'span_name', type: 'String' },
  kind: { sql: 'span_kind', type: 'UInt8' },
  status: { sql: 'status_code', type: 'UInt8' },
};

/** The tap's overflow series' dimensions (collector/metrics/span-metrics-aggregator.ts OVERFLOW_DIMENSION). */
const OVERFLOW_DIMENSIONS = 'otel.metric.overflow=true';
/** What the tap's span-name sanitiser puts in place of an id. */
const SANITISED_ID = '{id}';

interface CellRow {
  slot: number | string;
  calls: number | string;
  duration_sum_ns: number | string;
  hist?: [Array<number | string>, Array<number | string>];
  [group: `g${number}`]: string;
}

export async function aggregateSpanMetrics(
  engine: SqlEngine,
  db: string,
  tenant: TenantId,
  query: SpanMetricsAggregation,
): Promise<SpanMetricsCell[]> {
  const params: Record<string, unknown> = {
    tenant,
    startMinute: query.startMinute,
    endMinute: Math.max(query.startMinute, query.endMinute),
    origin: Math.min(query.slotOriginMinute, query.startMinute),
    step: Math.max(1, Math.floor(query.stepMinutes)),
  };
  const condition = conditionSql(query.condition, params);
  const groups = query.groupBy.map((column, i) => `toString(${COLUMNS[column].sql}) AS g${i}`);
  const keys = ['slot', ...query.groupBy.map((_, i) => `g${i}`)];
  const sql = `SELECT toUInt32(intDiv(minute - {origin:UInt32}, {step:UInt32})) AS slot${groups.map((g) => `, ${g}`).join('')},
  sum(calls) AS calls, sum(duration_sum_ns) AS duration_sum_ns${query.histogram ? ', sumMap(hist_idx, hist_cnt) AS hist' : ''}
FROM ${db}.span_metrics_v4
WHERE tenant = {tenant:String} AND minute >= {startMinute:UInt32} AND minute < {endMinute:UInt32} AND (${condition})
GROUP BY ${keys.join(', ')}
ORDER BY ${keys.join(', ')}`;
  const rows = await engine.query<CellRow>(sql, params);
  return rows.map((row) => ({
    slot: Number(row.slot),
    groups: query.groupBy.map((_, i) => String(row[`g${i}`])),
    calls: Number(row.calls),
    durationSumNanos: Number(row.duration_sum_ns),
    histogramIndexes: row.hist?.[0].map(Number) ?? [],
    histogramCounts: row.hist?.[1].map(Number) ?? [],
  }));
}

export async function spanMetricsCoverage(
  engine: SqlEngine,
  db: string,
  tenant: TenantId,
  startMinute: number,
  endMinute: number,
): Promise<SpanMetricsCoverage> {
  const sql = `SELECT count() AS row_count, min(minute) AS first_minute,
  countIf(minute >= {startMinute:UInt32} AND minute < {endMinute:UInt32} AND dimensions = {overflow:String}) AS overflow_rows,
  countIf(minute >= {startMinute:UInt32} AND minute < {endMinute:UInt32} AND position(span_name, {sanitised:String}) > 0) AS sanitised_rows
FROM ${db}.span_metrics_v4
WHERE tenant = {tenant:String}`;
  const [row] = await engine.query<{
    row_count: number | string;
    first_minute: number | string;
    overflow_rows: number | string;
    sanitised_rows: number | string;
  }>(sql, { tenant, startMinute, endMinute: Math.max(startMinute, endMinute), overflow: OVERFLOW_DIMENSIONS, sanitised: SANITISED_ID });
  return {
    firstMinute: row === undefined || Number(row.row_count) === 0 ? undefined : Number(row.first_minute),
    overflowRows: Number(row?.overflow_rows ?? 0),
    sanitisedNameRows: Number(row?.sanitised_rows ?? 0),
  };
}

/** The condition as SQL; every value bound as a parameter (p0, p1, …). */
function conditionSql(condition: SpanMetricsCondition, params: Record<string, unknown>): string {
  if ('combine' in condition) {
    if (condition.combine === 'not') return `NOT (${condition.conditions.map((c) => conditionSql(c, params)).join(' AND ') || '1'})`;
    const parts = condition.conditions.map((c) => `(${conditionSql(c, params)})`);
    if (parts.length === 0) return condition.combine === 'all' ? '1' : '0';
    return parts.join(condition.combine === 'all' ? ' AND ' : ' OR ');
  }
  const column = COLUMNS[condition.column];
  const name = `p${Object.keys(params).length}`;
  params[name] = condition.value;
  return `${column.sql} ${condition.op} {${name}:${column.type}}`;
}
