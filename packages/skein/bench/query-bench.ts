/**
 * Query latency with many stored spans (issue 3, item 2d): loads the default loadgen topology's
 * traces, spread over the last 24 h, through the storage write path (`writeSpans`, 50k-span
 * batches) into embedded chDB, and times the read API at checkpoints (default 1M and 10M spans):
 * trace by ID p50/p99, search (service + attribute + min duration) over 1 h and 24 h, services,
 * operations, dependencies, and the TraceQL figures of issue 11 (autocompletion, rate() by service over
 * 24 h). Ends with bytes per span after merges.
 *
 *   node --import tsx bench/query-bench.ts [--checkpoints 1000000,10000000] [--lookups 300] [--json file] [--keep-data DIR | --reuse-data DIR]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Session } from 'chdb';
import { defaultTopology } from '../src/loadgen/default-topology.js';
import { TraceGenerator } from '../src/loadgen/trace-generator.js';
import type { Span } from '../src/model/span.js';
import { openTraceStore } from '../src/storage/open-trace-store.js';
import type { TenantTraceReader, TraceStore } from '../src/storage/trace-store.js';
import { DEFAULT_TENANT } from '../src/model/tenant.js';
import { benchSearchQuery } from './bench-search-query.js';
import { SpanMetricsAggregator } from '../src/collector/metrics/span-metrics-aggregator.js';
import { metricsTapConfigSchema } from '../src/collector/metrics/metrics-tap-config.js';
import { runMetricsQuery } from '../src/query/tempo/tempo-metrics.js';
import { planMetricsQuery } from '../src/query/tempo/traceql-metrics-plan.js';
import { defaultStepNano } from '../src/query/tempo/tempo-params.js';
import { parseTraceQL } from '../src/query/traceql/parser.js';
import { executeTraceQLSearch } from '../src/query/traceql/search.js';

const { values: options } = parseArgs({
  options: {
    checkpoints: { type: 'string', default: '1000000,10000000' },
    lookups: { type: 'string', default: '300' },
    json: { type: 'string' },
    // Keeps the loaded store in DIR (with the sampled trace IDs and the clock), so that
    // `--reuse-data DIR` can measure it again after a change without loading 10M spans again
    // (~15 min on this machine).
    'keep-data': { type: 'string' },
    'reuse-data': { type: 'string' },
  },
});
const checkpoints = options.checkpoints.split(',').map(Number);
const totalSpans = Math.max(...checkpoints);
const lookups = Number(options.lookups);
const HOUR = 3_600_000_000_000n;
const BATCH = 50_000;
const AVERAGE_SPANS_PER_TRACE = 22.7; // measured for the default topology

function percentile(sorted: number[], p: number): number {
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN).toFixed(1));
}

async function time<T>(runs: number, work: () => Promise<T>): Promise<{ p50: number; p99: number }> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await work();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

async function measure(store: TraceStore, traceIds: string[], now: bigint, stored: number): Promise<object> {
  let pick = 0;
  const byId = await time(lookups, async () => {
    const spans = await store.forTenant(DEFAULT_TENANT).getTrace(traceIds[(pick = (pick * 7919 + 13) % traceIds.length)]!);
    if (spans.length === 0) throw new Error('trace not found');
  });
  const search = (hours: bigint) => time(20, () => store.forTenant(DEFAULT_TENANT).searchTraces(benchSearchQuery(now, hours)));
  const result = {
    storedSpans: stored,
    traceByIdMs: byId,
    search1hMs: await search(1n),
    search24hMs: await search(24n),
    servicesMs: await time(20, () => store.forTenant(DEFAULT_TENANT).listServices()),
    operationsMs: await time(20, () => store.forTenant(DEFAULT_TENANT).listOperations('cart')),
    attributeKeys1hMs: await time(20, () =>
      store.forTenant(DEFAULT_TENANT).listAttributeKeys({ startTimeUnixNano: now - HOUR, endTimeUnixNano: now, limit: 200 }),
    ),
    attributeValues1hMs: await time(20, () =>
      store
        .forTenant(DEFAULT_TENANT)
        .listAttributeValues('http.route', { serviceName: 'gateway', startTimeUnixNano: now - HOUR, endTimeUnixNano: now, limit: 100 }),
    ),
    dependencies1hMs: await time(5, () => store.forTenant(DEFAULT_TENANT).getDependencies(now - HOUR, now)),
    dependencies24hMs: await time(3, () => store.forTenant(DEFAULT_TENANT).getDependencies(now - 24n * HOUR, now)),
    ...(await traceqlFigures(store, now)),
  };
  console.log(`\n${JSON.stringify(result)}`);
  return result;
}

/**
 * Issue 11's TraceQL figures: tag and value autocompletion as Grafana's editor asks for them
 * (`/api/v2/search/tags`, `/api/v2/search/tag/resource.service.name/values` over the last hour),
 * and `{ } | rate() by (resource.service.name)` over 24 h at Tempo's default step (as the Tempo
 * API runs them, parse to series), and TraceQL search over 24 h (one condition; structural).
 */
