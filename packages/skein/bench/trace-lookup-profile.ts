/**
 * Where a trace by ID lookup's time goes (issue 19 item 3), on a store kept by
 * `query-bench.ts --keep-data DIR` (embedded chDB). Per lookup, wall p50/p99 and process CPU of:
 * the API call (`TenantTraceReader.getTrace`), its one statement alone (JSON text, no spans
 * built), the trace_index part alone, an empty statement (the fixed cost of any statement), the
 * same statement reading `span_id` only and without the attribute arrays (the cost grows per
 * column read, not per byte), and the JS side (JSONEachRow parse and span assembly); then the engine's own phases from `system.events` deltas
 * (chDB has no query_log): parse, analysis, plan, plan optimisation (which builds the index
 * subquery's set), pipeline, bytes decompressed, rows read.
 *
 *   node --import tsx bench/trace-lookup-profile.ts --reuse-data DIR [--lookups 200]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TENANT } from '../src/model/tenant.js';
import { ChdbEngine } from '../src/storage/engines/chdb-engine.js';
import { openTraceStore } from '../src/storage/open-trace-store.js';
import {
  SPAN_ROW_COLUMNS,
  newBuiltObjects,
  spansFromRows,
  type ResourceRow,
  type ScopeRow,
  type SpanRow,
} from '../src/storage/stored-span-rows.js';
import { parseJsonEachRow } from '../src/storage/sql-engine.js';
import { getTraceSql, resourcesByHashSql, scopesByHashSql } from '../src/storage/trace-queries.js';

const { values: options } = parseArgs({
  options: { 'reuse-data': { type: 'string' }, lookups: { type: 'string', default: '200' } },
});
const dataDir = options['reuse-data'];
if (dataDir === undefined) throw new Error('--reuse-data DIR is required (a store kept by query-bench.ts --keep-data)');
const lookups = Number(options.lookups);
const DB = 'skein';
const traceIds = (JSON.parse(readFileSync(join(dataDir, 'bench-state.json'), 'utf8')) as { traceIds: string[] }).traceIds.filter(Boolean);

const store = await openTraceStore({ engine: 'chdb', dataDir });
// The same chDB session (one per process and directory), for statements the reader does not expose.
const engine = await ChdbEngine.open(dataDir, DB);
const reader = store.forTenant(DEFAULT_TENANT);
const params = (traceId: string) => ({ tenant: DEFAULT_TENANT, traceId });
const getTrace = getTraceSql(DB);
const indexPart = `SELECT service_name, bucket FROM ${DB}.trace_index_v12 WHERE tenant = {tenant:String} AND trace_id IN ({traceId:String})`;
/** getTrace's statement with other columns: how the cost grows with the columns read. */
const withColumns = (columns: string) => getTrace.replace(SPAN_ROW_COLUMNS, columns);
const NO_ATTRIBUTES = SPAN_ROW_COLUMNS.replace('attr_keys, attr_types, attr_values, ', '');

function pick(i: number): string {
  return traceIds[(i * 7919 + 13) % traceIds.length]!;
}

async function timed(label: string, work: (traceId: string) => Promise<unknown>): Promise<object> {
  for (let i = 0; i < 10; i++) await work(pick(lookups + i)); // warm: marks, caches, JIT
  const ms: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < lookups; i++) {
    const t0 = performance.now();
    await work(pick(i));
    ms.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  ms.sort((a, b) => a - b);
  const at = (q: number): number => Number(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!.toFixed(1));
  const result = { label, p50Ms: at(0.5), p99Ms: at(0.99), cpuMsPerLookup: Number(((cpu.user + cpu.system) / 1000 / lookups).toFixed(2)) };
  console.log(
    `${label.padEnd(44)} p50 ${String(result.p50Ms).padStart(6)}  p99 ${String(result.p99Ms).padStart(6)} ms  CPU ${result.cpuMsPerLookup} ms`,
  );
  return result;
}

const statements = [
  await timed('API getTrace (statement + JSON + assembly)', (id) => reader.getTrace(id)),
  await timed('getTrace statement, JSONEachRow text', (id) => engine.query(getTrace, params(id))),
  await timed('empty statement (SELECT 1)', () => engine.query('SELECT 1 AS one')),
  await timed('trace_index part alone', (id) => engine.query(indexPart, params(id))),
  await timed('getTrace statement, span_id column only', (id) => engine.query(withColumns('span_id'), params(id))),
  await timed('getTrace statement without attribute arrays', (id) => engine.query(withColumns(NO_ATTRIBUTES), params(id))),
];

// The JS side of one lookup: JSONEachRow parsing and span assembly of a typical trace.
const sample = pick(1);
const rows = await engine.query<SpanRow>(getTrace, params(sample));
const resources = new Map(
  (
    await engine.query<ResourceRow>(resourcesByHashSql(DB), {
      tenant: DEFAULT_TENANT,
      hashes: [...new Set(rows.map((r) => r.resource_hash))],
    })
  ).map((r) => [r.resource_hash, r]),
);
const scopes = new Map(
  (await engine.query<ScopeRow>(scopesByHashSql(DB), { tenant: DEFAULT_TENANT, hashes: [...new Set(rows.map((r) => r.scope_hash))] })).map(
    (r) => [r.scope_hash, r],
  ),
);
const json = rows.map((row) => JSON.stringify(row)).join('\n');
const t0 = performance.now();
for (let i = 0; i < 1000; i++) parseJsonEachRow<SpanRow>(json);
const t1 = performance.now();
for (let i = 0; i < 1000; i++) spansFromRows(rows, resources, scopes, DEFAULT_TENANT, newBuiltObjects());
const t2 = performance.now();
const jsSide = {
  spans: rows.length,
  jsonChars: json.length,
  parseMs: Number(((t1 - t0) / 1000).toFixed(3)),
  assembleMs: Number(((t2 - t1) / 1000).toFixed(3)),
};
console.log(`JS side: ${rows.length} spans, ${json.length} chars: parse ${jsSide.parseMs} ms, assembly ${jsSide.assembleMs} ms`);

// The engine's phases of getTrace's statement, averaged from system.events deltas.
const EVENTS = [
  'QueryTimeMicroseconds',
  'QueryParseMicroseconds',
  'QueryAnalysisMicroseconds',
  'QueryPlanBuildMicroseconds',
  'QueryPlanOptimizeMicroseconds',
  'QueryPipelineBuildMicroseconds',
  'FilteringMarksWithPrimaryKeyMicroseconds',
  'UserTimeMicroseconds',
  'CompressedReadBufferBytes',
  'CompressedReadBufferBlocks',
  'FileOpen',
  'RowsReadByPrewhereReaders',
  'RowsReadByMainReader',
];
const events = async (): Promise<Map<string, number>> =>
  new Map(
    (await engine.query<{ event: string; value: string }>('SELECT event, toString(value) AS value FROM system.events')).map((r) => [
      r.event,
      Number(r.value),
    ]),
  );
const before = await events();
const runs = Math.min(lookups, 100);
for (let i = 0; i < runs; i++) await engine.query(getTrace, params(pick(i)));
const after = await events();
// One system.events read is counted in the delta too (~0.4 ms, measured with SELECT 1).
const phases = Object.fromEntries(EVENTS.map((name) => [name, Math.round(((after.get(name) ?? 0) - (before.get(name) ?? 0)) / runs)]));
console.log('getTrace statement, per lookup (system.events):', phases);
console.log(`\n${JSON.stringify({ date: new Date().toISOString(), lookups, statements, jsSide, phases })}`);
await engine.close();
await store.close();
