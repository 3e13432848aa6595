import { attributeValueColumnsSql } from './array-sql.js';
import { BUCKET_NANO } from './span-rows.js';
import { fieldSql, filterSql, SpanConditionError, SqlBuilder } from './span-conditions.js';
import type { TenantId } from '../model/tenant.js';
import type { SqlEngine } from './sql-engine.js';
import {
  HEATMAP_BUCKETS_PER_DOUBLING,
  type GroupByQuery,
  type GroupByResult,
  type HeatmapQuery,
  type HeatmapResult,
  type SampleInfo,
  type SpanGroup,
  type SpanPopulation,
} from './span-analysis-types.js';
import { StorageError } from './trace-store.js';
import { TENANT } from './trace-queries.js';

/**
 * The Explore page's analyses in the engine (issue 15): a latency heatmap (time × log-scale
 * duration) and a group-by of any span or resource attribute with count, error share, p50/p95/p99
 * and per-slot series. One pass over the window's rows of `trace_spans_v3` per statement; JS
 * receives aggregates only. Every function used runs on ClickHouse 18.16 (checked against the
 * Debian server) and on chDB.
 *
 * Memory is bounded by the engine's reservoir `quantiles` (8,192 values per group and state) and by
 * sampling: above `maxSampleSpans` matching spans, a deterministic hash of the span ID keeps a
 * share of them, and the answer says so (SampleInfo).
 */

/** Most time slots an analysis may ask for (a series point each). */
export const MAX_ANALYSIS_SLOTS = 1_000;
/** The hash-sampling resolution: a span is kept when cityHash64(span_id) mod this is below the threshold. */
const SAMPLE_MODULUS = 1_000_000;

/** `[TENANT, window, filter]` conditions of a population; `fromNano`/`toNano` clamp at 0. */
export function populationWhere(b: SqlBuilder, population: SpanPopulation): string[] {
  const from = population.fromNano < 0n ? 0n : population.fromNano;
  const to = population.toNano < 0n ? 0n : population.toNano;
  return [
    TENANT,
    `bucket >= ${b.bind('UInt64', from / BUCKET_NANO)}`,
    `bucket <= ${b.bind('UInt64', to / BUCKET_NANO)}`,
    `start_ns >= ${b.bind('UInt64', from)}`,
    `start_ns < ${b.bind('UInt64', to)}`,
    filterSql(b, population.filter),
  ];
}

/** The condition keeping a share `rate` of spans (by span ID hash), or '1' when rate is 1. */
export function sampleCondition(b: SqlBuilder, rate: number): string {
  if (rate >= 1) return '1';
  const threshold = Math.max(1, Math.ceil(rate * SAMPLE_MODULUS));
  return `cityHash64(span_id) % ${SAMPLE_MODULUS} < ${b.bind('UInt64', threshold)}`;
}

/**
 * A sample of whole minutes (every k-th minute bucket of the window) keeping about `rate` of the
 * spans, or undefined when the window has too few minutes for it. Whole minutes are whole ranges
 * of the sort key (tenant, service, minute, …): where a service's minute fills at least a granule
 * (1,024 spans) the engine skips the other minutes' granules and reads a share of the bytes;
 * below that (measured at 2M spans a day: ~1,550 CPU-ms against ~860 at 1M unsampled) it saves the
 * aggregation, as a hash of the span ID would. Every slot of a 60-point series over the window
 * still gets sampled minutes while k ≤ window/60 minutes.
 */
export function minuteSample(b: SqlBuilder, population: SpanPopulation, rate: number): string | undefined {
  if (rate >= 1) return undefined;
  const from = (population.fromNano < 0n ? 0n : population.fromNano) / BUCKET_NANO;
  const to = (population.toNano < 0n ? 0n : population.toNano) / BUCKET_NANO;
  const k = BigInt(Math.ceil(1 / rate));
  if (to - from + 1n < 2n * k) return undefined;
  const buckets: string[] = [];
  for (let bucket = from; bucket <= to; bucket++) if (bucket % k === 0n) buckets.push(b.bind('UInt64', bucket));
  // One placeholder per minute: 18.16 accepts no array on the right of IN, and a constant list is what its index uses.
  return `bucket IN (${buckets.join(', ')})`;
}

