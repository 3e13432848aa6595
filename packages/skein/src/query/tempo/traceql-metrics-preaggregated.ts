import { histogramMidpointNanos } from '../../model/latency-histogram.js';
import type { SpanMetricsCell, SpanMetricsColumn, SpanMetricsCondition, StoredExemplar } from '../../storage/metrics-store.js';
import type { SpanAggregationRow, SpanCondition, SpanField, SpanFilter } from '../../storage/span-query-types.js';
import type { TenantTraceReader } from '../../storage/trace-store.js';
import type { MetricsQuery } from './tempo-metrics-query.js';

/**
 * TraceQL metrics from the metrics tap's per-minute series (span_metrics_v4) instead of raw spans,
 * whenever the answer is the same (ARCHITECTURE decision 12, issue 12 item 5): a day of any span
 * volume is then a scan of series × minutes, not of every span.
 *
 * A query is answered here when all of these hold, else it reads raw spans (span-aggregation.ts):
 * - its filter and `by` use only `resource.service.name`, `name`, `status` and `kind`, compared
 *   with `=` / `!=` and combined with `&&`, `||`, `!` (the series' own columns);
 * - its function is `rate`, `count_over_time`, `sum_over_time(duration)`, `avg_over_time(duration)`,
 *   `quantile_over_time(duration, …)` or `histogram_over_time(duration)` (min/max, other attributes
 *   and compare() need the spans);
 * - its slots are whole minutes (a step that is a multiple of 60 s; an instant query's start and
 *   end on minute boundaries);
 * - the tap covered the window: it wrote rows for the tenant from the window's first minute on, no
 *   overflow series there when the query names span name, kind or status (those series lost them),
 *   and no sanitised span names there when the query names `name` (`/users/{id}` is not a span's name).
 *
 * What differs from the raw path, by design or by the stored form: counts are every span before
 * sampling (with tail sampling the raw path counts only stored spans); a span counts in its start
 * minute, so one starting exactly on a slot boundary lands in the next slot (the raw slots are
 * right-closed); quantiles come from the histogram (within 4.4 %, model/latency-histogram.ts) and
 * histogram buckets are the power of two above each histogram bucket's midpoint (a span within
 * 4.4 % of a power of two may sit one bucket off); a span name with a digit and a query string
 * (`GET /a?page=2`) is stored without the query string by the sanitiser.
 */

const MINUTE_NANO = 60_000_000_000n;
const SECOND = 1e9;
const EXEMPLARS_PER_ROW = 2;

/** Where the slots lie, as the raw path computed them (tempo-metrics.ts). */
export interface MetricsSlots {
  fromNano: bigint;
  toNano: bigint;
  stepNano: bigint;
  instant: boolean;
}

type Plan = { condition: SpanMetricsCondition; groupBy: SpanMetricsColumn[]; columns: Set<SpanMetricsColumn> };

/** The query on the series' columns, or why it cannot be answered from them. */
export function preaggregatedPlan(query: MetricsQuery): Plan | string {
  if (query.compare !== undefined) return 'compare() needs the spans';
  const fn = query.fn;
  if (fn === 'min_over_time' || fn === 'max_over_time') return `${fn} needs the spans (a histogram bounds a value, it does not give it)`;
  if (fn !== 'rate' && fn !== 'count_over_time') {
    const field = query.argument?.field;
    if (field?.kind !== 'intrinsic' || field.name !== 'duration') return `${fn} of anything but duration needs the spans`;
  }
  const columns = new Set<SpanMetricsColumn>();
  const condition = conditionOf(query.filter, columns);
  if (typeof condition === 'string') return condition;
  const groupBy: SpanMetricsColumn[] = [];
  for (const item of query.by) {
    const column = columnOf(item.field);
    if (column === undefined) return `by(${item.text}) is not a column of the span metrics`;
    columns.add(column);
    groupBy.push(column);
  }
  return { condition, groupBy, columns };
}

