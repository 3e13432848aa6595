import { skewCorrectedExtent, type SkewSpan } from '../model/clock-skew.js';
import { SpanKind } from '../model/span.js';
import type { TenantId } from '../model/tenant.js';
import { clampUInt64, windowParams } from './clickhouse-analysis-reader.js';
import type { SqlParams } from './sql-binding.js';
import type { SqlEngine } from './sql-engine.js';
import type { ResourceRow } from './span-rows.js';
import { searchTraceIdsSql, type SearchRow, type SkeletonRow } from './trace-queries.js';
import type { TraceCondition } from './traceql-condition.js';
import { prefilterSql } from './traceql-prefilter.js';
import { StorageError, type CandidateQuery, type ServiceSpanCount, type TraceSearchQuery, type TraceSummary } from './trace-store.js';

const MAX_SEARCH_LIMIT = 10000;
const MAX_CANDIDATES = 100_000;
/**
 * Spans of one search result read to correct its clock skew, at most; and of all results of one
 * search together. A bigger trace keeps its raw times (`skewCorrected: false`), so a search of
 * huge traces costs what it cost before (~40 B per span row read).
 */
export const MAX_SKEW_TRACE_SPANS = 10_000;
const MAX_SKEW_SEARCH_SPANS = 200_000;

/** The search statements rendered once per store. */
export interface SearchStatements {
  /** The quoted database. */
  db: string;
  summaries: string;
  skeletons: string;
}

/** Resource rows by hash, through the reader's cache. */
export type ResourceRowsOf = (hashes: readonly string[]) => Promise<Map<string, ResourceRow>>;

/**
 * Trace search (TraceSearchQuery): the matching trace IDs, then their summaries read by primary
 * key, with clock skew corrected for the traces small enough. `resourceRowsOf` is the reader's
 * resource cache (host names are the clocks skew is corrected between).
 */
export async function searchTraces(
  engine: SqlEngine,
  sql: SearchStatements,
  tenant: TenantId,
  query: TraceSearchQuery,
  resourceRowsOf: ResourceRowsOf,
): Promise<TraceSummary[]> {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_SEARCH_LIMIT) {
    throw new StorageError('rejected', `search limit must be an integer in 1..${MAX_SEARCH_LIMIT}, got ${query.limit}`);
  }
  if (query.endTimeUnixNano < query.startTimeUnixNano) return [];
  const params: Record<string, unknown> = {
    tenant,
    ...windowParams(query.startTimeUnixNano, query.endTimeUnixNano),
    limit: query.limit,
  };
  if (query.serviceName !== undefined) params['serviceName'] = query.serviceName;
  if (query.spanName !== undefined) params['spanName'] = query.spanName;
  query.attributes.forEach((filter, i) => {
    params[`attrKey${i}`] = filter.key;
    params[`attrValue${i}`] = filter.value;
  });
  const terms = query.keysOrEventNames ?? [];
  terms.forEach((term, i) => {
    params[`term${i}`] = term;
    params[`termJson${i}`] = `"name":${JSON.stringify(term)}`;
  });
  if (query.minDurationNano !== undefined) params['minDurationNs'] = clampUInt64(query.minDurationNano);
  if (query.maxDurationNano !== undefined) {
    if (query.maxDurationNano < 0n) return [];
    params['maxDurationNs'] = clampUInt64(query.maxDurationNano);
  }
  const idsSql = searchTraceIdsSql(sql.db, {
    serviceName: query.serviceName !== undefined,
    spanName: query.spanName !== undefined,
    attributeCount: query.attributes.length,
    keyOrEventCount: terms.length,
    minDuration: query.minDurationNano !== undefined,
    maxDuration: query.maxDurationNano !== undefined,
    errorsOnly: query.errorsOnly,
  });
  // Two statements: the matching IDs are few (≤ limit), and sending them back bound reads the
  // traces by primary key; one statement would have to evaluate the search twice on 18.16.
  const traceIds = (await engine.query<{ trace_id: string }>(idsSql, params as SqlParams)).map((r) => r.trace_id);
  if (traceIds.length === 0) return [];
  const rows = await engine.query<SearchRow>(sql.summaries, { tenant, traceIds });
  return correctClockSkew(engine, sql, tenant, rows.map(summaryFromRow), resourceRowsOf);
}

/**
 * Summaries with the trace page's clock-skew correction applied to start and duration
 * (model/clock-skew.ts), for the traces small enough; the rest keep raw times and say so.
 * Re-sorted newest first by the corrected start (the adjuster moves only non-root spans, so this
 * changes the order only when a skewed span started before its root).
 */
