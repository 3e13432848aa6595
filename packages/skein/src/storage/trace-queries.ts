import { SPAN_ROW_COLUMNS } from './span-rows.js';

/**
 * The store's reviewed SQL. Table names are the validated, quoted database plus a fixed table
 * name; every value arrives through a `{name:Type}` placeholder. The statements use only what
 * ClickHouse 18.16 understands (no CTEs, no JOIN ON, explicit join strictness), so one text runs
 * on every engine.
 */

/** A trace's spans, one row per span ID (a retried batch may have stored copies). */
export function getTraceSql(db: string): string {
  return `SELECT ${SPAN_ROW_COLUMNS}
FROM ${db}.spans
WHERE trace_id = {traceId:String}
ORDER BY start_ns, span_id
LIMIT 1 BY span_id`;
}

export interface SearchConditions {
  serviceName: boolean;
  spanName: boolean;
  attributeCount: number;
  minDuration: boolean;
  maxDuration: boolean;
  errorsOnly: boolean;
}

/**
 * Search in one statement.
 * 1. Innermost: trace IDs with at least one span in `span_search` meeting every condition at once,
 *    newest first by their earliest matching span, ties by trace ID, `limit` of them. A primary-key
 *    range when the service is given; partitions outside the window are skipped either way.
 * 2. Their spans from `spans` (primary-key reads by trace ID), deduplicated by span ID.
 * 3. Per (trace, service): counts, time bounds, root candidates. Root candidates are compared by
 *    (start, span ID) so the choice is deterministic when spans start at the same nanosecond.
 * 4. Per trace: the summary; the root is the earliest parentless span, else the earliest span.
 */
export function searchTracesSql(db: string, c: SearchConditions): string {
  const where = ['start_ns >= {startNs:UInt64}', 'start_ns <= {endNs:UInt64}'];
  if (c.serviceName) where.push('service_name = {serviceName:String}');
  if (c.spanName) where.push('name = {spanName:String}');
  for (let i = 0; i < c.attributeCount; i++) where.push(`has(attr_kv, {attr${i}:String})`);
  if (c.minDuration) where.push('duration_ns >= {minDurationNs:UInt64}');
  if (c.maxDuration) where.push('duration_ns <= {maxDurationNs:UInt64}');
  if (c.errorsOnly) where.push('status_code = 2');
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
      any(end_ns) AS s_end,
      any(status_code) AS s_status
    FROM ${db}.spans
    WHERE trace_id IN (
      SELECT trace_id
      FROM ${db}.span_search
      WHERE ${where.join('\n        AND ')}
      GROUP BY trace_id
      ORDER BY min(start_ns) DESC, trace_id
      LIMIT {limit:UInt32}
    )
    GROUP BY trace_id, span_id
  )
  GROUP BY trace_id, svc
)
GROUP BY trace_id
ORDER BY min(svc_start) DESC, trace_id`;
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

export function listServicesSql(db: string): string {
  return `SELECT service_name FROM ${db}.operations GROUP BY service_name ORDER BY service_name`;
}

export function listOperationsSql(db: string): string {
  return `SELECT name, kind FROM ${db}.operations WHERE service_name = {serviceName:String} GROUP BY name, kind ORDER BY name, kind`;
}

/**
 * Caller → callee edges. Children: spans with a parent that start in the window (from
 * `span_search`, pruned by partition and deduplicated). Parents: looked up in `spans` by the
 * children's trace IDs (primary key), wherever in time they started. Joined on (trace, span ID =
 * parent span ID) with USING, the join form every engine supports; ALL strictness because a
 * parent has many children, and each side is already one row per span.
 */
export function dependenciesSql(db: string): string {
  return `SELECT
  parent_service,
  child_service,
  toUInt32(count()) AS call_count,
  toUInt32(countIf(child_status = 2)) AS error_count
FROM (
  SELECT trace_id, any(parent_span_id) AS join_span_id, any(service_name) AS child_service, any(status_code) AS child_status
  FROM ${db}.span_search
  WHERE start_ns >= {startNs:UInt64} AND start_ns <= {endNs:UInt64} AND parent_span_id != ''
  GROUP BY trace_id, span_id
) AS children
ALL INNER JOIN (
  SELECT trace_id, span_id AS join_span_id, any(service_name) AS parent_service
  FROM ${db}.spans
  WHERE trace_id IN (
    SELECT trace_id FROM ${db}.span_search
    WHERE start_ns >= {startNs:UInt64} AND start_ns <= {endNs:UInt64} AND parent_span_id != ''
  )
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