/**
 * The query's rows, in the raw path's shape, from the span metrics; undefined when the raw spans
 * must answer (see above). `exemplars`: how many the caller wants in all (0: none).
 */
export async function preaggregatedRows(
  reader: TenantTraceReader,
  query: MetricsQuery,
  slots: MetricsSlots,
  exemplars: number,
): Promise<SpanAggregationRow[] | undefined> {
  const plan = preaggregatedPlan(query);
  if (typeof plan === 'string') return undefined;
  const base = slots.instant ? slots.fromNano + 1n : slots.fromNano;
  const top = slots.instant ? slots.toNano + 1n : slots.toNano;
  if (base < 0n || base % MINUTE_NANO !== 0n || top % MINUTE_NANO !== 0n || slots.stepNano % MINUTE_NANO !== 0n) return undefined;
  const startMinute = Number(base / MINUTE_NANO);
  const endMinute = Number(top / MINUTE_NANO);
  const coverage = await reader.spanMetricsCoverage(startMinute, endMinute);
  if (coverage.firstMinute === undefined || coverage.firstMinute > startMinute) return undefined;
  const namesKindOrStatus = plan.columns.has('name') || plan.columns.has('kind') || plan.columns.has('status');
  if (namesKindOrStatus && coverage.overflowRows > 0) return undefined;
  if (plan.columns.has('name') && coverage.sanitisedNameRows > 0) return undefined;
  const stepMinutes = Number(slots.stepNano / MINUTE_NANO);
  const cells = await reader.aggregateSpanMetrics({
    startMinute,
    endMinute,
    slotOriginMinute: startMinute,
    stepMinutes,
    condition: plan.condition,
    groupBy: plan.groupBy,
    histogram: query.fn === 'quantile_over_time' || query.fn === 'histogram_over_time',
  });
  const rows = cells.flatMap((cell) => rowsOf(query, plan, cell));
  if (exemplars > 0 && !plan.columns.has('kind') && !plan.groupBy.includes('kind')) {
    const stored = await reader.readExemplars({ startMinute, endMinute, limit: Math.min(10_000, exemplars * 10) });
    attachExemplars(rows, plan, stored, startMinute, stepMinutes);
  }
  return rows;
}

function rowsOf(query: MetricsQuery, plan: Plan, cell: SpanMetricsCell): SpanAggregationRow[] {
  const groups = cell.groups.map((value, i) => ({ value, type: typeTag(plan.groupBy[i]!) }));
  const row = (values: number[], bucket?: number): SpanAggregationRow => ({
    slot: cell.slot,
    groups,
    values,
    ...(bucket !== undefined && { bucket }),
    exemplars: [],
  });
  switch (query.fn) {
    case 'sum_over_time':
      return [row([cell.durationSumNanos / SECOND])];
    case 'avg_over_time':
      return cell.calls > 0 ? [row([cell.durationSumNanos / cell.calls / SECOND])] : [];
    case 'quantile_over_time':
      return [row(query.quantiles.map((q) => (quantileAtRawRankNanos(cell.histogramIndexes, cell.histogramCounts, q) ?? NaN) / SECOND))];
    case 'histogram_over_time': {
      // Tempo's buckets are powers of two (nanoseconds for durations), as the raw path computes them.
      const buckets = new Map<number, number>();
      cell.histogramIndexes.forEach((index, i) => {
        const upper = 2 ** Math.ceil(Math.log2(Math.max(1, histogramMidpointNanos(index))));
        buckets.set(upper, (buckets.get(upper) ?? 0) + cell.histogramCounts[i]!);
      });
      return [...buckets].sort(([a], [b]) => a - b).map(([upper, count]) => row([count], upper));
    }
    default:
      return [row([cell.calls])];
  }
}

/**
 * The `q` quantile at the rank the raw path's `quantilesExact` takes (the element at 0-based index
 * ⌊q·n⌋ of the sorted values), answered with its histogram bucket's midpoint: so it is within the
 * histogram's 4.4 % of the raw answer, never a neighbouring element's bucket.
 */
