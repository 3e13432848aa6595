import type { SpanAggregate, SpanAggregationRow } from '../../storage/span-query-types.js';
import type { MetricsQuery, MetricsWindow } from './tempo-metrics-query.js';
import type { TenantTraceReader } from '../../storage/trace-store.js';
import { preaggregatedRows } from './traceql-metrics-preaggregated.js';

/**
 * TraceQL metrics (`{ … } | rate() by (resource.service.name)`) for `/api/metrics/query_range`
 * and `/api/metrics/query`, computed in the engine (storage/span-aggregation.ts): one statement
 * groups the window's matching spans by slot and series; JS only shapes the rows into Tempo's
 * `QueryRangeResponse` / `QueryInstantResponse` and applies `topk`/`bottomk` to whole series.
 *
 * Semantics follow Tempo's engine (facts from its source and docs): slots are right-closed and a
 * sample's timestamp is its slot's end; `rate` is spans per second of the step; durations are in
 * seconds; an ungrouped series is labelled `__name__=<function>`, a quantile series `p=<level>`,
 * a histogram series `__bucket=<upper bound in seconds>`. Quantiles are exact (Tempo's are
 * log2-bucket estimates), so values can differ from Tempo's by its bucket error.
 *
 * Not yet: spanset operators before the metrics stage, arithmetic between metrics;
 * each answers 400 naming it (traceql-metrics-plan.ts). Queries the metrics tap's per-minute series
 * can answer read those instead of raw spans (traceql-metrics-preaggregated.ts says which).
 */

/** Which data answered: the metrics tap's per-minute series, or the stored spans. */
export type MetricsSource = 'span_metrics' | 'spans';

export type { MetricsFunction, MetricsQuery, MetricsWindow } from './tempo-metrics-query.js';

interface KeyValueJson {
  key: string;
  value: Record<string, unknown>;
}

export interface TempoSeries {
  labels: KeyValueJson[];
  /** One value per slot (undefined: no spans there). */
  values: Array<number | undefined>;
  exemplars: Array<{ labels: KeyValueJson[]; value: number; timestampMs: bigint }>;
}

