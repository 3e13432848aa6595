import { filterSql, SpanConditionError, SqlBuilder } from './span-conditions.js';
import type { TenantId } from '../model/tenant.js';
import type { SqlEngine } from './sql-engine.js';
import type { AttributeCounts, AttributeCountsQuery, AttributeCountsResult, SpanSelection, ValueCounts } from './span-analysis-types.js';
import { populationWhere, sampleCondition, samplePlan } from './span-analysis.js';
import { TENANT } from './trace-queries.js';

/**
 * The counts behind the attribute ranking ("why is this region slow?"): for every attribute of
 * the population's spans (span and resource attributes, and the intrinsics name, status, kind),
 * how many spans of the selection and of the baseline carry each value. The statistics (which
 * difference matters) are the query layer's (query/analysis/attribute-ranking.ts); storage counts.
 *
 * One statement after a population count: the spans' attributes are unrolled with arrayJoin into
 * (attribute, value) rows, counted per group, and each attribute's values cut to the `topValues`
 * most prominent *in either group* (share of the selection or of the baseline, whichever is
 * larger), so a value rare overall but dominant in a small selection is never cut away.
 * Numeric values are also counted in log2 ranges (`[64, 128)`), for attributes with too many
 * distinct values to compare one by one. Types `a`/`k`/`y` (arrays, maps, bytes) are left out:
 * their text is not a category.
 */

const NUMERIC_TYPES = `('i', 'd', 'z')`;

/** SQL: the span is in the selection. */
function selectionSql(b: SqlBuilder, selection: SpanSelection): string {
  const parts: string[] = [];
  if (selection.fromNano !== undefined) parts.push(`start_ns >= ${b.bind('UInt64', selection.fromNano < 0n ? 0n : selection.fromNano)}`);
  if (selection.toNano !== undefined) parts.push(`start_ns < ${b.bind('UInt64', selection.toNano < 0n ? 0n : selection.toNano)}`);
  if (selection.minDurationNano !== undefined) parts.push(`duration_ns >= ${b.bind('UInt64', selection.minDurationNano)}`);
  if (selection.maxDurationNano !== undefined) parts.push(`duration_ns < ${b.bind('UInt64', selection.maxDurationNano)}`);
  if (selection.errorsOnly === true) parts.push('status_code = 2');
  if (selection.filter !== undefined) parts.push(filterSql(b, selection.filter));
  if (parts.length === 0) throw new SpanConditionError('the selection is empty: give a time range, a duration range, errors or a filter');
  return `(${parts.join(' AND ')})`;
}

/** Selection and baseline sizes before sampling. */
async function groupSizes(engine: SqlEngine, db: string, tenant: TenantId, query: AttributeCountsQuery): Promise<[number, number]> {
  const b = new SqlBuilder(db);
  const sql = `SELECT countIf(${selectionSql(b, query.selection)}) AS s, count() AS n
FROM ${db}.trace_spans_v3 WHERE ${populationWhere(b, query).join('\n  AND ')}`;
  const row = (await engine.query<{ s: number | string; n: number | string }>(sql, { ...b.params, tenant }))[0];
  const selection = Number(row?.s ?? 0);
  return [selection, Number(row?.n ?? 0) - selection];
}

type CountTuple = [string, number | string, number | string];

interface Row {
  attribute: string;
  view: string;
  s_with: number | string;
  b_with: number | string;
  distinct_values: number | string;
  numeric: number | string;
  top: CountTuple[];
}

