import type { SqlEngine } from '../sql-engine.js';
import type { DdlContext } from './ddl-context.js';
import { onCluster, storedTableName } from './render-ddl.js';
import { tableExists } from './v1-copy.js';

/**
 * Schema v12 data: `trace_index_v3`'s rows into `trace_index_v12` (migrations.ts, v12), then v3's
 * view and table go. v12's view already fills v12 from every insert (the statements ran first);
 * v3's view is dropped before the copy, so v3 holds nothing the copy misses. Rows written by both
 * views meanwhile are identical index entries: readers use the index as a set, merges collapse
 * them. Repeatable: a crash repeats the copy (duplicates again) or only the drops; once v3's
 * table is gone there is nothing left to do. On a cluster the copy runs through the Distributed
 * tables (both sharded by trace ID, so each row stays on its shard) and the drops `ON CLUSTER`.
 */
export async function moveTraceIndexToV12(engine: SqlEngine, ctx: DdlContext, progress: (line: string) => void): Promise<void> {
  if (!(await tableExists(engine, ctx, 'trace_index_v3'))) return;
  await engine.command(`DROP TABLE IF EXISTS ${ctx.db}.trace_index_v3_writer${onCluster(ctx)}`);
  const [count] = await engine.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${ctx.db}.trace_index_v3`);
  const rows = Number(count?.n ?? 0);
  if (rows > 0) {
    progress(`schema v12: copying ${rows} trace index rows to trace_index_v12`);
    await engine.command(
      `INSERT INTO ${ctx.db}.trace_index_v12 (tenant, trace_id, service_name, bucket)
SELECT tenant, trace_id, service_name, bucket FROM ${ctx.db}.trace_index_v3`,
    );
  }
  await engine.command(`DROP TABLE IF EXISTS ${ctx.db}.trace_index_v3${onCluster(ctx)}`);
  if (ctx.cluster !== undefined)
    await engine.command(`DROP TABLE IF EXISTS ${ctx.db}.${storedTableName(ctx, 'trace_index_v3')}${onCluster(ctx)}`);
}
