import { BUCKET_NANO } from './span-rows.js';
import { filterSql, SpanConditionError, SqlBuilder } from './span-conditions.js';
import type { TenantId } from '../model/tenant.js';
import type { SqlEngine } from './sql-engine.js';
import type { OperationTraceGroups, OperationTraceGroupsQuery, TraceShape, TraceShapeQuery } from './span-analysis-types.js';
import { TENANT } from './trace-queries.js';

/**
 * Trace-level questions in the engine: traces by span count, depth, set of services, and "has a
 * span like A but none like B" (one GROUP BY trace over the window's spans, conditions in HAVING);
 * and the traces of an operation split into slow and fast (two hash samples of trace IDs).
 *
 * Every count is over the trace's spans that start in the window. Depth needs the parent chain,
 * which 18.16 cannot follow in SQL (no recursive queries): it is computed from the candidates'
 * (span, parent) pairs, two short columns, for at most {@link MAX_DEPTH_CANDIDATES} traces.
 */

/** Traces whose depth is computed, at most, when a depth bound is asked. */
export const MAX_DEPTH_CANDIDATES = 5_000;

function windowSql(b: SqlBuilder, fromNano: bigint, toNano: bigint): string {
  const from = fromNano < 0n ? 0n : fromNano;
  const to = toNano < 0n ? 0n : toNano;
  return `${TENANT} AND bucket >= ${b.bind('UInt64', from / BUCKET_NANO)} AND bucket <= ${b.bind('UInt64', to / BUCKET_NANO)}
    AND start_ns >= ${b.bind('UInt64', from)} AND start_ns < ${b.bind('UInt64', to)}`;
}

interface ShapeRow {
  trace_id: string;
  spans: number | string;
  errors: number | string;
  services: string[];
  first_ns: string;
  last_ns: string;
  root_service: string;
  root_name: string;
}

export async function findTraceShapes(engine: SqlEngine, db: string, tenant: TenantId, query: TraceShapeQuery): Promise<TraceShape[]> {
  if (query.toNano <= query.fromNano) return [];
  const b = new SqlBuilder(db);
  const having: string[] = [];
  if (query.minSpans !== undefined) having.push(`spans >= ${b.bind('UInt64', query.minSpans)}`);
  if (query.maxSpans !== undefined) having.push(`spans <= ${b.bind('UInt64', query.maxSpans)}`);
  if (query.services.length > 0) having.push(`hasAll(services, ${b.bind('Array(String)', [...query.services])})`);
  const extra: string[] = [];
  if (query.has !== undefined) {
    extra.push(`countIf(${filterSql(b, query.has)}) AS has_n`);
    having.push('has_n > 0');
  }
  if (query.hasNot !== undefined) {
    extra.push(`countIf(${filterSql(b, query.hasNot)}) AS has_not_n`);
    having.push('has_not_n = 0');
  }
  const depthAsked = query.minDepth !== undefined || query.maxDepth !== undefined;
  const candidates = depthAsked ? MAX_DEPTH_CANDIDATES : query.limit;
  // Roots first (no parent), then the earliest span, as search summaries pick them.
  const rootOrder = `(parent_span_id != '', start_ns, span_id)`;
  const sql = `SELECT trace_id, count() AS spans, countIf(status_code = 2) AS errors,
  arraySort(groupUniqArray(toString(service_name))) AS services,
  toString(min(start_ns)) AS first_ns, toString(max(start_ns + duration_ns)) AS last_ns,
  argMin(toString(service_name), ${rootOrder}) AS root_service, argMin(toString(name), ${rootOrder}) AS root_name${extra.map((e) => `,\n  ${e}`).join('')}
FROM ${db}.trace_spans_v3
WHERE ${windowSql(b, query.fromNano, query.toNano)}
GROUP BY trace_id${having.length > 0 ? `\nHAVING ${having.join(' AND ')}` : ''}
ORDER BY min(start_ns) DESC, trace_id
LIMIT ${b.bind('UInt64', candidates)}`;
  const rows = await engine.query<ShapeRow>(sql, { ...b.params, tenant });
  const depths = await traceDepths(
    engine,
    db,
    tenant,
    query,
    rows.map((row) => row.trace_id),
  );
  const out: TraceShape[] = [];
  for (const row of rows) {
    const depth = depths.get(row.trace_id) ?? 0;
    if (query.minDepth !== undefined && depth < query.minDepth) continue;
    if (query.maxDepth !== undefined && depth > query.maxDepth) continue;
    const start = BigInt(row.first_ns);
    out.push({
      traceId: row.trace_id,
      spanCount: Number(row.spans),
      errorCount: Number(row.errors),
      depth,
      services: row.services,
      rootServiceName: row.root_service,
      rootSpanName: row.root_name,
      startNano: start,
      durationNano: BigInt(row.last_ns) - start,
    });
    if (out.length >= query.limit) break;
  }
  return out;
}

