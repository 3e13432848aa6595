import { attributeValueColumnsSql } from './array-sql.js';
import { BUCKET_NANO } from './span-rows.js';
import { fieldSql, filterSql, SpanConditionError, SqlBuilder } from './span-conditions.js';
import type { TenantId } from '../model/tenant.js';
import type { SqlEngine } from './sql-engine.js';
import type {
  SpanAggregate,
  SpanAggregationQuery,
  SpanAggregationRow,
  SpanField,
  TypedValueRow,
  TypedValuesQuery,
} from './span-query-types.js';
import { StorageError } from './trace-store.js';
import { TENANT } from './trace-queries.js';

/**
 * Span aggregation in the engine (TraceQL metrics): the spans of a window that pass a filter,
 * grouped by time slot and by fields, reduced by one aggregate. One statement, one pass over the
 * window's rows of `trace_spans_v3`; JS receives one row per (slot, group), never spans.
 *
 * Slots are right-closed as Tempo's interval mapper makes them: slot i is
 * (from + i·step, from + (i+1)·step], so a span starting exactly on a boundary counts in the slot
 * that ends there. Duplicated rows of a retried batch (not yet merged by ReplacingMergeTree) are
 * counted twice: exact deduplication would cost a GROUP BY span over the whole window.
 */

/** Most rows one aggregation may return (series × slots): a bound on memory, named in the error. */
export const MAX_AGGREGATION_ROWS = 500_000;

interface AggregationSql {
  sql: string;
  params: Record<string, unknown>;
}

