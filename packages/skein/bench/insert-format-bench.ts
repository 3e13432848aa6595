/**
 * What each insert format costs (issue 19 item 2): the same spans of the loadgen topology (seed 7)
 * written into embedded chDB's spans table in group-commit-sized inserts (16 × 512 spans), once per
 * variant, each into its own database of one chDB session, with merges stopped (they are the same
 * work whatever the format). Per variant: the JS main thread's CPU building the rows, the
 * process's CPU (every thread: chDB's parser and part writer included) and wall time of the
 * inserts, and the process's CPU over the whole loop (V8's GC helpers included). One variant per
 * process gives the cleanest figures (a variant run after another inherits its heap and GC work). Variants:
 * - `tsv`: today's path, TabSeparated text and chDB's raw insert (`session.insert`, text formats);
 * - `rowbinary`: what the writer does on chDB now (ChdbEngine.insertRowBinary): RowBinary rows
 *   written to a file in /dev/shm, read by `INSERT INTO t (cols) SELECT * FROM file('file',
 *   'RowBinary', 'structure')` with a structure without LowCardinality (the engine converts whole
 *   columns after reading instead of one value at a time while parsing), the file removed;
 * - `rowbinary-infile`: the same file read by `INSERT INTO t (cols) FROM INFILE 'file' FORMAT
 *   RowBinary` (the table's own LowCardinality types while parsing);
 * - `tsv-infile`: the same with today's TabSeparated rows (what the file costs, apart from the format);
 * - `native-engine`: the engine's side of a `Native` (columnar) insert, without a JS builder for it:
 *   the RowBinary file is turned into a Native one by chDB outside the measured insert, then read
 *   like `rowbinary` reads its file (its build figure is RowBinary's, not a Native builder's).
 * Not a variant: RowBinary through chDB's native raw-insert entry (`InsertRawAsyncConnection`, the
 * one `session.insert` calls; its JS whitelist is text formats only). The engine takes the payload
 * as inline query data, and binary rows came out cut short: a loadgen batch failed with
 * CANNOT_READ_ALL_DATA at a row whose start time held the bytes 0a 0a ("\n\n"), while the same
 * bytes read from a file were stored (chDB 26.7.3, 2026-12-05).
 * Give the order to interleave (A B B A) past the machine's load:
 *
 *   node --import tsx bench/insert-format-bench.ts [--order tsv,rowbinary,rowbinary,tsv] [--spans 100000]
 */
import { rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultTopology } from '../src/loadgen/default-topology.js';
import { TraceGenerator } from '../src/loadgen/trace-generator.js';
import { traceBatches } from './synthetic-traces.js';
import { ChdbEngine } from '../src/storage/engines/chdb-engine.js';
import { openTraceStore } from '../src/storage/open-trace-store.js';
import { buildRowBatches, SPAN_COLUMNS, SPAN_ROW_BINARY_STRUCTURE, type RowBatches, type SpanRowFormat } from '../src/storage/span-rows.js';
import type { SqlEngine } from '../src/storage/sql-engine.js';
import { threadUsage } from './process-usage.js';

const { values: options } = parseArgs({
  options: {
    order: { type: 'string', default: 'tsv,rowbinary,rowbinary,tsv' },
    spans: { type: 'string', default: '100000' },
    'batch-spans': { type: 'string', default: '8192' },
  },
});
const VARIANTS = ['tsv', 'rowbinary', 'rowbinary-infile', 'tsv-infile', 'native-engine'] as const;
type Variant = (typeof VARIANTS)[number];
const order = options.order.split(',').map((name) => {
  if (!(VARIANTS as readonly string[]).includes(name)) throw new Error(`--order: each one of ${VARIANTS.join(', ')}, got ${name}`);
  return name as Variant;
});
const totalSpans = Number(options.spans);
const batchSpans = Number(options['batch-spans']);

const mainThreadSeconds = (): number => threadUsage(process.pid).get('main thread') ?? NaN;
const processSeconds = (): number => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e6;
};

