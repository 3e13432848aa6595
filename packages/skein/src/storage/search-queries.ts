import { arrayHasSql } from './array-sql.js';
import { TENANT, WINDOW, DURATION, traceRanges } from './trace-queries.js';

/**
 * The search's reviewed SQL (see trace-queries.ts for the conventions every statement follows):
 * the trace IDs a search finds, their summaries, and the narrow span read the summaries come from.
 */

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