async function traceqlFigures(store: TraceStore, now: bigint): Promise<object> {
  const reader = store.forTenant(DEFAULT_TENANT);
  const rate = planMetricsQuery(parseTraceQL('{ } | rate() by (resource.service.name)'));
  const start = now - 24n * HOUR;
  const rateWindow = { startNano: start, endNano: now, stepNano: defaultStepNano(start, now), instant: false, exemplars: 0 };
  return {
    traceqlTagNames1hMs: await time(20, () =>
      reader.listAttributeKeys({ startTimeUnixNano: now - HOUR, endTimeUnixNano: now, limit: 1000 }),
    ),
    traceqlTagValues1hMs: await time(20, () =>
      reader.listTypedValues({
        field: { kind: 'attribute', scope: 'resource', key: 'service.name' },
        filter: { combine: 'all', conditions: [] },
        startNano: now - HOUR,
        endNano: now,
        sampleSpans: 100_000,
        limit: 1000,
      }),
    ),
    traceqlFilteredTagValues1hMs: await time(20, () =>
      reader.listTypedValues({
        field: { kind: 'attribute', scope: 'span', key: 'http.route' },
        filter: {
          combine: 'all',
          conditions: [
            { field: { kind: 'attribute', scope: 'resource', key: 'service.name' }, op: '=', value: { type: 'string', value: 'gateway' } },
          ],
        },
        startNano: now - HOUR,
        endNano: now,
        sampleSpans: 100_000,
        limit: 1000,
      }),
    ),
    // Search over 24 h as Grafana sends it (limit 20, spss 3): one condition, then a structural query.
    traceqlFilterMs: await time(10, () =>
      executeTraceQLSearch(reader, '{ span.http.route = "/api/checkout" }', { startNano: start, endNano: now, limit: 20, spss: 3 }),
    ),
    traceqlStructuralMs: await time(5, () =>
      executeTraceQLSearch(reader, '{ resource.service.name = "gateway" } >> { resource.service.name = "payment" && status = error }', {
        startNano: start,
        endNano: now,
        limit: 20,
        spss: 3,
      }),
    ),
    // Read from the metrics tap's per-minute series (the step is 5 min: whole minutes), and the
    // same query forced onto raw spans, which is what every query did before.
    traceqlRateByService24hSource: (await runMetricsQuery(reader, rate, rateWindow)).source,
    traceqlRateByService24hMs: await time(5, () => runMetricsQuery(reader, rate, rateWindow)),
    traceqlRateByService24hSpansMs: await time(5, () => runMetricsQuery(spansOnly(reader), rate, rateWindow)),
  };
}

