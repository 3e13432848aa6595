/**
 * Reading one big trace from the store directly (issue "Web UI", item 4): getTrace (one query,
 * one result string) against readTrace (pages) at several page sizes, and the compact encoding
 * fed page by page, on embedded chDB. Traces are `test/support/big-trace.ts` shapes written with
 * `writeSpans` in 5,000-span batches (as the OTLP receiver's batches arrive). Each read is timed
 * `--runs` times; the median is reported. getTrace is skipped where it cannot work (1M spans:
 * its result passes V8's string limit).
 *
 *   node --max-old-space-size=8192 --import tsx bench/trace-read-bench.ts [--sizes 100000,1000000] [--pages 10000,50000] [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CompactTraceEncoder } from '../src/query/compact-trace-encoder.js';
import { openTraceStore } from '../src/storage/open-trace-store.js';
import type { TraceStore } from '../src/storage/trace-store.js';
import { bigTraceChunks } from '../test/support/big-trace.js';
import { randomTraceId } from '../test/support/span-factory.js';
import { DEFAULT_TENANT } from '../src/model/tenant.js';

const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    pages: { type: 'string', default: '10000,50000' },
    runs: { type: 'string', default: '3' },
  },
});
const sizes = options.sizes.split(',').filter(Boolean).map(Number);
const pageSizes = options.pages.split(',').filter(Boolean).map(Number);
const runs = Number(options.runs);
/** getTrace's one result string passes V8's limit near 1M spans of this shape. */
const GET_TRACE_MAX_SPANS = 500_000;

async function median(work: () => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await work();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return Math.round(ms[Math.floor(ms.length / 2)]!);
}

async function readAll(store: TraceStore, traceId: string, pageSpans: number): Promise<number> {
  let spans = 0;
  for await (const page of store.forTenant(DEFAULT_TENANT).readTrace(traceId, { pageSpans })) spans += page.length;
  return spans;
}

async function encodeAll(store: TraceStore, traceId: string, pageSpans: number): Promise<number> {
  const encoder = new CompactTraceEncoder(traceId);
  for await (const page of store.forTenant(DEFAULT_TENANT).readTrace(traceId, { pageSpans })) encoder.addPage(page);
  let chars = 0;
  for (const piece of encoder.finish()) chars += piece.length;
  return chars;
}

const dataDir = mkdtempSync(join(tmpdir(), 'skein-trace-read-'));
const store = await openTraceStore({ engine: 'chdb', dataDir });
console.log(
  `trace-read-bench: ${store.description}, ${cpus().length} CPUs, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
try {
  for (const size of sizes) {
    const traceId = randomTraceId();
    const t0 = performance.now();
    const start = BigInt(Date.now() - 10 * 60_000) * 1_000_000n;
    for (const chunk of bigTraceChunks(traceId, size, start, 5_000)) await store.writeSpans(chunk);
    console.log(`${size} spans: written in ${Math.round(performance.now() - t0)} ms`);
    if (size <= GET_TRACE_MAX_SPANS) {
      const count = (await store.forTenant(DEFAULT_TENANT).getTrace(traceId)).length;
      if (count !== size) throw new Error(`getTrace returned ${count} spans`);
      console.log(`  getTrace: ${await median(() => store.forTenant(DEFAULT_TENANT).getTrace(traceId))} ms`);
    }
    for (const pageSpans of pageSizes) {
      const count = await readAll(store, traceId, pageSpans);
      if (count !== size) throw new Error(`readTrace returned ${count} spans`);
      console.log(`  readTrace pageSpans=${pageSpans}: ${await median(() => readAll(store, traceId, pageSpans))} ms`);
      console.log(`  readTrace + compact encoding, pageSpans=${pageSpans}: ${await median(() => encodeAll(store, traceId, pageSpans))} ms`);
    }
  }
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  console.log(
    `load after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}