/** Sampling plan for a population of `population` spans when at most `maxSpans` may be aggregated. */
export function samplePlan(population: number, maxSpans: number): SampleInfo {
  const rate = population <= maxSpans || population === 0 ? 1 : maxSpans / population;
  return { populationSpans: population, sampledSpans: population, rate };
}

/** Resource attributes a statement reads, as columns of one `ANY LEFT JOIN` on `resources_v3`. */
export class ResourceColumns {
  private readonly aliases = new Map<string, string>();
  private readonly columns: string[] = [];

  constructor(private readonly b: SqlBuilder) {}

  readonly alias = (key: string): string => {
    let alias = this.aliases.get(key);
    if (alias === undefined) {
      alias = `r${this.aliases.size}`;
      this.aliases.set(key, alias);
      const k = this.b.bind('String', key);
      this.columns.push(attributeValueColumnsSql(k, key, alias));
    }
    return alias;
  };

  join(): string {
    if (this.columns.length === 0) return '';
    return `\nANY LEFT JOIN (SELECT resource_hash, ${this.columns.join(', ')} FROM ${this.b.db}.resources_v3 WHERE ${TENANT} LIMIT 1 BY resource_hash) AS resource_columns USING resource_hash`;
  }
}

function slotCount(population: SpanPopulation, stepNano: bigint): number {
  if (stepNano <= 0n) throw new SpanConditionError('step must be positive');
  if (population.toNano <= population.fromNano) throw new SpanConditionError('the window is empty: end must be after start');
  const slots = (population.toNano - population.fromNano + stepNano - 1n) / stepNano;
  if (slots > BigInt(MAX_ANALYSIS_SLOTS)) {
    throw new StorageError('rejected', `the window has ${slots} steps, more than ${MAX_ANALYSIS_SLOTS}: use a larger step`);
  }
  return Number(slots);
}

const SLOT = (b: SqlBuilder, population: SpanPopulation, stepNano: bigint): string =>
  `toUInt32(intDiv(start_ns - ${b.bind('UInt64', population.fromNano < 0n ? 0n : population.fromNano)}, ${b.bind('UInt64', stepNano)}))`;

/** Spans of the population, counted in the engine (the sampling decision's input). */
export async function countPopulation(engine: SqlEngine, db: string, tenant: TenantId, population: SpanPopulation): Promise<number> {
  const b = new SqlBuilder(db);
  const sql = `SELECT count() AS n FROM ${db}.trace_spans_v3 WHERE ${populationWhere(b, population).join('\n  AND ')}`;
  const rows = await engine.query<{ n: number | string }>(sql, { ...b.params, tenant });
  return Number(rows[0]?.n ?? 0);
}

export async function spanHeatmap(engine: SqlEngine, db: string, tenant: TenantId, query: HeatmapQuery): Promise<HeatmapResult> {
  const slots = slotCount(query, query.stepNano);
  const b = new SqlBuilder(db);
  const sql = `SELECT ${SLOT(b, query, query.stepNano)} AS slot,
  toUInt32(floor(log2(greatest(duration_ns, 1)) * ${HEATMAP_BUCKETS_PER_DOUBLING})) AS duration_bucket,
  count() AS n, countIf(status_code = 2) AS e
FROM ${db}.trace_spans_v3
WHERE ${populationWhere(b, query).join('\n  AND ')}
GROUP BY slot, duration_bucket
ORDER BY slot, duration_bucket`;
  const rows = await engine.query<{ slot: number; duration_bucket: number; n: number | string; e: number | string }>(sql, {
    ...b.params,
    tenant,
  });
  const cells = rows.map((row) => ({
    slot: Number(row.slot),
    bucket: Number(row.duration_bucket),
    count: Number(row.n),
    errors: Number(row.e),
  }));
  return { cells, slots, totalSpans: cells.reduce((sum, cell) => sum + cell.count, 0) };
}

