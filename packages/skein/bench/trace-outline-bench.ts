/**
 * The windowed trace view's server side (issue 19 item 5): reading a big trace's outline columns
 * from the store (one narrow query), assembling the tree (query/trace-outline.ts), and answering
 * window requests from the assembled outline, on embedded chDB. Traces are
 * `test/support/big-trace.ts` shapes written with `writeSpans` in 5,000-span batches. Each step is
 * timed `--runs` times; the median is reported with the load average (the machine is shared).
 *
 *   node --max-old-space-size=8192 --import tsx bench/trace-outline-bench.ts [--sizes 100000,1000000] [--runs 3] [--json FILE]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TENANT } from '../src/model/tenant.js';
import { TraceOutlineCache } from '../src/query/trace-outline-cache.js';
import { outlineResponse } from '../src/query/trace-outline-route.js';
import { buildTraceOutline, searchOutline, visibleRows } from '../src/query/trace-outline.js';
import { openTraceStore } from '../src/storage/open-trace-store.js';
import { bigTraceChunks } from '../test/support/big-trace.js';
import { randomTraceId } from '../test/support/span-factory.js';

const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    runs: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
const sizes = options.sizes.split(',').filter(Boolean).map(Number);
const runs = Number(options.runs);
const load = (): number[] => loadavg().map((l) => Math.round(l * 100) / 100);

/**
 * Median wall time and median CPU time of this process (all threads: chDB's engine runs in them)
 * over `runs` runs. On a shared machine the CPU time is the figure that load barely moves.
 */
async function median(work: () => unknown): Promise<{ ms: number; cpuMs: number }> {
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await work();
    ms.push(performance.now() - t0);
    const used = process.cpuUsage(c0);
    cpu.push((used.user + used.system) / 1000);
  }
  const middle = (values: number[]): number => Math.round(values.sort((a, b) => a - b)[Math.floor(values.length / 2)]! * 10) / 10;
  return { ms: middle(ms), cpuMs: middle(cpu) };
}

const dataDir = mkdtempSync(join(tmpdir(), 'skein-trace-outline-'));
const store = await openTraceStore({ engine: 'chdb', dataDir });
const loadAtStart = load();
console.log(`trace-outline-bench: ${store.description}, ${cpus().length} CPUs, load ${loadAtStart.join(' ')}`);
const results: object[] = [];
try {
  const reader = store.forTenant(DEFAULT_TENANT);
  for (const size of sizes) {
    const traceId = randomTraceId();
    const t0 = performance.now();
    const start = BigInt(Date.now() - 10 * 60_000) * 1_000_000n;
    for (const chunk of bigTraceChunks(traceId, size, start, 5_000)) await store.writeSpans(chunk);
    console.log(`${size} spans: written in ${Math.round(performance.now() - t0)} ms`);
    const columns = await reader.readTraceOutline(traceId);
    if (columns.spanCount !== size) throw new Error(`outline has ${columns.spanCount} spans`);
    const readMs = await median(() => reader.readTraceOutline(traceId));
    const outline = buildTraceOutline(traceId, columns);
    const buildMs = await median(() => buildTraceOutline(traceId, columns));
    const fold = { foldDepth: 5, toggled: new Set<number>() };
    const visibleFoldedMs = await median(() => visibleRows(outline, fold));
    const visibleAllMs = await median(() => visibleRows(outline, { foldDepth: 1_000_000, toggled: new Set() }));
    const searchMs = await median(() => searchOutline(outline, '#999', -1));
    // Through the route with a fresh cache: the first request (read + build + window) as the page sees it.
    const url = (query: string): URL => new URL(`http://x/api/v1/traces/${traceId}/outline?${query}`);
    const firstWindowMs = await median(() =>
      outlineResponse(reader, new TraceOutlineCache(), traceId, url('fold=5&limit=200&summary=300')),
    );
    const cache = new TraceOutlineCache();
    await outlineResponse(reader, cache, traceId, url('fold=5&limit=200'));
    const cachedWindowMs = await median(() =>
      outlineResponse(reader, cache, traceId, url(`fold=1000000&limit=200&offset=${Math.floor(size / 2)}`)),
    );
    const cachedSearchMs = await median(() => outlineResponse(reader, cache, traceId, url('fold=5&limit=200&search=%23999')));
    const result = {
      spans: size,
      readMs,
      buildMs,
      visibleFoldedMs,
      visibleAllMs,
      searchMs,
      firstWindowMs,
      cachedWindowMs,
      cachedSearchMs,
      load: load(),
      loadText: load().join(' '),
    };
    console.log(`  ${JSON.stringify(result)}`);
    results.push(result);
  }
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
const report = {
  date: new Date().toISOString(),
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  node: process.version,
  loadAtStart,
  loadAtEnd: load(),
  runs,
  results,
};
if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
console.log(`load after: ${load().join(' ')}`);
