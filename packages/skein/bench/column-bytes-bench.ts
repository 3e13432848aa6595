/**
 * Where the bytes per span go (issue 19 item 4): the loadgen topology's traces (seed 1, spread over
 * 24 h) written through `writeSpans` into embedded chDB and, when installed, clickhouse-server
 * 18.16; then `OPTIMIZE … FINAL` on every table and the compressed and uncompressed bytes of each
 * column from `system.parts_columns`, per stored span. Sizes do not depend on the machine's load.
 *
 *   node --import tsx bench/column-bytes-bench.ts [--spans 300000] [--json FILE]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultTopology } from '../src/loadgen/default-topology.js';
import { TraceGenerator } from '../src/loadgen/trace-generator.js';
import type { Span } from '../src/model/span.js';
import { openTraceStore } from '../src/storage/open-trace-store.js';
import type { SqlEngine } from '../src/storage/sql-engine.js';
import type { TraceStore } from '../src/storage/trace-store.js';
import { findClickHouseServer, startClickHouseServer } from '../test/support/clickhouse-server.js';

const { values: options } = parseArgs({ options: { spans: { type: 'string', default: '300000' }, json: { type: 'string' } } });
const totalSpans = Number(options.spans);
const HOUR = 3_600_000_000_000n;

async function load(store: TraceStore): Promise<number> {
  const now = BigInt(Date.parse('2026-12-01T00:00:00Z')) * 1_000_000n;
  const generator = new TraceGenerator(defaultTopology(), {
    seed: 1,
    startTimeUnixNano: now - 24n * HOUR,
    meanTraceIntervalNanos: Number(24n * HOUR) / (totalSpans / 22.7),
  });
  let stored = 0;
  let batch: Span[] = [];
  while (stored + batch.length < totalSpans) {
    batch.push(...generator.nextTrace());
    if (batch.length >= 50_000) {
      await store.writeSpans(batch);
      stored += batch.length;
      batch = [];
    }
  }
  await store.writeSpans(batch);
  return stored + batch.length;
}

interface ColumnRow {
  table: string;
  column: string;
  type: string;
  compressed: number | string;
  uncompressed: number | string;
}

async function columnBytes(engine: SqlEngine, database: string, spans: number): Promise<object> {
  const tables = await engine.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = '${database}' AND engine LIKE '%MergeTree'`,
  );
  for (const { name } of tables) await engine.command(`OPTIMIZE TABLE ${database}.${name} FINAL`);
  const rows = await engine.query<ColumnRow>(
    `SELECT table, column, any(type) AS type, sum(column_data_compressed_bytes) AS compressed, sum(column_data_uncompressed_bytes) AS uncompressed
FROM system.parts_columns WHERE database = '${database}' AND active GROUP BY table, column ORDER BY compressed DESC`,
  );
  const parts = await engine.query<{ bytes: number | string }>(
    `SELECT sum(bytes_on_disk) AS bytes FROM system.parts WHERE database = '${database}' AND active`,
  );
  const perSpan = (bytes: number | string): number => Math.round((Number(bytes) / spans) * 100) / 100;
  return {
    spans,
    bytesOnDiskPerSpan: perSpan(parts[0]?.bytes ?? 0),
    columns: rows.map((r) => ({
      column: `${r.table}.${r.column}`,
      type: r.type,
      compressed: perSpan(r.compressed),
      uncompressed: perSpan(r.uncompressed),
    })),
  };
}

/**
 * Codec and ID-layout candidates, measured on chDB only (18.16 has no CODEC clause): copies of
 * `trace_spans_v3` with one candidate codec per column, plus binary copies of the IDs as extra
 * columns, filled by INSERT … SELECT and merged. Compression is per column, so one copy answers
 * for every column at once.
 */
const VARIANTS: Record<string, { strings: string; start: string; duration: string; small: string }> = {
  zstd3: { strings: 'ZSTD(3)', start: 'Delta, ZSTD(3)', duration: 'T64, ZSTD(3)', small: 'ZSTD(3)' },
  zstd9: { strings: 'ZSTD(9)', start: 'T64, ZSTD(9)', duration: 'ZSTD(9)', small: 'T64, ZSTD(9)' },
  zstd15: { strings: 'ZSTD(15)', start: 'Delta, ZSTD(15)', duration: 'T64, ZSTD(15)', small: 'ZSTD(15)' },
};
const STRING_COLUMNS = [
  'trace_id',
  'span_id',
  'parent_span_id',
  'status_message',
  'trace_state',
  'attr_types',
  'attr_values',
  'attr_keys',
  'events',
  'links',
  'resource_hash',
  'scope_hash',
];
const SMALL_COLUMNS = ['flags', 'kind', 'status_code', 'bucket', 'dropped_attributes_count', 'dropped_events_count', 'dropped_links_count'];