/** The statement; the tenant is bound by the reader (`tenant` parameter). */
export function spanAggregationSql(db: string, query: SpanAggregationQuery): AggregationSql {
  if (query.stepNano <= 0n) throw new SpanConditionError('step must be positive');
  if (query.aggregate.fn === 'compare') return compareSql(db, query, query.aggregate);
  const b = new SqlBuilder(db);
  const joinColumns: string[] = [];
  const resourceAliases = new Map<string, string>();
  const resourceAlias = (key: string): string => {
    let alias = resourceAliases.get(key);
    if (alias === undefined) {
      alias = `r${resourceAliases.size}`;
      resourceAliases.set(key, alias);
      const k = b.bind('String', key);
      joinColumns.push(attributeValueColumnsSql(k, key, alias));
    }
    return alias;
  };

  const from = b.bind('UInt64', query.fromNano < 0n ? 0n : query.fromNano);
  const to = b.bind('UInt64', query.toNano < 0n ? 0n : query.toNano);
  const step = b.bind('UInt64', query.stepNano);
  const fromBucket = b.bind('UInt64', (query.fromNano < 0n ? 0n : query.fromNano) / BUCKET_NANO);
  const toBucket = b.bind('UInt64', (query.toNano < 0n ? 0n : query.toNano) / BUCKET_NANO);

  const groups = query.groupBy.map((field) => fieldSql(b, field, resourceAlias));
  const where = [
    TENANT,
    `bucket >= ${fromBucket}`,
    `bucket <= ${toBucket}`,
    `start_ns > ${from}`,
    `start_ns <= ${to}`,
    filterSql(b, query.filter),
  ];

  const aggregate = query.aggregate;
  let valueExpr = 'duration_ns / 1e9';
  let valuesSql: string;
  let bucketSql: string | undefined;
  if (aggregate.fn !== 'count') {
    const numeric = numericSql(b, aggregate.field, resourceAlias);
    valueExpr = numeric.value;
    where.push(numeric.present);
  }
  switch (aggregate.fn) {
    case 'count':
      valuesSql = 'array(toFloat64(count()))';
      break;
    case 'sum':
    case 'avg':
    case 'min':
    case 'max':
      valuesSql = `array(toFloat64(${aggregate.fn}(${valueExpr})))`;
      break;
    case 'quantiles': {
      // Levels are parameters of the aggregate function, so they must be literals: validated numbers only.
      const levels = aggregate.levels.map((level) => {
        if (!Number.isFinite(level) || level < 0 || level > 1) throw new SpanConditionError(`quantile ${level} is not between 0 and 1`);
        return String(level);
      });
      if (levels.length === 0) throw new SpanConditionError('quantile_over_time needs at least one quantile');
      valuesSql = `arrayMap(x -> toFloat64(x), quantilesExact(${levels.join(', ')})(${valueExpr}))`;
      break;
    }
    case 'histogram': {
      const raw = aggregate.field.kind === 'intrinsic' && aggregate.field.name === 'duration' ? 'toFloat64(duration_ns)' : valueExpr;
      bucketSql = `pow(2, ceil(log2(greatest(${raw}, 1))))`;
      valuesSql = 'array(toFloat64(count()))';
      break;
    }
  }
  const exemplars =
    query.exemplarsPerRow > 0
      ? `, groupArray(${Math.min(100, Math.floor(query.exemplarsPerRow))})((trace_id, span_id, toString(start_ns), toFloat64(${valueExpr}))) AS exemplars`
      : '';
  const groupColumns = groups.map((group, i) => `${group.value} AS g${i}_v, ${group.type} AS g${i}_t`);
  const groupKeys = ['slot', ...groups.flatMap((_, i) => [`g${i}_v`, `g${i}_t`]), ...(bucketSql ? ['bucket_upper'] : [])];
  const selectColumns = [
    `toUInt32(intDiv(start_ns - ${from} - 1, ${step})) AS slot`,
    ...groupColumns,
    ...(bucketSql ? [`${bucketSql} AS bucket_upper`] : []),
    `${valuesSql} AS agg`,
  ];
  const join =
    joinColumns.length > 0
      ? `\nANY LEFT JOIN (SELECT resource_hash, ${joinColumns.join(', ')} FROM ${db}.resources_v3 WHERE ${TENANT} LIMIT 1 BY resource_hash) AS resource_columns USING resource_hash`
      : '';
  const sql = `SELECT ${selectColumns.join(', ')}${exemplars}
FROM ${db}.trace_spans_v3${join}
WHERE ${where.join('\n  AND ')}
GROUP BY ${groupKeys.join(', ')}
ORDER BY ${groupKeys.join(', ')}
LIMIT ${MAX_AGGREGATION_ROWS + 1}`;
  return { sql, params: b.params };
}

/** A numeric field's value and the condition that the span has it. */
function numericSql(b: SqlBuilder, field: SpanField, resourceAlias: (key: string) => string): { value: string; present: string } {
  if (field.kind === 'intrinsic') {
    if (field.name === 'duration') return { value: 'duration_ns / 1e9', present: '1' };
    throw new SpanConditionError(`${field.name} is not numeric`);
  }
  const { value, type } = fieldSql(b, field, resourceAlias);
  return { value: `toFloat64OrZero(${value})`, present: `${type} IN ('i', 'd', 'z')` };
}

