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

const WINDOW = `bucket >= {startBucket:UInt32} AND bucket <= {endBucket:UInt32}
    AND start_ns >= {startNs:UInt64} AND start_ns <= {endNs:UInt64}`;

/** Search semantics of a duration: a wrapped negative one (end before start, see span-rows.ts) is 0. */
const DURATION = 'if(duration_ns < 9223372036854775808, duration_ns, 0)';

/** The primary-key ranges of `trace_spans` holding the traces `traceIdsSql` selects. */
function traceRanges(db: string, traceIdsSql: string): string {
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
 * How a search condition's resource side is written: a subquery on `resources_v3`, the matching
 * resources' hashes bound as a literal set (resource-sets.ts: where every writer is in this
 * process), or nothing when that set is empty.
 */
export type ResourceSide = 'subquery' | 'set' | 'none';

export interface SearchConditions {
  serviceName: boolean;
  spanName: boolean;
  /** One per attribute filter `{attrKeyI}` = `{attrValueI}`; a set is bound as `{attrResourcesI}`. */
  attributes: readonly ResourceSide[];
  /** One per key-or-event-name term `{termI}`; a set is bound as `{termResourcesI}`. */
  keysOrEventNames: readonly ResourceSide[];
  minDuration: boolean;
  maxDuration: boolean;
  errorsOnly: boolean;
}

const attributeMatch = (i: number): string =>
  `arrayExists((k, v) -> (k = {attrKey${i}:String}) AND (v = {attrValue${i}:String}), attr_keys, attr_values)`;
const keyMatch = (i: number): string => arrayHasSql('attr_keys', `{term${i}:String}`);

/** Resources (a tenant's) that satisfy attribute filter 0, or that have key-or-event term 0 as a key. */
export function matchingResourcesSql(db: string, condition: 'attribute' | 'keyOrEventName'): string {
  return `SELECT resource_hash FROM ${db}.resources_v3
WHERE ${TENANT} AND ${condition === 'attribute' ? attributeMatch(0) : keyMatch(0)}
GROUP BY resource_hash
LIMIT {limit:UInt32}`;
}

/** ` OR ` the row's resource satisfies `match` (a condition on `resources_v3` rows), as `side` says. */
function orResourceSide(db: string, side: ResourceSide, match: string, setName: string): string {
  if (side === 'none') return '';
  if (side === 'set') return ` OR resource_hash IN {${setName}:Set(String)}`;
  return ` OR resource_hash IN (SELECT resource_hash FROM ${db}.resources_v3 WHERE ${TENANT} AND ${match})`;
}

/**
 * Search, step 1: trace IDs with at least one span meeting every condition at once, newest first
 * by their earliest matching span, ties by trace ID, `limit` of them. A primary-key range when
 * the service is given (service, minutes), minute ranges of every service otherwise.
 *
 * Attribute filter i matches the span's own attributes or its resource's: the resource side is a
 * set of resource hashes from the small `resources` table (see {@link ResourceSide}).
 * `hasAny(attr_values, […])` first lets the engine's bloom filter index (where it has one) skip
 * granules before the exact key/value test.
 * Not `has`: on LowCardinality values (schema v16) chDB 26.7's `has`, `indexOf` and `countEqual`
 * never find the empty string (the dictionary's default); `hasAny` and `arrayExists` do.
 */
export function searchTraceIdsSql(db: string, c: SearchConditions): string {
  const where = [TENANT, WINDOW];
  if (c.serviceName) where.push('service_name = {serviceName:String}');
  if (c.spanName) where.push('name = {spanName:String}');
  c.attributes.forEach((side, i) => {
    const kv = attributeMatch(i);
    where.push(`((hasAny(attr_values, [{attrValue${i}:String}]) AND ${kv})${orResourceSide(db, side, kv, `attrResources${i}`)})`);
  });
  // An event name is found in the events' OTLP JSON text as its `"name":"…"` member.
  c.keysOrEventNames.forEach((side, i) => {
    where.push(
      `(${keyMatch(i)} OR position(events, {termJson${i}:String}) > 0${orResourceSide(db, side, keyMatch(i), `termResources${i}`)})`,
    );
  });
  if (c.minDuration) where.push(`${DURATION} >= {minDurationNs:UInt64}`);
  if (c.maxDuration) where.push(`${DURATION} <= {maxDurationNs:UInt64}`);
  if (c.errorsOnly) where.push('status_code = 2');
  return `SELECT trace_id, toString(min(start_ns)) AS first_match
FROM ${db}.trace_spans_v3
WHERE ${where.join('\n  AND ')}
GROUP BY trace_id
ORDER BY min(start_ns) DESC, trace_id
LIMIT {limit:UInt32}`;
}