async function codecVariants(engine: SqlEngine, database: string, spans: number): Promise<object> {
  const out: Record<string, object> = {};
  const types = new Map(
    (
      await engine.query<{ name: string; type: string }>(
        `SELECT name, type FROM system.columns WHERE database = '${database}' AND table = 'trace_spans_v3'`,
      )
    ).map((r) => [r.name, r.type]),
  );
  for (const [name, variant] of Object.entries(VARIANTS)) {
    const table = `${database}.variant_${name}`;
    await engine.command(`CREATE TABLE ${table} AS ${database}.trace_spans_v3`);
    const modify = (column: string, spec: string): string => `MODIFY COLUMN ${column} ${types.get(column)} CODEC(${spec})`;
    const changes = [
      ...STRING_COLUMNS.map((c) => modify(c, variant.strings)),
      ...SMALL_COLUMNS.map((c) => modify(c, variant.small)),
      modify('start_ns', variant.start),
      modify('duration_ns', variant.duration),
      `ADD COLUMN trace_id_bin FixedString(16) CODEC(${variant.strings})`,
      `ADD COLUMN span_id_bin FixedString(8) CODEC(${variant.strings})`,
      `ADD COLUMN parent_span_id_bin FixedString(8) CODEC(${variant.strings})`,
    ];
    await engine.command(`ALTER TABLE ${table} ${changes.join(', ')}`);
    await engine.command(
      `INSERT INTO ${table} SELECT *, unhex(trace_id), unhex(span_id), unhex(parent_span_id) FROM ${database}.trace_spans_v3`,
    );
    await engine.command(`OPTIMIZE TABLE ${table} FINAL`);
    // (No `'' AS table` here: an alias would shadow the column the WHERE clause filters on.)
    const rows = await engine.query<{ column: string; compressed: number | string }>(
      `SELECT column, sum(column_data_compressed_bytes) AS compressed
FROM system.parts_columns WHERE database = '${database}' AND table = 'variant_${name}' AND active GROUP BY column ORDER BY compressed DESC`,
    );
    out[name] = {
      variant,
      columns: Object.fromEntries(rows.map((r) => [r.column, Math.round((Number(r.compressed) / spans) * 100) / 100])),
    };
    console.log(name, JSON.stringify(out[name]));
    await engine.command(`DROP TABLE ${table}`);
  }
  return out;
}

async function measure(name: string, open: () => Promise<TraceStore>, engineOf: (store: TraceStore) => SqlEngine): Promise<object> {
  const store = await open();
  try {
    const spans = await load(store);
    const engine = engineOf(store);
    const result = {
      engine: `${name} ${engine.version}`,
      ...(await columnBytes(engine, 'skein_bytes', spans)),
      ...(name === 'chdb' && { codecCandidates: await codecVariants(engine, 'skein_bytes', spans) }),
    };
    console.log(JSON.stringify(result, null, 1));
    return result;
  } finally {
    await store.close();
  }
}

// The store keeps its engine private; a measurement reads it (bench code, not an API).
const engineOf = (store: TraceStore): SqlEngine => (store as unknown as { engine: SqlEngine }).engine;
const results: object[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'skein-column-bytes-'));
try {
  results.push(await measure('chdb', () => openTraceStore({ engine: 'chdb', dataDir, database: 'skein_bytes' }), engineOf));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
const binary = findClickHouseServer();
if (binary) {
  const server = await startClickHouseServer(binary);
  try {
    results.push(
      await measure(
        'clickhouse-server',
        () => openTraceStore({ engine: 'clickhouse', url: server.url, database: 'skein_bytes' }),
        engineOf,
      ),
    );
  } finally {
    await server.stop();
  }
} else console.log('clickhouse-server is not installed: only chDB measured');
if (options.json)
  writeFileSync(
    options.json,
    `${JSON.stringify({ date: new Date().toISOString(), topology: 'loadgen default, seed 1, 24 h', results }, null, 2)}\n`,
  );
