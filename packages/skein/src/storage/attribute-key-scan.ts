import { newestFirstSlices } from '../model/newest-first-slices.js';
import type { TenantId } from '../model/tenant.js';
import type { SqlEngine } from './sql-engine.js';
import { TENANT } from './trace-queries.js';
import type { AttributeKeyCount, AttributeQuery } from './trace-store.js';
import { clampUInt64, windowParams } from './window-params.js';

/**
 * Attribute keys for autocompletion (TenantTraceReader.listAttributeKeys): exact counts over the
 * newest spans of the window. The window is read newest first in slices (15 min, then doubling)
 * until at least KEY_SCAN_SPANS spans have been counted, so a window of any length costs about
 * the same and every service's spans in the slices read count alike.
 *
 * Why not the first N spans the engine reads (what this replaced): the table is sorted by
 * service first, so that sample held the first services' spans only; at 10M spans over 24 h it
 * saw 51 of the hour's 74 keys, in 158 ms p50 (quiet machine). Grouping each slice by the span's
 * key list and resource first leaves ~135 rows per hour of the loadgen topology to expand: the
 * whole hour (411k spans) groups in ~72 ms (`bench/query-bench.ts`, BENCHMARKS.md).
 */
export const KEY_SCAN_SPANS = 100_000;
const FIRST_SLICE_NANO = 15n * 60n * 1_000_000_000n;
/** Distinct (key list, resource) groups one slice may return: bounds memory on free-form keys. */
const MAX_GROUPS_PER_SLICE = 50_000;

function keyGroupsSql(db: string, serviceName: boolean): string {
  return `SELECT attr_keys, resource_hash, count() AS n
FROM ${db}.trace_spans_v3
WHERE ${TENANT} AND bucket >= {startBucket:UInt32} AND bucket <= {endBucket:UInt32}
  AND start_ns >= {startNs:UInt64} AND start_ns <= {endNs:UInt64}${serviceName ? ' AND service_name = {serviceName:String}' : ''}
GROUP BY attr_keys, resource_hash
LIMIT ${MAX_GROUPS_PER_SLICE}`;
}

function resourceKeysSql(db: string): string {
  return `SELECT resource_hash, attr_keys FROM ${db}.resources_v3
WHERE ${TENANT} AND resource_hash IN (SELECT arrayJoin({hashes:Array(String)}))
LIMIT 1 BY resource_hash`;
}

interface KeyGroupRow {
  attr_keys: string[];
  resource_hash: string;
  n: number | string;
}

export async function listAttributeKeys(
  engine: SqlEngine,
  db: string,
  tenant: TenantId,
  query: AttributeQuery,
): Promise<AttributeKeyCount[]> {
  const spanKeys = new Map<string, number>();
  const spansByResource = new Map<string, number>();
  let counted = 0;
  const sql = keyGroupsSql(db, query.serviceName !== undefined);
  // Clamped to storage's unsigned range first, as every window is (window-params.ts).
  const start = clampUInt64(query.startTimeUnixNano);
  const end = clampUInt64(query.endTimeUnixNano);
  for (const slice of newestFirstSlices(start, end, FIRST_SLICE_NANO)) {
    const rows = await engine.query<KeyGroupRow>(sql, {
      tenant,
      ...windowParams(slice.startNano, slice.endNano),
      ...(query.serviceName !== undefined && { serviceName: query.serviceName }),
    });
    for (const row of rows) {
      const n = Number(row.n);
      counted += n;
      for (const key of row.attr_keys) spanKeys.set(key, (spanKeys.get(key) ?? 0) + n);
      spansByResource.set(row.resource_hash, (spansByResource.get(row.resource_hash) ?? 0) + n);
    }
    if (counted >= KEY_SCAN_SPANS) break;
  }
  const counts: AttributeKeyCount[] = [...spanKeys].map(([key, count]) => ({ key, scope: 'span', count }));
  if (spansByResource.size > 0) {
    const resourceKeys = new Map<string, number>();
    const resources = await engine.query<{ resource_hash: string; attr_keys: string[] }>(resourceKeysSql(db), {
      tenant,
      hashes: [...spansByResource.keys()],
    });
    for (const resource of resources) {
      const spans = spansByResource.get(resource.resource_hash) ?? 0;
      for (const key of resource.attr_keys) resourceKeys.set(key, (resourceKeys.get(key) ?? 0) + spans);
    }
    for (const [key, count] of resourceKeys) counts.push({ key, scope: 'resource', count });
  }
  counts.sort((a, b) => b.count - a.count || compareText(a.key, b.key) || compareText(a.scope, b.scope));
  return counts.slice(0, query.limit);
}

/** UTF-8 byte order, as the engine's ORDER BY sorts strings. */
function compareText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