interface GroupTotalsRow {
  total: number | string;
  total_errors: number | string;
  group_count: number | string;
  /** (value, type, spans, errors, [p50, p95, p99], [(slot, spans, errors, p95)]) */
  top: Array<
    [
      string,
      string,
      number | string,
      number | string,
      Array<number | string>,
      Array<[number, number | string, number | string, number | string]>,
    ]
  >;
}

/**
 * One pass: per (group, slot) the counts, a p95 and a mergeable quantile state; per group the
 * merged quantiles and its series; over all groups the totals and the `limit` largest. (A first
 * version read the attribute columns twice, once for the groups and once for the top groups'
 * series: 2× the bytes for the same answer.) Memory is bounded by the sampled spans: every
 * (group, slot) state holds at most its own spans' durations, and at most 8,192.
 */
export async function groupSpans(engine: SqlEngine, db: string, tenant: TenantId, query: GroupByQuery): Promise<GroupByResult> {
  const slots = slotCount(query, query.stepNano);
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 200) throw new SpanConditionError('limit must be 1..200');
  const population = await countPopulation(engine, db, tenant, query);
  const sample = samplePlan(population, query.maxSampleSpans);

  const b = new SqlBuilder(db);
  const resources = new ResourceColumns(b);
  const group = fieldSql(b, query.field, resources.alias);
  const where = [...populationWhere(b, query), minuteSample(b, query, sample.rate) ?? sampleCondition(b, sample.rate)];
  const sql = `SELECT sum(n) AS total, sum(e) AS total_errors, count() AS group_count,
  arraySlice(arraySort(x -> (-tupleElement(x, 3), tupleElement(x, 1), tupleElement(x, 2)), groupArray((g_v, g_t, n, e, q, series))), 1, ${b.bind('UInt64', query.limit)}) AS top
FROM (
  SELECT g_v, g_t, sum(slot_n) AS n, sum(slot_e) AS e, quantilesMerge(0.5, 0.95, 0.99)(slot_q) AS q,
    groupArray((slot, slot_n, slot_e, slot_p95)) AS series
  FROM (
    SELECT ${group.value} AS g_v, ${group.type} AS g_t, ${SLOT(b, query, query.stepNano)} AS slot,
      count() AS slot_n, countIf(status_code = 2) AS slot_e,
      quantilesState(0.5, 0.95, 0.99)(duration_ns) AS slot_q, quantile(0.95)(duration_ns) AS slot_p95
    FROM ${db}.trace_spans_v3${resources.join()}
    WHERE ${where.join('\n      AND ')}
    GROUP BY g_v, g_t, slot
  )
  GROUP BY g_v, g_t
)`;
  const totals = (await engine.query<GroupTotalsRow>(sql, { ...b.params, tenant }))[0];
  const groups: SpanGroup[] = (totals?.top ?? []).map(([value, type, n, e, q, series]) => {
    const g: SpanGroup = {
      value: type === '' ? '' : value,
      type,
      count: Number(n),
      errors: Number(e),
      p50Nano: Number(q[0] ?? 0),
      p95Nano: Number(q[1] ?? 0),
      p99Nano: Number(q[2] ?? 0),
      seriesCount: new Array<number>(slots).fill(0),
      seriesErrors: new Array<number>(slots).fill(0),
      seriesP95Nano: new Array<number>(slots).fill(0),
    };
    for (const [slot, sn, se, p95] of series) {
      if (slot < 0 || slot >= slots) continue;
      g.seriesCount[slot] = Number(sn);
      g.seriesErrors[slot] = Number(se);
      g.seriesP95Nano[slot] = Number(p95);
    }
    return g;
  });
  const total = Number(totals?.total ?? 0);
  const shown = groups.reduce((sum, g) => sum + g.count, 0);
  const shownErrors = groups.reduce((sum, g) => sum + g.errors, 0);
  return {
    groups,
    other: {
      count: total - shown,
      errors: Number(totals?.total_errors ?? 0) - shownErrors,
      groups: Number(totals?.group_count ?? 0) - groups.length,
    },
    slots,
    sample: { ...sample, sampledSpans: total, rate: population === 0 ? 1 : total / population },
  };
}