async function correctClockSkew(
  engine: SqlEngine,
  sql: SearchStatements,
  tenant: TenantId,
  summaries: TraceSummary[],
  resourceRowsOf: ResourceRowsOf,
): Promise<TraceSummary[]> {
  const chosen: string[] = [];
  let budget = MAX_SKEW_SEARCH_SPANS;
  for (const summary of summaries) {
    if (summary.spanCount <= MAX_SKEW_TRACE_SPANS && summary.spanCount <= budget) {
      chosen.push(summary.traceId);
      budget -= summary.spanCount;
    }
  }
  if (chosen.length === 0) return summaries;
  const rows = await engine.query<SkeletonRow>(sql.skeletons, { tenant, traceIds: chosen });
  const resources = await resourceRowsOf([...new Set(rows.map((r) => r.resource))]);
  const perTrace = new Map<string, SkewSpan[]>();
  for (const row of rows) {
    const span: SkewSpan = {
      spanId: row.span_id,
      parentSpanId: row.parent,
      startNano: BigInt(row.start_text),
      durationNano: BigInt(row.duration_text),
      kind: Number(row.kind) === SpanKind.CLIENT ? 'CLIENT' : Number(row.kind) === SpanKind.SERVER ? 'SERVER' : 'OTHER',
      hostKey: hostKeyOf(resources.get(row.resource), row.service),
    };
    const list = perTrace.get(row.trace_id);
    if (list === undefined) perTrace.set(row.trace_id, [span]);
    else list.push(span);
  }
  const corrected = summaries.map((summary): TraceSummary => {
    const spans = perTrace.get(summary.traceId);
    if (spans === undefined) return summary;
    const extent = skewCorrectedExtent(spans);
    return { ...summary, startTimeUnixNano: extent.startNano, durationNano: extent.durationNano, skewCorrected: true };
  });
  return corrected.sort((a, b) =>
    a.startTimeUnixNano !== b.startTimeUnixNano
      ? a.startTimeUnixNano > b.startTimeUnixNano
        ? -1
        : 1
      : a.traceId < b.traceId
        ? -1
        : a.traceId > b.traceId
          ? 1
          : 0,
  );
}

/** Trace IDs that may match a TraceQL condition (its SQL prefilter); the evaluator decides on their spans. */
export async function traceQLCandidates(
  engine: SqlEngine,
  db: string,
  tenant: TenantId,
  condition: TraceCondition,
  query: CandidateQuery,
): Promise<string[]> {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_CANDIDATES) {
    throw new StorageError('rejected', `candidate limit must be an integer in 1..${MAX_CANDIDATES}, got ${query.limit}`);
  }
  if (query.endTimeUnixNano < query.startTimeUnixNano) return [];
  const { sql, params } = prefilterSql(db, condition);
  const rows = await engine.query<{ trace_id: string }>(sql, {
    ...params,
    tenant,
    ...windowParams(query.startTimeUnixNano, query.endTimeUnixNano),
    limit: query.limit,
  });
  return rows.map((r) => r.trace_id);
}

/** The clock a span was timed by, as the UI's hostKey names it: host, else instance, else service. */
function hostKeyOf(resource: ResourceRow | undefined, serviceName: string): string {
  const value = (key: string): string | undefined => {
    const index = resource?.attr_keys.indexOf(key) ?? -1;
    const found = index < 0 ? undefined : resource?.attr_values[index];
    return found === undefined || found === '' ? undefined : found;
  };
  const host = value('host.name');
  if (host !== undefined) return `host:${host}`;
  const instance = value('service.instance.id');
  if (instance !== undefined) return `instance:${instance}`;
  return `service:${serviceName}`;
}

function summaryFromRow(row: SearchRow): TraceSummary {
  const services: ServiceSpanCount[] = row.services.map((serviceName, i) => ({
    serviceName,
    spanCount: Number(row.service_spans[i] ?? 0),
  }));
  // Byte order for names, as the engine sorts strings, so every list Skein returns agrees.
  services.sort((a, b) => b.spanCount - a.spanCount || Buffer.compare(Buffer.from(a.serviceName), Buffer.from(b.serviceName)));
  return {
    traceId: row.trace_id,
    rootServiceName: row.root_service,
    rootSpanName: row.root_name,
    rootSpanMissing: Number(row.has_root) === 0,
    startTimeUnixNano: BigInt(row.start_text),
    durationNano: BigInt(row.duration_text),
    spanCount: Number(row.span_count),
    errorCount: Number(row.error_count),
    services,
    skewCorrected: false,
  };
}
