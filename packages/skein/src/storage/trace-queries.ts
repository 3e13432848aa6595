import { arrayHasSql } from './array-sql.js';
import { SPAN_ROW_COLUMNS } from './stored-span-rows.js';

/**
 * The store's reviewed SQL (schema v3). Table names are the validated, quoted database plus a
 * fixed table name; every value arrives through a `{name:Type}` placeholder. The statements use
 * only what ClickHouse 18.16 understands (no CTEs, no JOIN ON, explicit join strictness), so one
 * text runs on every engine.
 *
 * Every statement reads one tenant's rows: the first condition of every WHERE, subqueries
 * included, is {@link TENANT} (bound from the TenantTraceReader that runs it), and it is the first
 * column of every table's sort key, so it also selects the primary-key range.
 *
 * Two more fragments recur:
 * - a time window is given both as minute buckets (the primary key's second column, so the
 *   engine reads only those ranges) and as exact nanoseconds;
 * - a trace's rows are found through `trace_index`: its (service, minute) pairs select exactly the
 *   primary-key ranges of `trace_spans` that hold the trace, never a scan.
 */

/** The first condition of every WHERE here (ARCHITECTURE decision 10). */
export const TENANT = 'tenant = {tenant:String}';

export const WINDOW = `bucket >= {startBucket:UInt32} AND bucket <= {endBucket:UInt32}
    AND start_ns >= {startNs:UInt64} AND start_ns <= {endNs:UInt64}`;

/** Search semantics of a duration: a wrapped negative one (end before start, see span-rows.ts) is 0. */
export const DURATION = 'if(duration_ns < 9223372036854775808, duration_ns, 0)';

/** The primary-key ranges of `trace_spans` holding the traces `traceIdsSql` selects. */
export function traceRanges(db: string, traceIdsSql: string): string {
  return `(service_name, bucket) IN (SELECT service_name, bucket FROM ${db}.trace_index_v12 WHERE ${TENANT} AND trace_id IN ${traceIdsSql})
    AND trace_id IN ${traceIdsSql}`;
}

/** A trace's spans, one row per span ID (a retried batch may have stored copies). */
export function getTraceSql(db: string): string {
  return `SELECT ${SPAN_ROW_COLUMNS}
FROM ${db}.trace_spans_v3
WHERE ${TENANT} AND ${traceRanges(db, '({traceId:String})')}
ORDER BY start_ns, span_id
LIMIT 1 BY span_id`;
}

/**
 * One page of a trace's spans (TraceStore.readTrace): the next `limit` span IDs in getTrace's
 * order, one row per span ID within the page. `after` is the (start, span ID) key of the previous
 * page's last row; without it, the first page. The key is spelt out as OR/AND rather than a tuple
 * comparison so that the same text runs on 18.16. `bucket >= afterBucket` (the primary key's
 * second column) lets the engine skip the trace's earlier minutes entirely. A span ID whose first
 * copy was on an earlier page can reappear here only if a copy starts later; the store drops it.
 */
export function traceSpanPageSql(db: string, after: boolean): string {
  const keyset = after
    ? `
  AND bucket >= {afterBucket:UInt32}
  AND (start_ns > {afterStart:UInt64} OR (start_ns = {afterStart:UInt64} AND span_id > {afterSpanId:String}))`
    : '';
  return `SELECT ${SPAN_ROW_COLUMNS}
FROM ${db}.trace_spans_v3
WHERE ${TENANT} AND ${traceRanges(db, '({traceId:String})')}${keyset}
ORDER BY start_ns, span_id
LIMIT 1 BY span_id
LIMIT {limit:UInt32}`;
}

/**
 * A trace's narrow columns for the outline (TraceStore.readTraceOutline): one row of parallel
 * arrays, read as RowBinary (trace-outline-columns.ts decodes it). One row of arrays in binary
 * instead of a JSON row per span: at 1M spans the JSON text cost ~1.5 CPU-s to format and parse,
 * the sort for `LIMIT 1 BY` another ~1.3 CPU-s (chDB, measured), so copies of a span are
 * dropped in JS instead. IDs as 8 raw bytes (validated hex on ingest); services as a dictionary
 * (`indexOf` over the few distinct names of a trace).
 */