/** The `compare` aggregate's statement (see {@link SpanAggregate}). */
function compareSql(db: string, query: SpanAggregationQuery, compare: Extract<SpanAggregate, { fn: 'compare' }>): AggregationSql {
  const b = new SqlBuilder(db);
  const from = b.bind('UInt64', query.fromNano < 0n ? 0n : query.fromNano);
  const to = b.bind('UInt64', query.toNano < 0n ? 0n : query.toNano);
  const step = b.bind('UInt64', query.stepNano);
  const where = [
    TENANT,
    `bucket >= ${b.bind('UInt64', (query.fromNano < 0n ? 0n : query.fromNano) / BUCKET_NANO)}`,
    `bucket <= ${b.bind('UInt64', (query.toNano < 0n ? 0n : query.toNano) / BUCKET_NANO)}`,
    `start_ns > ${from}`,
    `start_ns <= ${to}`,
    filterSql(b, query.filter),
  ];
  let selected = filterSql(b, compare.selection);
  if (compare.selectionFromNano !== undefined && compare.selectionToNano !== undefined) {
    selected = `(start_ns > ${b.bind('UInt64', compare.selectionFromNano)} AND start_ns <= ${b.bind('UInt64', compare.selectionToNano)} AND ${selected})`;
  }
  // Types as arrays passed into the lambdas (18.16 cannot capture a String column, see span-conditions.ts).
  const types = (keys: string, raw: string): string => `arrayResize([${raw}], length(${keys}), ${raw})`;
  const pairs = (keys: string, values: string, raw: string, prefix: string): string =>
    `arrayMap((k, v, s, i) -> (concat('${prefix}', k), v, substring(s, i, 1)), ${keys}, ${values}, ${types(keys, raw)}, arrayEnumerate(${keys}))`;
  const intrinsics = `[('name', toString(name), 's'), ('status', toString(status_code), 'status'), ('kind', toString(kind), 'kind')]`;
  const sql = `SELECT slot, tupleElement(kv, 1) AS g0_v, '' AS g0_t, tupleElement(kv, 2) AS g1_v, tupleElement(kv, 3) AS g1_t,
  array(toFloat64(countIf(NOT selected)), toFloat64(countIf(selected))) AS agg
FROM (
  SELECT toUInt32(intDiv(start_ns - ${from} - 1, ${step})) AS slot, ${selected} AS selected,
    arrayJoin(arrayConcat(${pairs('attr_keys', 'attr_values', 'attr_types', 'span.')}, ${pairs('r_keys', 'r_values', 'r_types', 'resource.')}, ${intrinsics})) AS kv
  FROM ${db}.trace_spans_v3
  ANY LEFT JOIN (SELECT resource_hash, attr_keys AS r_keys, attr_values AS r_values, attr_types AS r_types FROM ${db}.resources_v3 WHERE ${TENANT} LIMIT 1 BY resource_hash) AS resource_columns USING resource_hash
  WHERE ${where.join('\n    AND ')}
)
WHERE g1_t IN ('s', 'i', 'd', 'z', 'b', 'status', 'kind')
GROUP BY slot, g0_v, g1_v, g1_t
ORDER BY slot, g0_v, g1_v, g1_t
LIMIT ${MAX_AGGREGATION_ROWS + 1}`;
  return { sql, params: b.params };
}

interface RawRow {
  slot: number | string;
  agg: Array<number | string>;
  bucket_upper?: number | string;
  exemplars?: Array<[string, string, string, number | string]>;
  [group: string]: unknown;
}

export function aggregationRowsFrom(rows: readonly RawRow[], groupCount: number): SpanAggregationRow[] {
  return rows.map((row) => {
    const out: SpanAggregationRow = {
      slot: Number(row.slot),
      groups: Array.from({ length: groupCount }, (_, i) => ({ value: String(row[`g${i}_v`] ?? ''), type: String(row[`g${i}_t`] ?? '') })),
      values: row.agg.map(Number),
      exemplars: (row.exemplars ?? []).map(([traceId, spanId, start, value]) => ({
        traceId,
        spanId,
        startNano: BigInt(start),
        value: Number(value),
      })),
    };
    if (row.bucket_upper !== undefined) out.bucket = Number(row.bucket_upper);
    return out;
  });
}

export type { RawRow as SpanAggregationRawRow };

