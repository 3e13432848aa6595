/**
 * The CPU a column storage choice costs (issue 19 item 4): 300k spans of the loadgen topology
 * (seed 1, over 24 h) written through `writeSpans` in 5k-span batches into embedded chDB, then
 * `OPTIMIZE … FINAL` on every table; the process's CPU (`process.cpuUsage`: row building, the
 * engine's inserts and merges) and bytes on disk per span. A variant is a list of `ALTER`s run on
 * the empty tables before writing: `v13` undoes schema v16 (the storage of v13 to v15), `v16` is
 * the schema as migrated, `v16-zstd9` tries ZSTD(9) on the attribute arrays. Run the variants
 * interleaved (A B B A) to see past the machine's load.
 *
 *   node --import tsx bench/column-cpu-bench.ts --variant v13|v16|v16-zstd9 [--spans 300000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultTopology } from '../src/loadgen/default-topology.js';
import { TraceGenerator } from '../src/loadgen/trace-generator.js';
import { traceBatches } from './synthetic-traces.js';
import { openTraceStore } from '../src/storage/open-trace-store.js';
import type { SqlEngine } from '../src/storage/sql-engine.js';

const { values: options } = parseArgs({
  options: { variant: { type: 'string', default: 'v16' }, spans: { type: 'string', default: '300000' } },
});
const SPANS = 'b.trace_spans_v3';
const VARIANTS: Record<string, readonly string[]> = {
  v13: [
    `ALTER TABLE ${SPANS} DROP INDEX attr_values_bloom`,
    `ALTER TABLE ${SPANS} MODIFY COLUMN attr_values Array(String) CODEC(ZSTD(3)), MODIFY COLUMN attr_types String CODEC(ZSTD(3)),
  MODIFY COLUMN resource_hash String CODEC(ZSTD(1)), MODIFY COLUMN scope_hash String CODEC(ZSTD(1)),
  MODIFY COLUMN name LowCardinality(String) CODEC(LZ4), MODIFY COLUMN start_ns UInt64 CODEC(Delta, ZSTD(1)),
  MODIFY COLUMN bucket UInt32 CODEC(LZ4), MODIFY COLUMN flags UInt32 CODEC(LZ4), MODIFY COLUMN kind UInt8 CODEC(LZ4),
  MODIFY COLUMN status_code UInt8 CODEC(LZ4)`,
    `ALTER TABLE ${SPANS} ADD INDEX attr_values_bloom attr_values TYPE bloom_filter(0.01) GRANULARITY 1`,
    `ALTER TABLE b.trace_index_v12 MODIFY COLUMN bucket UInt32 CODEC(LZ4), MODIFY COLUMN service_name LowCardinality(String) CODEC(LZ4)`,
  ],
  v16: [],
  'v16-zstd9': [
    `ALTER TABLE ${SPANS} MODIFY COLUMN attr_values Array(LowCardinality(String)) CODEC(ZSTD(9)), MODIFY COLUMN attr_keys Array(LowCardinality(String)) CODEC(ZSTD(9))`,
  ],
};
const statements = VARIANTS[options.variant];
if (statements === undefined) throw new Error(`--variant: one of ${Object.keys(VARIANTS).join(', ')}`);
const totalSpans = Number(options.spans);
const HOUR = 3_600_000_000_000n;

const dataDir = mkdtempSync(join(tmpdir(), 'skein-column-cpu-'));
try {
  const store = await openTraceStore({ engine: 'chdb', dataDir, database: 'b' });
  // The store keeps its engine private; a measurement reads it (bench code, not an API).
  const engine = (store as unknown as { engine: SqlEngine }).engine;
  for (const statement of statements) await engine.command(statement);
  const now = BigInt(Date.parse('2026-12-01T00:00:00Z')) * 1_000_000n;
  const generator = new TraceGenerator(defaultTopology(), {
    seed: 1,
    startTimeUnixNano: now - 24n * HOUR,
    meanTraceIntervalNanos: Number(24n * HOUR) / (totalSpans / 22.7),
  });
  const batches = traceBatches(generator, totalSpans, 5000);
  const spans = batches.reduce((count, batch) => count + batch.length, 0);
  const cpuSeconds = (since: NodeJS.CpuUsage): number => {
    const used = process.cpuUsage(since);
    return Math.round((used.user + used.system) / 1e4) / 100;
  };
  const start = process.cpuUsage();
  const startMs = Date.now();
  for (const batch of batches) await store.writeSpans(batch);
  const writeCpuSeconds = cpuSeconds(start);
  const writeMillis = Date.now() - startMs;
  const merged = process.cpuUsage();
  const tables = await engine.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = 'b' AND engine LIKE '%MergeTree'`);
  for (const { name } of tables) await engine.command(`OPTIMIZE TABLE b.${name} FINAL`);
  const optimizeCpuSeconds = cpuSeconds(merged);
  const [bytes] = await engine.query<{ all: string; spans: string }>(
    `SELECT sum(bytes_on_disk) AS all, sumIf(bytes_on_disk, table = 'trace_spans_v3') AS spans FROM system.parts WHERE database = 'b' AND active`,
  );
  const perSpan = (n: string | undefined): number => Math.round((Number(n) / spans) * 100) / 100;
  console.log(
    JSON.stringify({
      variant: options.variant,
      spans,
      writeCpuSeconds,
      writeMillis,
      optimizeCpuSeconds,
      totalCpuSeconds: Math.round((writeCpuSeconds + optimizeCpuSeconds) * 100) / 100,
      bytesOnDiskPerSpan: perSpan(bytes?.all),
      spansTableBytesPerSpan: perSpan(bytes?.spans),
    }),
  );
  await store.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
