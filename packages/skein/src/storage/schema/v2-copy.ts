import { DEFAULT_TENANT } from '../../model/tenant.js';
import type { SqlEngine } from '../sql-engine.js';
import { OPERATION_COLUMNS, RESOURCE_COLUMNS, SCOPE_COLUMNS, SPAN_COLUMNS } from '../span-rows.js';
import { CopyProgress } from './copy-progress.js';
import { dayPartition, type DdlContext } from './ddl-context.js';
import { tableExists } from './v1-copy.js';

/** v2's columns of a table: v3's without `tenant` (v3 added only that). */
function v2Columns(v3Columns: readonly string[]): string {
  return v3Columns.filter((column) => column !== 'tenant').join(', ');
}

/**
 * Schema v2 → v3 data: every v2 row is copied to the default tenant (v2 knew no tenants, and the
 * default tenant is what every reader sees while authentication is off), then v2's tables go.
 * Order as in insertRowBatches: resources and scopes before the spans that reference them, so a
 * copied span is never readable before its resource. `trace_index_v3` is filled by its view from
 * the span copy, so v2's `trace_index` is not copied, only dropped.
 *
 * Repeatable and resumable: each v2 table is dropped right after its copy, and spans are copied
 * one day partition at a time, each dropped from v2 once copied, so a crash repeats at most one
 * day (copies collapse in the ReplacingMergeTree; readers dedupe meanwhile). A second process
 * migrating at the same time copies the same rows again at worst; a table the other one dropped
 * under it is one it had finished copying.
 */
export async function copyV2Tables(engine: SqlEngine, ctx: DdlContext, progress: (line: string) => void): Promise<void> {
  // v2's view would go on filling v2's index from nothing; it goes first.
  await engine.command(`DROP TABLE IF EXISTS ${ctx.db}.trace_index_writer`);
  await copyTable(engine, ctx, 'resources', RESOURCE_COLUMNS);
  await copyTable(engine, ctx, 'scopes', SCOPE_COLUMNS);
  await copySpans(engine, ctx, progress);
  await copyTable(engine, ctx, 'operations', OPERATION_COLUMNS);
  await engine.command(`DROP TABLE IF EXISTS ${ctx.db}.trace_index`);
}

function copySql(ctx: DdlContext, table: string, v3Columns: readonly string[], where = ''): string {
  const columns = v2Columns(v3Columns);
  return `INSERT INTO ${ctx.db}.${table}_v3 (tenant, ${columns}) SELECT {tenant:String}, ${columns} FROM ${ctx.db}.${table}${where}`;
}

/** A small table (resources, scopes, operations): one INSERT … SELECT, then the v2 table goes. */
async function copyTable(engine: SqlEngine, ctx: DdlContext, table: string, v3Columns: readonly string[]): Promise<void> {
  if (!(await tableExists(engine, ctx, table))) return;
  try {
    await engine.command(copySql(ctx, table, v3Columns), { tenant: DEFAULT_TENANT });
  } catch (error) {
    if (!(await tableExists(engine, ctx, table))) return;
    throw error;
  }
  await engine.command(`DROP TABLE IF EXISTS ${ctx.db}.${table}`);
}

/**
 * `trace_spans`, one day partition at a time, with a progress line per day (count, rate, ETA). The day is selected
 * by the partition expression itself, so exactly the partition's rows are copied before it is
 * dropped, whatever their times.
 */
async function copySpans(engine: SqlEngine, ctx: DdlContext, progress: (line: string) => void): Promise<void> {
  if (!(await tableExists(engine, ctx, 'trace_spans'))) return;
  const days = await engine.query<{ partition: string; rows: string }>(
    `SELECT partition, toString(sum(rows)) AS rows FROM system.parts
WHERE database = {database:String} AND table = 'trace_spans' AND active
GROUP BY partition ORDER BY partition`,
    { database: ctx.database },
  );
  const total = days.reduce((sum, day) => sum + Number(day.rows), 0);
  if (total > 0) progress(`schema v3: copying ${total} span rows of ${days.length} day(s) to tenant ${DEFAULT_TENANT}`);
  const counter = new CopyProgress('schema v3', 'span rows', total, progress);
  for (const day of days) {
    // A partition value of this table is a YYYYMMDD number: checked, as it is spelt into the ALTER.
    if (!/^\d{8}$/.test(day.partition)) throw new Error(`unexpected trace_spans partition ${JSON.stringify(day.partition)}`);
    try {
      await engine.command(copySql(ctx, 'trace_spans', SPAN_COLUMNS, `\nWHERE ${dayPartition('start_ns')} = {day:UInt32}`), {
        tenant: DEFAULT_TENANT,
        day: Number(day.partition),
      });
      await engine.command(`ALTER TABLE ${ctx.db}.trace_spans DROP PARTITION ${day.partition}`);
    } catch (error) {
      if (!(await tableExists(engine, ctx, 'trace_spans'))) return;
      throw error;
    }
    counter.advance(Number(day.rows), `day ${day.partition}`);
  }
  await engine.command(`DROP TABLE IF EXISTS ${ctx.db}.trace_spans`);
}