export function traceOutlineSql(db: string): string {
  return `SELECT
  count() AS span_count,
  groupArray(toFixedString(unhex(span_id), 8)) AS span_ids,
  groupArray(toFixedString(unhex(parent_span_id), 8)) AS parent_span_ids,
  groupArray(toUInt32(intDiv(start_ns, 1000000000))) AS start_seconds,
  groupArray(toUInt32(start_ns % 1000000000)) AS start_nanos,
  groupArray(toFloat64(${DURATION})) AS durations,
  groupArray(status_code) AS status_codes,
  groupUniqArray(toString(service_name)) AS services,
  arrayMap(s -> toUInt16(indexOf(services, s) - 1), groupArray(toString(service_name))) AS service_index,
  groupArray(toString(name)) AS names
FROM ${db}.trace_spans_v3
WHERE ${TENANT} AND ${traceRanges(db, '({traceId:String})')}`;
}

/** Stored resources by hash (deduplicated: merges of the ReplacingMergeTree happen whenever). */
export function resourcesByHashSql(db: string): string {
  return `SELECT resource_hash, attr_keys, attr_types, attr_values, dropped_attributes_count, schema_url
FROM ${db}.resources_v3
WHERE ${TENANT} AND resource_hash IN (SELECT arrayJoin({hashes:Array(String)}))
LIMIT 1 BY resource_hash`;
}

export function scopesByHashSql(db: string): string {
  return `SELECT scope_hash, name, version, attr_keys, attr_types, attr_values, dropped_attributes_count, schema_url
FROM ${db}.scopes_v3
WHERE ${TENANT} AND scope_hash IN (SELECT arrayJoin({hashes:Array(String)}))
LIMIT 1 BY scope_hash`;
}

/**
 * Spans in the window whose links name the trace (`"traceId":"<hex>"` in their OTLP JSON links
 * text, span-rows.ts), other traces only, one row per span ID. `position` on the raw text: every
 * engine has it, and only the rare spans with links carry any text there.
 */
export function incomingLinksSql(db: string): string {
  return `SELECT trace_id, span_id, any(service_name) AS service, any(name) AS span_name, any(links) AS links_text, min(start_ns) AS first_start
FROM ${db}.trace_spans_v3
WHERE ${TENANT} AND ${WINDOW}
  AND links != '' AND position(links, {needle:String}) > 0 AND trace_id != {traceId:String}
GROUP BY trace_id, span_id
ORDER BY first_start, trace_id, span_id
LIMIT {limit:UInt32}`;
}

export interface IncomingLinkRow {
  trace_id: string;
  span_id: string;
  service: string;
  span_name: string;
  links_text: string;
}

export function listServicesSql(db: string): string {
  return `SELECT service_name FROM ${db}.operations_v3 WHERE ${TENANT} GROUP BY service_name ORDER BY service_name`;
}

export function listOperationsSql(db: string): string {
  return `SELECT name, kind FROM ${db}.operations_v3 WHERE ${TENANT} AND service_name = {serviceName:String} GROUP BY name, kind ORDER BY name, kind`;
}

/**
 * Caller → callee edges. Children: spans with a parent that start in the window (minute ranges,
 * deduplicated). Parents: the spans of the children's traces, wherever in time they started: in
 * the minutes trace_index lists for those traces (of every service: a (service, minute) tuple set
 * measured 2.6× slower here). Joined on (trace, span ID = parent span ID) with USING, the join form
 * every engine supports; ALL strictness because a parent has many children, and each side is
 * already one row per span.
 */
export function dependenciesSql(db: string): string {
  const childTraces = `(SELECT trace_id FROM ${db}.trace_spans_v3 WHERE ${TENANT} AND ${WINDOW} AND parent_span_id != '')`;
  return `SELECT
  parent_service,
  child_service,
  toUInt32(count()) AS call_count,
  toUInt32(countIf(child_status = 2)) AS error_count
FROM (
  SELECT trace_id, any(parent_span_id) AS join_span_id, any(service_name) AS child_service, any(status_code) AS child_status
  FROM ${db}.trace_spans_v3
  WHERE ${TENANT} AND ${WINDOW} AND parent_span_id != ''
  GROUP BY trace_id, span_id
) AS children
ALL INNER JOIN (
  SELECT trace_id, span_id AS join_span_id, any(service_name) AS parent_service
  FROM ${db}.trace_spans_v3
  WHERE ${TENANT} AND bucket IN (SELECT bucket FROM ${db}.trace_index_v12 WHERE ${TENANT} AND trace_id IN ${childTraces})
    AND trace_id IN ${childTraces}
  GROUP BY trace_id, span_id
) AS parents USING (trace_id, join_span_id)
WHERE parent_service != child_service
GROUP BY parent_service, child_service
ORDER BY parent_service, child_service`;
}