/** Runs the query and returns the series with their slot values. */
export async function runMetricsQuery(
  reader: TenantTraceReader,
  query: MetricsQuery,
  window: MetricsWindow,
): Promise<{ series: TempoSeries[]; slotEndsMs: bigint[]; source: MetricsSource }> {
  // Range slots are aligned to the step (Tempo aligns them so that repeated queries agree); an
  // instant query is one slot covering [start, end).
  const step = window.instant ? window.endNano - window.startNano : window.stepNano;
  const from = window.instant ? window.startNano - 1n : window.startNano - (window.startNano % step);
  const to = window.instant
    ? window.endNano - 1n
    : window.endNano % step === 0n
      ? window.endNano
      : window.endNano - (window.endNano % step) + step;
  const slotCount = Number((to - from) / step);
  const compare = query.compare;
  const aggregate: SpanAggregate =
    compare !== undefined
      ? {
          fn: 'compare',
          selection: compare.selection,
          ...(compare.fromNano !== undefined &&
            compare.toNano !== undefined && { selectionFromNano: compare.fromNano, selectionToNano: compare.toNano }),
        }
      : query.fn === 'rate' || query.fn === 'count_over_time'
        ? { fn: 'count' }
        : query.fn === 'quantile_over_time'
          ? { fn: 'quantiles', field: query.argument!.field, levels: query.quantiles }
          : query.fn === 'histogram_over_time'
            ? { fn: 'histogram', field: query.argument!.field }
            : { fn: query.fn.slice(0, 3) as 'sum' | 'avg' | 'min' | 'max', field: query.argument!.field };
  const preaggregated = await preaggregatedRows(
    reader,
    query,
    { fromNano: from, toNano: to, stepNano: step, instant: window.instant },
    window.exemplars,
  );
  const source: MetricsSource = preaggregated === undefined ? 'spans' : 'span_metrics';
  const rows =
    preaggregated ??
    (await reader.aggregateSpans({
      filter: query.filter,
      groupBy: query.by.map((item) => item.field),
      aggregate,
      fromNano: from,
      toNano: to,
      stepNano: step,
      exemplarsPerRow: window.exemplars > 0 ? 2 : 0,
    }));
  const slotEndsMs = Array.from({ length: slotCount }, (_, i) => (from + BigInt(i + 1) * step) / 1_000_000n);
  if (compare !== undefined) return { series: compareSeries(rows, compare.topN, slotCount), slotEndsMs, source };
  const stepSeconds = Number(step) / 1e9;
  const isDuration = query.argument?.field.kind === 'intrinsic' && query.argument.field.name === 'duration';
  const bySeries = new Map<string, TempoSeries>();
  const seriesOf = (labels: KeyValueJson[]): TempoSeries => {
    const key = JSON.stringify(labels);
    let series = bySeries.get(key);
    if (series === undefined) {
      series = { labels, values: new Array<number | undefined>(slotCount).fill(undefined), exemplars: [] };
      bySeries.set(key, series);
    }
    return series;
  };
  let exemplarBudget = window.exemplars;
  for (const row of rows) {
    const groupLabels = labelsOf(query, row);
    const outputs: Array<{ labels: KeyValueJson[]; value: number }> =
      query.fn === 'quantile_over_time'
        ? query.quantiles.map((level, i) => ({
            labels: [...groupLabels, { key: 'p', value: { doubleValue: level } }],
            value: row.values[i] ?? NaN,
          }))
        : query.fn === 'histogram_over_time'
          ? [
              {
                labels: [
                  ...groupLabels,
                  { key: '__bucket', value: { doubleValue: isDuration ? (row.bucket ?? 0) / 1e9 : (row.bucket ?? 0) } },
                ],
                value: row.values[0]!,
              },
            ]
          : [
              {
                labels: groupLabels.length > 0 ? groupLabels : [{ key: '__name__', value: { stringValue: query.fn } }],
                value: (row.values[0] ?? NaN) / (query.fn === 'rate' ? stepSeconds : 1),
              },
            ];
    for (const output of outputs) {
      if (row.slot < 0 || row.slot >= slotCount || Number.isNaN(output.value)) continue;
      const series = seriesOf(output.labels);
      series.values[row.slot] = output.value;
      for (const exemplar of row.exemplars) {
        if (exemplarBudget <= 0) break;
        exemplarBudget--;
        series.exemplars.push({
          labels: [
            { key: 'trace:id', value: { stringValue: exemplar.traceId } },
            { key: 'span:id', value: { stringValue: exemplar.spanId } },
          ],
          value: exemplar.value,
          timestampMs: exemplar.startNano / 1_000_000n,
        });
      }
    }
  }
  let series = [...bySeries.values()];
  const second = query.second;
  if (second?.fn === 'filter') series = keepSamples(series, (value) => compareNumbers(value, second.op, second.value));
  else if (second !== undefined) series = topOrBottom(series, second.fn, second.count);
  return { series, slotEndsMs, source };
}

/** Labels of a row's group: typed as the stored value was (ints as intValue, …). */
function labelsOf(query: MetricsQuery, row: SpanAggregationRow): KeyValueJson[] {
  const labels: KeyValueJson[] = [];
  query.by.forEach((item, i) => {
    const group = row.groups[i]!;
    labels.push({ key: item.text, value: typedValue(group.value, group.type) });
  });
  return labels;
}

const STATUS_NAMES = ['unset', 'ok', 'error'];
const KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

function typedValue(value: string, type: string): Record<string, unknown> {
  switch (type) {
    case 'i':
      return { intValue: value };
    case 'd':
    case 'z':
      return { doubleValue: Number(value) };
    case 'b':
      return { boolValue: value === 'true' };
    case 'status':
      return { stringValue: STATUS_NAMES[Number(value)] ?? value };
    case 'kind':
      return { stringValue: KIND_NAMES[Number(value)] ?? value };
    case '':
      return { stringValue: 'nil' };
    default:
      return { stringValue: value };
  }
}

/**
 * `topk(n)` / `bottomk(n)`: per slot, the n series with the highest (lowest) value, as Prometheus
 * and Tempo define them; a series keeps only the slots where it made the cut.
 */
