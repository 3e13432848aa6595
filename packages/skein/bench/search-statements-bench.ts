/**
 * Where a search's time goes (issue 19 item 3): the query bench's search (service `gateway`,
 * `http.route=/api/checkout`, min duration 100 ms, limit 20) over 1 h and 24 h on a store kept by
 * `query-bench.ts --keep-data DIR`, timed end to end (wall and process CPU, chDB's threads
 * included) and per statement (each `querySized` and `queryRowBinary` of the chDB engine, binding
 * and JSON parsing included), so that wall − statements is the JS side.
 *
 *   node --import tsx bench/search-statements-bench.ts DIR [--runs 60] [--hours 1,24]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TENANT } from '../src/model/tenant.js';
import { benchSearchQuery } from './bench-search-query.js';
import { ChdbEngine } from '../src/storage/engines/chdb-engine.js';
import { openTraceStore } from '../src/storage/open-trace-store.js';

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '60' }, hours: { type: 'string', default: '1,24' } },
});
const dataDir = positionals[0];
if (dataDir === undefined) throw new Error('usage: search-statements-bench.ts DIR [--runs N] [--hours 1,24]');
const runs = Number(options.runs);
const now = BigInt((JSON.parse(readFileSync(join(dataDir, 'bench-state.json'), 'utf8')) as { nowNano: string }).nowNano);

/** Statements of the search being timed: the first line of each, and its wall time. */
let statements: { sql: string; ms: number }[] = [];
const engine = ChdbEngine.prototype;
const querySized = engine.querySized;
engine.querySized = async function <T>(this: ChdbEngine, sql: string, params?: Parameters<typeof querySized>[1]) {
  const t0 = performance.now();
  const result = await querySized.call<ChdbEngine, [string, typeof params], Promise<{ rows: T[]; textLength: number }>>(this, sql, params);
  statements.push({ sql: (sql.split('\n')[0] ?? '').slice(0, 60), ms: performance.now() - t0 });
  return result;
};
const queryRowBinary = engine.queryRowBinary;
engine.queryRowBinary = async function (this: ChdbEngine, sql: string, params?: Parameters<typeof queryRowBinary>[1]) {
  const t0 = performance.now();
  const result = await queryRowBinary.call(this, sql, params);
  statements.push({ sql: `${(sql.split('\n')[0] ?? '').slice(0, 50)} (RowBinary)`, ms: performance.now() - t0 });
  return result;
};

function p(values: number[], percent: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[Math.min(sorted.length - 1, Math.floor((percent / 100) * sorted.length))] ?? NaN).toFixed(1);
}

const store = await openTraceStore({ engine: 'chdb', dataDir });
try {
  const reader = store.forTenant(DEFAULT_TENANT);
  for (const hours of options.hours.split(',').map(BigInt)) {
    const query = benchSearchQuery(now, hours);
    for (let i = 0; i < 3; i++) await reader.searchTraces(query);
    const wall: number[] = [];
    const cpu: number[] = [];
    const perStatement = new Map<string, number[]>();
    for (let i = 0; i < runs; i++) {
      statements = [];
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await reader.searchTraces(query);
      wall.push(performance.now() - t0);
      const used = process.cpuUsage(cpu0);
      cpu.push((used.user + used.system) / 1000);
      statements.forEach((s, n) => {
        const key = `${n + 1}. ${s.sql}`;
        perStatement.set(key, [...(perStatement.get(key) ?? []), s.ms]);
      });
    }
    console.log(`search ${hours} h: wall p50 ${p(wall, 50)} p99 ${p(wall, 99)} ms, CPU p50 ${p(cpu, 50)} ms (${runs} runs)`);
    for (const [key, ms] of perStatement) console.log(`  ${key}  (${ms.length}×) p50 ${p(ms, 50)} p99 ${p(ms, 99)} ms`);
  }
} finally {
  await store.close();
}