export interface DependencyRow {
  parent_service: string;
  child_service: string;
  call_count: number;
  error_count: number;
}

/**
 * Rows an autocompletion query looks at, at most: the newest-first order would cost a sort of the
 * whole window, so it takes the first `sample` spans the engine reads in the window. Counts are
 * exact when the window holds fewer spans, a sample otherwise.
 */
function sampledSpans(db: string, columns: string, serviceName: boolean, extra = ''): string {
  return `(SELECT ${columns} FROM ${db}.trace_spans_v3
    WHERE ${TENANT} AND ${WINDOW}${serviceName ? ' AND service_name = {serviceName:String}' : ''}${extra}
    LIMIT {sample:UInt32})`;
}

/** Spans per resource hash in the sample, joined to each resource's (deduplicated) attributes. */
function resourceSide(db: string, serviceName: boolean, resourceColumns: string, extra = ''): string {
  return `(
    SELECT resource_hash, count() AS spans FROM ${sampledSpans(db, 'resource_hash', serviceName)} GROUP BY resource_hash
  ) AS sampled ALL INNER JOIN (
    SELECT resource_hash, ${resourceColumns}
    FROM (SELECT resource_hash, attr_keys, attr_values FROM ${db}.resources_v3 WHERE ${TENANT}${extra} LIMIT 1 BY resource_hash)
  ) AS stored USING resource_hash`;
}

/** String renderings of one attribute's values (span and resource side), most frequent first. */
export function attributeValuesSql(db: string, serviceName: boolean): string {
  const values = 'arrayJoin(arrayFilter((v, k) -> k = {key:String}, attr_values, attr_keys)) AS value';
  return `SELECT value, toUInt64(sum(spans)) AS count
FROM (
  SELECT ${values}, toUInt64(1) AS spans
  FROM ${sampledSpans(db, 'attr_keys, attr_values', serviceName, ` AND ${arrayHasSql('attr_keys', '{key:String}')}`)}
  UNION ALL
  SELECT value, toUInt64(spans) AS spans
  FROM ${resourceSide(db, serviceName, values, ` AND ${arrayHasSql('attr_keys', '{key:String}')}`)}
)
GROUP BY value
ORDER BY count DESC, value
LIMIT {limit:UInt32}`;
}

export interface AttributeValueRow {
  value: string;
  count: string | number;
}

/** The latest stored probability per (service, operation): rows are replaced only at merges. */
export function samplingProbabilitiesSql(db: string): string {
  return `SELECT service_name, operation, argMax(probability, computed_ms) AS p, toString(max(computed_ms)) AS computed_text
FROM ${db}.sampling_probabilities
WHERE ${TENANT}
GROUP BY service_name, operation
ORDER BY service_name, operation`;
}

/**
 * The spans of several traces (TraceQL search reads its candidates in batches), one row per
 * (trace, span ID), grouped by trace and in getTrace's order within each. Without
 * `eventsAndLinks` the two widest optional columns are not read (spans come back without events
 * and links): a query that tests neither needs only the rest.
 */
export function tracesSpansSql(db: string, eventsAndLinks: boolean): string {
  const columns = eventsAndLinks
    ? SPAN_ROW_COLUMNS
    : SPAN_ROW_COLUMNS.replace(/\bevents,/, "'' AS events,").replace(/\blinks,/, "'' AS links,");
  return `SELECT ${columns}
FROM ${db}.trace_spans_v3
WHERE ${TENANT} AND ${traceRanges(db, '(SELECT arrayJoin({traceIds:Array(String)}))')}
ORDER BY trace_id, start_ns, span_id
LIMIT 1 BY trace_id, span_id`;
}
