import { skewCorrectedExtent } from '../model/clock-skew.js';
import type { TenantId } from '../model/tenant.js';
import { clampUInt64, windowParams } from './window-params.js';
import type { SqlParams } from './sql-binding.js';
import type { SqlEngine } from './sql-engine.js';
import type { ResourceRow } from './stored-span-rows.js';
import { searchInSlices, type SliceMatch } from './search-slices.js';
import { MAX_SET_HASHES, type ResourceSetCache } from './resource-sets.js';
import { matchingResourcesSql, searchTraceIdsSql, type ResourceSide, type SearchRow } from './search-queries.js';
import { decodeSkeletonRows, sortServices, summariseSpanRows } from './trace-summary-rows.js';
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
 * Trace search (TraceSearchQuery): the matching trace IDs, newest first in slices of the window
 * (search-slices.ts), then their summaries read by primary key, with clock skew corrected for the
 * traces small enough. `resourceRowsOf` is the reader's
 * resource cache (host names are the clocks skew is corrected between); `resourceSets`, where
 * the store has one, turns conditions' resource sides into literal sets (resource-sets.ts).
 */
export async function searchTraces(
  engine: SqlEngine,
  sql: SearchStatements,
  tenant: TenantId,
  query: TraceSearchQuery,
  resourceRowsOf: ResourceRowsOf,
  resourceSets?: ResourceSetCache,
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
  /** A condition's resource side, with its set bound as `setName` when it is one. */
  const sideOf = async (
    condition: 'attribute' | 'keyOrEventName',
    conditionParams: Record<string, string>,
    setName: string,
  ): Promise<ResourceSide> => {
    if (resourceSets === undefined) return 'subquery';
    const key = JSON.stringify([condition, ...Object.values(conditionParams)]);
    const hashes = await resourceSets.hashes(tenant, key, async () =>
      (
        await engine.query<{ resource_hash: string }>(matchingResourcesSql(sql.db, condition), {
          tenant,
          ...conditionParams,
          limit: MAX_SET_HASHES + 1,
        })
      ).map((row) => row.resource_hash),
    );
    if (hashes === undefined) return 'subquery';
    if (hashes.length === 0) return 'none';
    params[setName] = [...hashes];
    return 'set';
  };
  const attributeSides = await Promise.all(
    query.attributes.map((filter, i) => sideOf('attribute', { attrKey0: filter.key, attrValue0: filter.value }, `attrResources${i}`)),
  );
  const termSides = await Promise.all(terms.map((term, i) => sideOf('keyOrEventName', { term0: term }, `termResources${i}`)));
  const idsSql = searchTraceIdsSql(sql.db, {
    serviceName: query.serviceName !== undefined,
    spanName: query.spanName !== undefined,
    attributes: attributeSides,
    keysOrEventNames: termSides,
    minDuration: query.minDurationNano !== undefined,
    maxDuration: query.maxDurationNano !== undefined,
    errorsOnly: query.errorsOnly,
  });
  // Trace IDs first, then their spans bound by ID: the matching IDs are few (≤ limit), and sending
  // them back reads the traces by primary key; one statement would evaluate the search twice on 18.16.
  const matches = async (fromNano: bigint, toNano: bigint, limit: number): Promise<SliceMatch[]> =>
    (
      await engine.query<{ trace_id: string; first_match: string }>(idsSql, {
        ...params,
        ...windowParams(fromNano, toNano),
        limit,
      } as SqlParams)
    ).map((row) => ({ traceId: row.trace_id, firstMatchNano: BigInt(row.first_match) }));
  return searchInSlices(query.startTimeUnixNano, query.endTimeUnixNano, query.limit, matches, (traceIds, notBefore) =>
    summariseTraces(engine, sql, tenant, traceIds, resourceRowsOf, notBefore),
  );
}

/**
 * Summaries of the found traces, newest first, with the trace page's clock-skew correction
 * (model/clock-skew.ts) applied to start and duration of the traces small enough; the rest keep
 * raw times and say so. One read of their spans' narrow columns serves both (trace-summary-rows.ts);
 * a trace with more spans than a share of the search's span budget is summarised in the engine
 * and its spans read again only if the budget lets it be corrected (as before that read was merged).
 */