/**
 * Search, step 2 for traces too big for {@link traceSkeletonsSql}: summaries over all their stored spans.
 * 1. Their spans (through trace_index), deduplicated by span ID.
 * 2. Per (trace, service): counts, time bounds, root candidates. Root candidates are compared by
 *    (start, span ID) so the choice is deterministic when spans start at the same nanosecond.
 * 3. Per trace: the summary; the root is the earliest parentless span, else the earliest span.
 */
export function traceSummariesSql(db: string): string {
  return `SELECT
  trace_id,
  toString(min(svc_start)) AS start_text,
  toString(if(max(svc_end) > min(svc_start), max(svc_end) - min(svc_start), 0)) AS duration_text,
  toUInt32(sum(svc_spans)) AS span_count,
  toUInt32(sum(svc_errors)) AS error_count,
  toUInt8(sum(svc_roots) > 0) AS has_root,
  if(has_root = 1, argMinIf(svc, svc_root_key, svc_roots > 0), argMin(svc, svc_first_key)) AS root_service,
  if(has_root = 1, argMinIf(svc_root_name, svc_root_key, svc_roots > 0), argMin(svc_first_name, svc_first_key)) AS root_name,
  groupArray(svc) AS services,
  groupArray(toUInt32(svc_spans)) AS service_spans
FROM (
  SELECT
    trace_id,
    s_service AS svc,
    count() AS svc_spans,
    min(s_start) AS svc_start,
    max(s_end) AS svc_end,
    countIf(s_status = 2) AS svc_errors,
    countIf(s_parent = '') AS svc_roots,
    minIf((s_start, span_id), s_parent = '') AS svc_root_key,
    argMinIf(s_name, (s_start, span_id), s_parent = '') AS svc_root_name,
    min((s_start, span_id)) AS svc_first_key,
    argMin(s_name, (s_start, span_id)) AS svc_first_name
  FROM (
    SELECT
      trace_id,
      span_id,
      any(service_name) AS s_service,
      any(parent_span_id) AS s_parent,
      any(name) AS s_name,
      any(start_ns) AS s_start,
      any(start_ns + duration_ns) AS s_end,
      any(status_code) AS s_status
    FROM ${db}.trace_spans_v3
    WHERE ${TENANT} AND ${traceRanges(db, '{traceIds:Set(String)}')}
    GROUP BY trace_id, span_id
  )
  GROUP BY trace_id, svc
)
GROUP BY trace_id
ORDER BY min(svc_start) DESC, trace_id`;
}

/**
 * Search, step 2: every stored span of the given traces, narrow columns only: the summaries are
 * computed from these rows in JS (trace-summary-rows.ts), and the clock-skew adjuster reads the
 * same rows with each span's resource (for the host). One read of the traces instead of a summary
 * read and then a skeleton read (issue 19 item 3). At most `perTrace` rows of each trace come
 * back: a trace with more is summarised by {@link traceSummariesSql} instead, in the engine, and
 * keeps its raw times unless small enough. Copies of a span (a retried batch) come back as they
 * are stored and are dropped in JS: `GROUP BY trace_id, span_id` cost 1.7 ms of the read's ~18 ms. The trace
 * IDs are a literal set (not `SELECT arrayJoin(…)`): two subquery sets fewer to plan and build,
 * 25.8 → 22.4 ms p50 for a search's 20 traces at 10M spans (BENCHMARKS.md, issue 19 item 3).
 * Read as RowBinary (`decodeSkeletonRows`): every column cast to the type the decoder reads, so
 * that every engine sends the same bytes (LowCardinality as String, UInt8, UInt64).
 */
export function traceSkeletonsSql(db: string): string {
  return `SELECT
  trace_id,
  span_id,
  parent_span_id,
  toString(name),
  toUInt8(status_code),
  toUInt64(start_ns),
  toUInt64(${DURATION}),
  toUInt64(start_ns + duration_ns),
  toUInt8(kind),
  toString(service_name),
  resource_hash
FROM ${db}.trace_spans_v3
WHERE ${TENANT} AND ${traceRanges(db, '{traceIds:Set(String)}')}
LIMIT {perTrace:UInt32} BY trace_id`;
}

export interface SearchRow {
  trace_id: string;
  start_text: string;
  duration_text: string;
  span_count: number;
  error_count: number;
  has_root: number;
  root_service: string;
  root_name: string;
  services: string[];
  service_spans: number[];
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