export async function countAttributeValues(
  engine: SqlEngine,
  db: string,
  tenant: TenantId,
  query: AttributeCountsQuery,
): Promise<AttributeCountsResult> {
  if (!Number.isInteger(query.topValues) || query.topValues < 1 || query.topValues > 100)
    throw new SpanConditionError('topValues must be 1..100');
  const [selectionPopulation, baselinePopulation] = await groupSizes(engine, db, tenant, query);
  const selectionPlan = samplePlan(selectionPopulation, query.maxSampleSpans);
  const baselinePlan = samplePlan(baselinePopulation, query.maxSampleSpans);
  const empty = (): AttributeCountsResult => ({
    selectionSpans: 0,
    baselineSpans: 0,
    selectionSample: { ...selectionPlan, sampledSpans: 0 },
    baselineSample: { ...baselinePlan, sampledSpans: 0 },
    attributes: [],
  });
  if (selectionPopulation + baselinePopulation === 0) return empty();

  const b = new SqlBuilder(db);
  const selected = selectionSql(b, query.selection);
  const sampled = `((sel AND ${sampleCondition(b, selectionPlan.rate)}) OR (NOT sel AND ${sampleCondition(b, baselinePlan.rate)}))`;
  // Lambda parameters are named apart from every alias: 18.16 substitutes aliases inside lambdas ("Cyclic aliases").
  // Types as arrays passed into the lambdas (18.16 cannot capture a String column, see span-conditions.ts).
  const pairs = (keys: string, values: string, raw: string, prefix: string): string =>
    `arrayMap((pk, pv, ps, pi) -> (concat('${prefix}', pk), pv, substring(ps, pi, 1)), ${keys}, ${values}, arrayResize([${raw}], length(${keys}), ${raw}), arrayEnumerate(${keys}))`;
  // The '' pseudo-attribute is on every span: its counts are the sampled group sizes.
  const intrinsics = `[('', '', ''), ('name', toString(name), 's'), ('kind', toString(kind), 'kind')${query.selection.errorsOnly === true ? '' : `, ('status', toString(status_code), 'status')`}]`;
  const x = 'toFloat64OrZero(v)';
  const bucket = `if(${x} = 0, '0', concat(if(${x} < 0, '-', ''), '[', toString(exp2(floor(log2(abs(${x}))))), ', ', toString(exp2(floor(log2(abs(${x}))) + 1)), ')'))`;
  const selectionShare = b.bind('Float64', Math.max(1, selectionPopulation * selectionPlan.rate));
  const baselineShare = b.bind('Float64', Math.max(1, baselinePopulation * baselinePlan.rate));
  const sql = `SELECT attribute, view, sum(s) AS s_with, sum(bl) AS b_with, count() AS distinct_values, max(is_num) AS numeric,
  arraySlice(arraySort(c -> (-greatest(tupleElement(c, 2) / ${selectionShare}, tupleElement(c, 3) / ${baselineShare}), tupleElement(c, 1)),
    groupArray((label, s, bl))), 1, ${b.bind('UInt64', query.topValues)}) AS top
FROM (
  SELECT attribute, view, label, countIf(sel) AS s, countIf(NOT sel) AS bl, max(numeric_value) AS is_num
  FROM (
    SELECT sel, attribute, t IN ${NUMERIC_TYPES} AS numeric_value,
      arrayJoin(if(t IN ${NUMERIC_TYPES}, [('raw', v), ('bucket', ${bucket})], [('raw', v)])) AS lv,
      tupleElement(lv, 1) AS view, tupleElement(lv, 2) AS label
    FROM (
      SELECT sel, arrayJoin(arrayConcat(${pairs('attr_keys', 'attr_values', 'attr_types', 'span.')}, ${pairs('r_keys', 'r_values', 'r_types', 'resource.')}, ${intrinsics})) AS kv,
        tupleElement(kv, 1) AS attribute, tupleElement(kv, 2) AS v, tupleElement(kv, 3) AS t
      FROM (
        SELECT ${selected} AS sel, attr_keys, attr_values, attr_types, r_keys, r_values, r_types, name, kind, status_code
        FROM ${db}.trace_spans_v3
        ANY LEFT JOIN (SELECT resource_hash, attr_keys AS r_keys, attr_values AS r_values, attr_types AS r_types FROM ${db}.resources_v3 WHERE ${TENANT} LIMIT 1 BY resource_hash) AS resource_columns USING resource_hash
        WHERE ${populationWhere(b, query).join('\n          AND ')}
          AND ${sampled}
      )
    )
    WHERE t IN ('', 's', 'i', 'd', 'z', 'b', 'status', 'kind')
  )
  GROUP BY attribute, view, label
)
GROUP BY attribute, view
ORDER BY attribute, view`;
  const rows = await engine.query<Row>(sql, { ...b.params, tenant });
  const totals = rows.find((row) => row.attribute === '' && row.view === 'raw');
  if (totals === undefined) return empty();
  const selectionSpans = Number(totals.s_with);
  const baselineSpans = Number(totals.b_with);
  const byAttribute = new Map<string, AttributeCounts>();
  for (const row of rows) {
    if (row.attribute === '') continue;
    let entry = byAttribute.get(row.attribute);
    if (entry === undefined) {
      entry = { attribute: row.attribute, selectionWith: 0, baselineWith: 0, distinctValues: 0, numeric: false, raw: [], buckets: [] };
      byAttribute.set(row.attribute, entry);
    }
    const values: ValueCounts[] = row.top.map(([value, s, bl]) => ({ value, selection: Number(s), baseline: Number(bl) }));
    if (row.view === 'raw') {
      entry.selectionWith = Number(row.s_with);
      entry.baselineWith = Number(row.b_with);
      entry.distinctValues = Number(row.distinct_values);
      entry.raw = values;
    } else {
      entry.buckets = values;
    }
    if (Number(row.numeric) === 1) entry.numeric = true;
  }
  return {
    selectionSpans,
    baselineSpans,
    selectionSample: { ...selectionPlan, sampledSpans: selectionSpans },
    baselineSample: { ...baselinePlan, sampledSpans: baselineSpans },
    attributes: [...byAttribute.values()],
  };
}