async function summariseTraces(
  engine: SqlEngine,
  sql: SearchStatements,
  tenant: TenantId,
  traceIds: readonly string[],
  resourceRowsOf: ResourceRowsOf,
  notBefore: bigint | undefined,
): Promise<TraceSummary[] | undefined> {
  const perTrace = Math.max(1, Math.min(MAX_SKEW_TRACE_SPANS, Math.floor(MAX_SKEW_SEARCH_SPANS / traceIds.length)));
  const rows = decodeSkeletonRows(await engine.queryRowBinary(sql.skeletons, { tenant, traceIds: [...traceIds], perTrace: perTrace + 1 }));
  const read = summariseSpanRows(rows);
  // Rows past the cap were cut: such a trace is summarised in the engine instead.
  const complete = new Map([...read].filter(([, trace]) => trace.rowCount <= perTrace));
  const big = traceIds.filter((id) => read.has(id) && !complete.has(id));
  const bigSummaries =
    big.length === 0 ? [] : (await engine.query<SearchRow>(sql.summaries, { tenant, traceIds: big })).map(summaryFromRow);
  const summaries = [...[...complete.values()].map((trace) => trace.summary), ...bigSummaries].sort(newestFirst);
  // A trace with a span before the slice searched may match there too (search-slices.ts).
  if (notBefore !== undefined && summaries.some((summary) => summary.startTimeUnixNano < notBefore)) return undefined;
  // Which traces are corrected: newest first while the search's span budget lasts, as before.
  const chosen = new Set<string>();
  let budget = MAX_SKEW_SEARCH_SPANS;
  for (const summary of summaries) {
    if (summary.spanCount <= MAX_SKEW_TRACE_SPANS && summary.spanCount <= budget) {
      chosen.add(summary.traceId);
      budget -= summary.spanCount;
    }
  }
  const toRead = [...chosen].filter((id) => !complete.has(id));
  if (toRead.length > 0) {
    const more = decodeSkeletonRows(
      await engine.queryRowBinary(sql.skeletons, { tenant, traceIds: toRead, perTrace: MAX_SKEW_TRACE_SPANS + 1 }),
    );
    for (const [id, trace] of summariseSpanRows(more)) if (trace.rowCount <= MAX_SKEW_TRACE_SPANS) complete.set(id, trace);
  }
  const resourceHashes = new Set<string>();
  for (const id of chosen) for (const span of complete.get(id)?.spans ?? []) resourceHashes.add(span.resource);
  const resources = await resourceRowsOf([...resourceHashes]);
  // Once per (resource, service), not per span: ~760 spans share a few dozen resources here.
  const hostKeys = new Map<string, string>();
  const hostKeyFor = (span: { resource: string; service: string }): string => {
    const key = `${span.resource}\n${span.service}`;
    let hostKey = hostKeys.get(key);
    if (hostKey === undefined) hostKeys.set(key, (hostKey = hostKeyOf(resources.get(span.resource), span.service)));
    return hostKey;
  };
  const corrected = summaries.map((summary): TraceSummary => {
    const trace = chosen.has(summary.traceId) ? complete.get(summary.traceId) : undefined;
    if (trace === undefined) return summary;
    // In place: ~760 spans per search, no copies.
    for (const span of trace.spans) span.hostKey = hostKeyFor(span);
    const extent = skewCorrectedExtent(trace.spans);
    return { ...summary, startTimeUnixNano: extent.startNano, durationNano: extent.durationNano, skewCorrected: true };
  });
  // Re-sorted by the corrected start (the adjuster moves only non-root spans, so this changes
  // the order only when a skewed span started before its root).
  return corrected.sort(newestFirst);
}

/** Newest first by start, ties by trace ID (the search's order). */
function newestFirst(a: TraceSummary, b: TraceSummary): number {
  if (a.startTimeUnixNano !== b.startTimeUnixNano) return a.startTimeUnixNano > b.startTimeUnixNano ? -1 : 1;
  return a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0;
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
  sortServices(services);
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