/** A reader that says the metrics tap never wrote: TraceQL metrics then read raw spans. */
function spansOnly(reader: TenantTraceReader): TenantTraceReader {
  return new Proxy(reader, {
    get(target, property) {
      if (property === 'spanMetricsCoverage')
        return () => Promise.resolve({ firstMinute: undefined, overflowRows: 0, sanitisedNameRows: 0 });
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

interface KeptState {
  nowNano: string;
  stored: number;
  traceIds: string[];
}

/** Measures a store kept by an earlier `--keep-data` run again. */
async function remeasure(dataDir: string): Promise<void> {
  const state = JSON.parse(readFileSync(join(dataDir, 'bench-state.json'), 'utf8')) as KeptState;
  const store = await openTraceStore({ engine: 'chdb', dataDir });
  let checkpoint: object;
  try {
    checkpoint = await measure(store, state.traceIds, BigInt(state.nowNano), state.stored);
  } finally {
    await store.close();
  }
  // Only with --json: a re-measurement has no bytes figure, so it must not replace query-latest.json.
  if (options.json === undefined) return;
  const summary = {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, ramGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    topology: 'loadgen default (e-commerce), spread over 24 h',
    reusedData: dataDir,
    checkpoints: [checkpoint],
  };
  writeFileSync(options.json, JSON.stringify(summary, null, 2) + '\n');
  console.log(`written ${options.json}`);
}

async function main(): Promise<void> {
  if (options['reuse-data'] !== undefined) return remeasure(options['reuse-data']);
  const keep = options['keep-data'];
  if (keep !== undefined) mkdirSync(keep, { recursive: true });
  const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'skein-query-bench-'));
  console.log(`machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, node ${process.version}`);
  const store = await openTraceStore({ engine: 'chdb', dataDir });
  const now = BigInt(Date.now()) * 1_000_000n;
  const expectedTraces = totalSpans / AVERAGE_SPANS_PER_TRACE;
  const generator = new TraceGenerator(defaultTopology(), {
    seed: 1,
    startTimeUnixNano: now - 24n * HOUR,
    meanTraceIntervalNanos: Number(24n * HOUR) / expectedTraces,
  });
  const traceIds: string[] = [];
  const results: object[] = [];
  // The metrics tap's per-minute series of the same spans (written as the pipeline's tap would),
  // from one trace an hour before the window on, so 24 h queries find the window covered.
  const tap = new SpanMetricsAggregator(metricsTapConfigSchema.parse({}).spanmetrics);
  const early = generator.nextTrace().map((span) => ({
    ...span,
    startTimeUnixNano: span.startTimeUnixNano - HOUR,
    endTimeUnixNano: span.endTimeUnixNano - HOUR,
  }));
  await store.writeSpans(early);
  for (const span of early) tap.record(span, 1);
  let stored = 0;
  let batch: Span[] = [];
  const started = performance.now();
  for (const checkpoint of checkpoints.sort((a, b) => a - b)) {
    while (stored < checkpoint) {
      const trace = generator.nextTrace();
      if (traceIds.length < 5000 || Math.random() < 5000 / generator.tracesGenerated)
        traceIds[traceIds.length < 5000 ? traceIds.length : Math.floor(Math.random() * 5000)] = trace[0]!.traceId;
      batch.push(...trace);
      if (batch.length >= BATCH) {
        await store.writeSpans(batch);
        for (const span of batch) tap.record(span, 1);
        const flush = tap.takeFlush();
        await store.writeMetrics({ spanMetrics: flush.rows, edges: [], exemplars: flush.exemplars });
        stored += batch.length;
        batch = [];
        const seconds = (performance.now() - started) / 1000;
        process.stdout.write(`\r  loaded ${stored} spans (${Math.round(stored / seconds)} spans/s through writeSpans)   `);
      }
    }
    results.push(await measure(store, traceIds.filter(Boolean), now, stored));
  }
  await store.close();
  if (keep !== undefined) {
    const state: KeptState = { nowNano: now.toString(), stored, traceIds: traceIds.filter(Boolean) };
    writeFileSync(join(keep, 'bench-state.json'), JSON.stringify(state));
  }

  const session = new Session(dataDir);
  for (const table of ['trace_spans_v3', 'trace_index_v12', 'resources_v3', 'scopes_v3', 'operations_v3']) {
    await session.queryAsync(`OPTIMIZE TABLE skein.${table} FINAL`);
  }
  const perTable = (
    await session.queryAsync(
      `SELECT table, sum(bytes_on_disk) AS b FROM system.parts WHERE database = 'skein' AND active GROUP BY table ORDER BY table`,
      { format: 'JSONEachRow' },
    )
  )
    .text()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { table: string; b: string });
  const bytes = perTable.reduce((sum, r) => sum + Number(r.b), 0);
  session.close();
  const summary = {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, ramGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    topology: 'loadgen default (e-commerce), spread over 24 h',
    checkpoints: results,
    bytesPerSpanAfterMerges: Number((bytes / stored).toFixed(1)),
    bytesPerSpanByTable: Object.fromEntries(perTable.map((r) => [r.table, Number((Number(r.b) / stored).toFixed(1))])),
  };
  console.log(`bytes per span after merges: ${summary.bytesPerSpanAfterMerges}`);
  const out = options.json ?? join(resolve(import.meta.dirname, '..'), 'bench/results/query-latest.json');
  writeFileSync(out, JSON.stringify(summary, null, 2) + '\n');
  console.log(`written ${out}`);
  if (keep === undefined) rmSync(dataDir, { recursive: true, force: true });
  else console.log(`store kept in ${keep}: measure it again with --reuse-data ${keep}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
