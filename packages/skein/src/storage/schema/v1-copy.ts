import type { SqlEngine } from '../sql-engine.js';
import { buildRowBatches } from '../span-rows.js';
import { insertRowBatches } from '../span-writer.js';
import { CopyProgress } from './copy-progress.js';
import type { DdlContext } from './ddl-context.js';
import { spansFromV1Rows, V1_SPAN_COLUMNS, type V1SpanRow } from './v1-span-rows.js';

/** Traces copied per round trip: bounded memory whatever the size of the v1 data. */
const TRACES_PER_PAGE = 2000;

export async function tableExists(engine: SqlEngine, ctx: DdlContext, table: string): Promise<boolean> {
  const rows = await engine.query<{ n: number }>(
    'SELECT count() AS n FROM system.tables WHERE database = {database:String} AND name = {table:String}',
    { database: ctx.database, table },
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/**
 * Schema v1 → v2 data: every span of v1's `spans` is read back (deduplicated by span ID) and
 * written through the v2 row builder, trace by trace in trace-ID order, then v1's `spans` and
 * `span_search` are dropped. Why not INSERT … SELECT: v1 holds resources, scopes and attributes as
 * OTLP JSON text, and 18.16 has no JSON functions to turn them into v2's typed columns; the
 * model's own decoder does it exactly. `operations` is shared by both versions and kept.
 *
 * Safe to repeat: a crash part-way leaves the version unrecorded, the next start copies again,
 * and the copies collapse in the ReplacingMergeTree (readers dedupe by span ID meanwhile). Another
 * process finishing the copy first drops the table under this one: that ends this copy, done.
 */
export async function copyV1Spans(engine: SqlEngine, ctx: DdlContext, progress: (line: string) => void): Promise<void> {
  if (await tableExists(engine, ctx, 'spans')) {
    // Rows of the v1 table, copies included (counting distinct span IDs would read it all once more).
    const counted = await engine.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${ctx.db}.spans`);
    const total = Number(counted[0]?.n ?? 0);
    if (total > 0) progress(`schema v3: copying ${total.toLocaleString('en-US')} v1 span rows through the row builder`);
    const counter = new CopyProgress('schema v3', 'v1 spans', total, progress);
    let after = '';
    for (;;) {
      let rows: V1SpanRow[];
      try {
        const page = await engine.query<{ trace_id: string }>(
          `SELECT DISTINCT trace_id FROM ${ctx.db}.spans WHERE trace_id > {after:String} ORDER BY trace_id LIMIT {page:UInt32}`,
          { after, page: TRACES_PER_PAGE },
        );
        if (page.length === 0) break;
        after = page[page.length - 1]!.trace_id;
        rows = await engine.query<V1SpanRow>(
          `SELECT ${V1_SPAN_COLUMNS} FROM ${ctx.db}.spans
WHERE trace_id IN (SELECT arrayJoin({traceIds:Array(String)}))
LIMIT 1 BY trace_id, span_id`,
          { traceIds: page.map((r) => r.trace_id) },
        );
      } catch (error) {
        if (!(await tableExists(engine, ctx, 'spans'))) break;
        throw error;
      }
      await insertRowBatches(engine, ctx.database, buildRowBatches(spansFromV1Rows(rows)));
      counter.advance(rows.length, `traces up to ${after.slice(0, 8)}…`);
    }
  }
  await engine.command(`DROP TABLE IF EXISTS ${ctx.db}.spans`);
  await engine.command(`DROP TABLE IF EXISTS ${ctx.db}.span_search`);
}