/** Longest parent chain per trace, from its (span, parent) pairs in the window. */
async function traceDepths(
  engine: SqlEngine,
  db: string,
  tenant: TenantId,
  query: TraceShapeQuery,
  traceIds: readonly string[],
): Promise<Map<string, number>> {
  const depths = new Map<string, number>();
  if (traceIds.length === 0) return depths;
  const b = new SqlBuilder(db);
  const sql = `SELECT trace_id, groupArray(span_id) AS ids, groupArray(parent_span_id) AS parents
FROM ${db}.trace_spans_v3
WHERE ${windowSql(b, query.fromNano, query.toNano)} AND has(${b.bind('Array(String)', [...traceIds])}, trace_id)
GROUP BY trace_id`;
  const rows = await engine.query<{ trace_id: string; ids: string[]; parents: string[] }>(sql, { ...b.params, tenant });
  for (const row of rows) depths.set(row.trace_id, depthOf(row.ids, row.parents));
  return depths;
}

/** Longest chain of spans linked by parent IDs; a span whose parent is absent starts a chain. Cycles count once. */
export function depthOf(ids: readonly string[], parents: readonly string[]): number {
  const parentOf = new Map<string, string>();
  ids.forEach((id, i) => parentOf.set(id, parents[i] ?? ''));
  const memo = new Map<string, number>();
  let deepest = 0;
  for (const start of parentOf.keys()) {
    // Walk up until a known depth or a root, then assign on the way back down.
    const path: string[] = [];
    const onPath = new Set<string>();
    let current: string | undefined = start;
    let base = 0;
    while (current !== undefined && parentOf.has(current)) {
      const known = memo.get(current);
      if (known !== undefined) {
        base = known;
        break;
      }
      if (onPath.has(current)) break;
      onPath.add(current);
      path.push(current);
      current = parentOf.get(current);
    }
    for (let i = path.length - 1; i >= 0; i--) memo.set(path[i]!, ++base);
    deepest = Math.max(deepest, memo.get(start) ?? 0);
  }
  return deepest;
}

/** The quantile levels are parameters of an aggregate function, so literals: validated numbers only. */
function level(value: number, name: string): string {
  if (!Number.isFinite(value) || value <= 0 || value >= 1) throw new SpanConditionError(`${name} must be between 0 and 1 (exclusive)`);
  return String(value);
}

export async function operationTraceGroups(
  engine: SqlEngine,
  db: string,
  tenant: TenantId,
  query: OperationTraceGroupsQuery,
): Promise<OperationTraceGroups> {
  if (query.fastQuantile >= query.slowQuantile) throw new SpanConditionError('the fast quantile must be below the slow quantile');
  const b = new SqlBuilder(db);
  const operation = `${windowSql(b, query.fromNano, query.toNano)} AND service_name = ${b.bind('String', query.serviceName)} AND name = ${b.bind('String', query.spanName)}`;
  const q = await engine.query<{ q: Array<number | string>; n: number | string }>(
    `SELECT quantiles(${level(query.fastQuantile, 'fast')}, ${level(query.slowQuantile, 'slow')})(duration_ns) AS q, count() AS n
FROM ${db}.trace_spans_v3 WHERE ${operation}`,
    { ...b.params, tenant },
  );
  const n = Number(q[0]?.n ?? 0);
  const fastThresholdNano = Number(q[0]?.q[0] ?? 0);
  const slowThresholdNano = Number(q[0]?.q[1] ?? 0);
  if (n === 0) return { slowThresholdNano: 0, fastThresholdNano: 0, operationSpans: 0, slowTraceIds: [], fastTraceIds: [] };
  const pick = async (condition: string): Promise<string[]> => {
    const p = new SqlBuilder(db);
    const where = `${windowSql(p, query.fromNano, query.toNano)} AND service_name = ${p.bind('String', query.serviceName)} AND name = ${p.bind('String', query.spanName)}`;
    const threshold = p.bind('UInt64', BigInt(Math.round(condition === '>=' ? slowThresholdNano : fastThresholdNano)));
    // A hash order is a deterministic sample that favours no time or service.
    const rows = await engine.query<{ trace_id: string }>(
      `SELECT trace_id FROM ${db}.trace_spans_v3 WHERE ${where} AND duration_ns ${condition} ${threshold}
GROUP BY trace_id ORDER BY cityHash64(trace_id), trace_id LIMIT ${p.bind('UInt64', query.tracesPerGroup)}`,
      { ...p.params, tenant },
    );
    return rows.map((row) => row.trace_id);
  };
  const slowTraceIds = await pick('>=');
  const fastSet = new Set(slowTraceIds);
  const fastTraceIds = (await pick('<=')).filter((id) => !fastSet.has(id));
  return { slowThresholdNano, fastThresholdNano, operationSpans: n, slowTraceIds, fastTraceIds };
}