function topOrBottom(series: TempoSeries[], fn: 'topk' | 'bottomk', count: number): TempoSeries[] {
  const slots = series[0]?.values.length ?? 0;
  const keep = series.map(() => new Array<boolean>(slots).fill(false));
  for (let slot = 0; slot < slots; slot++) {
    const ranked = series
      .map((s, index) => ({ index, value: s.values[slot] }))
      .filter((entry): entry is { index: number; value: number } => entry.value !== undefined)
      .sort((a, b) => (fn === 'topk' ? b.value - a.value : a.value - b.value));
    for (const entry of ranked.slice(0, count)) keep[entry.index]![slot] = true;
  }
  return series
    .map((s, index) => ({ ...s, values: s.values.map((value, slot) => (keep[index]![slot] ? value : undefined)) }))
    .filter((s) => s.values.some((value) => value !== undefined));
}

/** `| … > 10`: keeps the samples whose value passes, drops series left empty. */
function keepSamples(series: TempoSeries[], keep: (value: number) => boolean): TempoSeries[] {
  return series
    .map((s) => ({ ...s, values: s.values.map((value) => (value !== undefined && keep(value) ? value : undefined)) }))
    .filter((s) => s.values.some((value) => value !== undefined));
}

function compareNumbers(value: number, op: string, bound: number): boolean {
  switch (op) {
    case '=':
      return value === bound;
    case '!=':
      return value !== bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '<':
      return value < bound;
    default:
      return value <= bound;
  }
}

/**
 * compare()'s series, as Tempo builds them: per attribute, the `topN` values with the most spans
 * (over the whole range) as `{__meta_type="baseline"|"selection", <attribute>=<value>}`, and the
 * attribute's totals as `{__meta_type="baseline_total"|"selection_total", <attribute>=nil}`.
 */
function compareSeries(rows: readonly SpanAggregationRow[], topN: number, slotCount: number): TempoSeries[] {
  type Counts = { label: KeyValueJson; counts: number[]; total: number };
  const sides = [new Map<string, Map<string, Counts>>(), new Map<string, Map<string, Counts>>()];
  const totals = [new Map<string, number[]>(), new Map<string, number[]>()];
  for (const row of rows) {
    if (row.slot < 0 || row.slot >= slotCount) continue;
    const key = row.groups[0]!.value;
    const value = row.groups[1]!;
    row.values.forEach((count, side) => {
      if (count === 0) return;
      let values = sides[side]!.get(key);
      if (values === undefined) sides[side]!.set(key, (values = new Map()));
      const valueKey = `${value.type}:${value.value}`;
      let entry = values.get(valueKey);
      if (entry === undefined) {
        entry = { label: { key, value: typedValue(value.value, value.type) }, counts: new Array<number>(slotCount).fill(0), total: 0 };
        values.set(valueKey, entry);
      }
      entry.counts[row.slot]! += count;
      entry.total += count;
      let total = totals[side]!.get(key);
      if (total === undefined) totals[side]!.set(key, (total = new Array<number>(slotCount).fill(0)));
      total[row.slot]! += count;
    });
  }
  const series: TempoSeries[] = [];
  const asValues = (counts: number[]): Array<number | undefined> => counts.map((count) => (count === 0 ? undefined : count));
  (['baseline', 'selection'] as const).forEach((type, side) => {
    for (const [, values] of [...sides[side]!].sort(([a], [b]) => byCodeUnits(a, b))) {
      const top = [...values.values()]
        .sort((a, b) => b.total - a.total || byCodeUnits(JSON.stringify(a.label), JSON.stringify(b.label)))
        .slice(0, topN);
      for (const entry of top)
        series.push({
          labels: [{ key: '__meta_type', value: { stringValue: type } }, entry.label],
          values: asValues(entry.counts),
          exemplars: [],
        });
    }
  });
  (['baseline_total', 'selection_total'] as const).forEach((type, side) => {
    for (const [key, counts] of [...totals[side]!].sort(([a], [b]) => byCodeUnits(a, b))) {
      series.push({
        labels: [
          { key: '__meta_type', value: { stringValue: type } },
          { key, value: {} },
        ],
        values: asValues(counts),
        exemplars: [],
      });
    }
  });
  return series;
}

/** Locale-independent order, so that ties break the same way everywhere. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