function quantileAtRawRankNanos(indexes: readonly number[], counts: readonly number[], q: number): number | undefined {
  const order = indexes.map((_, position) => position).sort((a, b) => indexes[a]! - indexes[b]!);
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total <= 0) return undefined;
  const rank = Math.min(total, Math.floor(q * total) + 1);
  let seen = 0;
  for (const position of order) {
    seen += counts[position]!;
    if (seen >= rank - 1e-9) return histogramMidpointNanos(indexes[position]!);
  }
  return histogramMidpointNanos(indexes[order[order.length - 1]!]!);
}

/** The type tag the raw path gives each column's values (span-conditions.ts fieldSql). */
function typeTag(column: SpanMetricsColumn): string {
  return column === 'status' ? 'status' : column === 'kind' ? 'kind' : 's';
}

/** Confirmed exemplars (stored traces) of the matching series, at most two per row, as the raw path keeps. */
function attachExemplars(
  rows: SpanAggregationRow[],
  plan: Plan,
  stored: readonly StoredExemplar[],
  startMinute: number,
  stepMinutes: number,
): void {
  const byKey = new Map<string, SpanAggregationRow>();
  for (const row of rows) if (row.bucket === undefined) byKey.set(`${row.slot}\u0000${row.groups.map((g) => g.value).join('\u0000')}`, row);
  for (const exemplar of stored) {
    const values: Record<SpanMetricsColumn, string> = {
      service: exemplar.serviceName,
      name: exemplar.spanName,
      status: String(exemplar.statusCode),
      kind: '',
    };
    if (!matches(plan.condition, values)) continue;
    const slot = Math.floor((exemplar.minute - startMinute) / stepMinutes);
    const row = byKey.get(`${slot}\u0000${plan.groupBy.map((column) => values[column]).join('\u0000')}`);
    if (row === undefined || row.exemplars.length >= EXEMPLARS_PER_ROW) continue;
    row.exemplars.push({
      traceId: exemplar.traceId,
      spanId: exemplar.spanId,
      startNano: BigInt(exemplar.minute) * MINUTE_NANO,
      value: exemplar.durationNanos / SECOND,
    });
  }
}

function matches(condition: SpanMetricsCondition, values: Record<SpanMetricsColumn, string>): boolean {
  if ('combine' in condition) {
    if (condition.combine === 'not') return !condition.conditions.every((c) => matches(c, values));
    return condition.combine === 'all'
      ? condition.conditions.every((c) => matches(c, values))
      : condition.conditions.some((c) => matches(c, values));
  }
  const equal = values[condition.column] === String(condition.value);
  return condition.op === '=' ? equal : !equal;
}

function columnOf(field: SpanField): SpanMetricsColumn | undefined {
  if (field.kind === 'attribute') return field.scope === 'resource' && field.key === 'service.name' ? 'service' : undefined;
  return field.name === 'name' ? 'name' : field.name === 'status' ? 'status' : field.name === 'kind' ? 'kind' : undefined;
}

function conditionOf(filter: SpanFilter | SpanCondition, columns: Set<SpanMetricsColumn>): SpanMetricsCondition | string {
  if ('combine' in filter) {
    const conditions: SpanMetricsCondition[] = [];
    for (const part of filter.conditions) {
      const condition = conditionOf(part, columns);
      if (typeof condition === 'string') return condition;
      conditions.push(condition);
    }
    return { combine: filter.combine, conditions };
  }
  const column = columnOf(filter.field);
  if (column === undefined) return 'a condition on a field the span metrics do not have';
  if (filter.op !== '=' && filter.op !== '!=') return `${filter.op} needs the spans`;
  const value = filter.value;
  const typed =
    (column === 'service' || column === 'name') && value.type === 'string'
      ? value.value
      : column === 'status' && value.type === 'status'
        ? value.code
        : column === 'kind' && value.type === 'kind'
          ? value.kind
          : undefined;
  if (typed === undefined) return `a ${value.type} value for ${column} needs the spans`;
  columns.add(column);
  return { column, op: filter.op, value: typed };
}