const dataDir = mkdtempSync(join(tmpdir(), 'skein-insert-format-'));
const shmDir = mkdtempSync(join('/dev/shm', 'skein-insert-format-'));
try {
  const generator = new TraceGenerator(defaultTopology(), {
    seed: 7,
    startTimeUnixNano: BigInt(Date.now()) * 1_000_000n - 3_600_000_000_000n,
  });
  const batches = traceBatches(generator, totalSpans, batchSpans);
  const spans = batches.reduce((count, batch) => count + batch.length, 0);
  // Warm both builders' code up before any measurement; hold the session open across the runs.
  for (const format of ['TabSeparated', 'RowBinary'] as const) buildRowBatches(batches[0]!, undefined, format);
  const keeper = await ChdbEngine.open(dataDir, 'keep');
  let run = 0;
  for (const variant of order) {
    run++;
    const database = `f${run}`;
    const store = await openTraceStore({ engine: 'chdb', dataDir, database });
    // The store keeps its engine private; a measurement reads it (bench code, not an API).
    const engine = (store as unknown as { engine: SqlEngine }).engine;
    await engine.command(`SYSTEM STOP MERGES ${database}.trace_spans_v3`);
    await engine.command(`SYSTEM STOP MERGES ${database}.trace_index_v12`);
    const table = `${database}.trace_spans_v3`;
    const format: SpanRowFormat = variant === 'tsv' || variant === 'tsv-infile' ? 'TabSeparated' : 'RowBinary';
    let buildMain = 0;
    let insertProcess = 0;
    let insertMain = 0;
    let insertMillis = 0;
    let bytes = 0;
    const insertThreads = new Map<string, number>();
    const loopBefore = processSeconds();
    for (const [index, batch] of batches.entries()) {
      const mainBefore = mainThreadSeconds();
      const rows: RowBatches = buildRowBatches(batch, undefined, format);
      buildMain += mainThreadSeconds() - mainBefore;
      bytes += rows.spans.length;
      let nativeFile = '';
      if (variant === 'native-engine') {
        // Not measured: the conversion stands in for a JS Native builder.
        const rowBinaryFile = join(shmDir, `${database}-${index}.rowbinary`);
        nativeFile = join(shmDir, `${database}-${index}.native`);
        writeFileSync(rowBinaryFile, rows.spans);
        await engine.command(
          `SELECT * FROM file('${rowBinaryFile}', 'RowBinary', '${SPAN_ROW_BINARY_STRUCTURE}') INTO OUTFILE '${nativeFile}' FORMAT Native`,
        );
        rmSync(rowBinaryFile);
      }
      const threadsBefore = threadUsage(process.pid);
      const cpuBefore = processSeconds();
      const mainAtInsert = mainThreadSeconds();
      const started = performance.now();
      if (variant === 'tsv') {
        await engine.insertTabSeparated(table, SPAN_COLUMNS, rows.spans);
      } else if (variant === 'rowbinary') {
        await engine.insertRowBinary(table, SPAN_COLUMNS, SPAN_ROW_BINARY_STRUCTURE, rows.spans);
      } else if (variant === 'native-engine') {
        await engine.command(`INSERT INTO ${table} (${SPAN_COLUMNS.join(', ')}) SELECT * FROM file('${nativeFile}', 'Native')`);
        rmSync(nativeFile);
      } else {
        const file = join(shmDir, `${database}-${index}.bin`);
        writeFileSync(file, rows.spans);
        await engine.command(`INSERT INTO ${table} (${SPAN_COLUMNS.join(', ')}) FROM INFILE '${file}' FORMAT ${format}`);
        rmSync(file);
      }
      insertMillis += performance.now() - started;
      insertProcess += processSeconds() - cpuBefore;
      insertMain += mainThreadSeconds() - mainAtInsert;
      for (const [name, seconds] of threadUsage(process.pid)) {
        const used = seconds - (threadsBefore.get(name) ?? 0);
        if (used > 0) insertThreads.set(name, (insertThreads.get(name) ?? 0) + used);
      }
    }
    const loopCpu = processSeconds() - loopBefore;
    const [stored] = await engine.query<{ n: string }>(`SELECT count() AS n FROM ${table}`);
    if (Number(stored?.n) !== spans) throw new Error(`${variant}: ${stored?.n} rows stored, ${spans} written`);
    const per100k = (seconds: number): number => Math.round((seconds / spans) * 1e5 * 1000) / 1000;
    const result = {
      run,
      variant,
      load1: Math.round(loadavg()[0]! * 100) / 100,
      spans,
      inserts: batches.length,
      bytesPerSpan: Math.round((bytes / spans) * 10) / 10,
      buildMainCpuSecondsPer100k: per100k(buildMain),
      insertCpuSecondsPer100k: per100k(insertProcess),
      insertMainCpuSecondsPer100k: per100k(insertMain),
      /** The whole loop, every thread (V8's GC helpers and chDB's pools included). */
      totalCpuSecondsPer100k: per100k(loopCpu),
      insertMillisPerInsert: Math.round(insertMillis / batches.length),
      /** CPU-s per 100k spans of the inserts, by thread name (the largest five). */
      insertThreads: Object.fromEntries(
        [...insertThreads]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 5)
          .map(([name, seconds]) => [name, per100k(seconds)]),
      ),
    };
    console.log(JSON.stringify(result));
    await engine.command(`DROP DATABASE ${database} SYNC`);
    await store.close();
  }
  await keeper.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(shmDir, { recursive: true, force: true });
}