/** Distinct values of a field on the sampled spans that pass the filter, most frequent first. */
export function typedValuesSql(db: string, query: TypedValuesQuery): AggregationSql {
  const b = new SqlBuilder(db);
  const start = query.startNano < 0n ? 0n : query.startNano;
  const end = query.endNano < 0n ? 0n : query.endNano;
  const window = `${TENANT} AND bucket >= ${b.bind('UInt64', start / BUCKET_NANO)} AND bucket <= ${b.bind('UInt64', end / BUCKET_NANO)}
    AND start_ns >= ${b.bind('UInt64', start)} AND start_ns <= ${b.bind('UInt64', end)} AND ${filterSql(b, query.filter)}`;
  const sample = (columns: string): string =>
    `(SELECT ${columns} FROM ${db}.trace_spans_v3 WHERE ${window} LIMIT ${b.bind('UInt64', BigInt(query.sampleSpans))})`;
  const limit = b.bind('UInt64', BigInt(query.limit));
  const field = query.field;
  let inner: string;
  if (field.kind === 'intrinsic') {
    const columns: Partial<Record<string, string>> = { name: 'name', statusMessage: 'status_message', serviceName: 'service_name' };
    const column = columns[field.name];
    if (column === undefined) throw new SpanConditionError(`${field.name} has no stored values to list`);
    inner = `SELECT toString(${column}) AS value, 's' AS type FROM ${sample(column)}`;
  } else if (field.scope === 'resource' && field.key === 'service.name') {
    inner = `SELECT toString(service_name) AS value, 's' AS type FROM ${sample('service_name')}`;
  } else {
    const k = b.bind('String', field.key);
    // The two-array lambda, not `i -> attr_keys[i] = k`: a lambda that reads attr_keys from outside
    // copies the array once per element (10M spans, 1 h, one service: 922 ms against 49 ms).
    const pick = `arrayJoin(arrayFilter((i, key) -> key = ${k}, arrayEnumerate(attr_keys), attr_keys)) AS i`;
    const spanSide = (): string =>
      `SELECT attr_values[i] AS value, substring(attr_types, i, 1) AS type FROM (SELECT attr_keys, attr_values, attr_types, ${pick} FROM ${sample('attr_keys, attr_values, attr_types')})`;
    const resourceSide = (): string => `SELECT attr_values[i] AS value, substring(attr_types, i, 1) AS type FROM (
      SELECT attr_keys, attr_values, attr_types, ${pick} FROM ${db}.resources_v3
      WHERE ${TENANT} AND resource_hash IN ${sample('resource_hash')} LIMIT 1 BY resource_hash)`;
    inner =
      field.scope === 'span' ? spanSide() : field.scope === 'resource' ? resourceSide() : `${spanSide()}\n  UNION ALL\n  ${resourceSide()}`;
  }
  const sql = `SELECT value, type, count() AS n FROM (
  ${inner}
) WHERE type IN ('s', 'i', 'd', 'z', 'b')
GROUP BY value, type
ORDER BY n DESC, value, type
LIMIT ${limit}`;
  return { sql, params: b.params };
}

/** Runs an aggregation for one tenant (TenantTraceReader.aggregateSpans). */
export async function aggregateSpans(
  engine: SqlEngine,
  db: string,
  tenant: TenantId,
  query: SpanAggregationQuery,
): Promise<SpanAggregationRow[]> {
  const { sql, params } = spanAggregationSql(db, query);
  const rows = await engine.query<RawRow>(sql, { ...params, tenant });
  if (rows.length > MAX_AGGREGATION_ROWS) {
    throw new StorageError(
      'rejected',
      `the aggregation has more than ${MAX_AGGREGATION_ROWS} (series × steps) rows: use a larger step or fewer groups`,
    );
  }
  return aggregationRowsFrom(rows, query.aggregate.fn === 'compare' ? 2 : query.groupBy.length);
}

/** Typed values for one tenant (TenantTraceReader.listTypedValues). */
export async function listTypedValues(engine: SqlEngine, db: string, tenant: TenantId, query: TypedValuesQuery): Promise<TypedValueRow[]> {
  if (query.endNano < query.startNano) return [];
  const { sql, params } = typedValuesSql(db, query);
  const rows = await engine.query<{ value: string; type: string }>(sql, { ...params, tenant });
  return rows.map((row) => ({ value: row.value, type: row.type }));
}
