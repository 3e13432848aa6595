/**
 * The metrics tap's cost (issue 12, item 7): CPU per span of counting (span metrics + service
 * graph + adaptive sampling's root spans, weights read, as the stage does per accepted batch) on
 * realistic spans, as a share of Skein's measured ingest CPU per span (BENCHMARKS.md, c: CPU-s per
 * 100k spans), and its memory at the cardinality limit (every span a new series: heap growth once
 * the limit is reached).
 *
 *   node --import tsx bench/metrics-tap-bench.ts [--spans 200000] [--runs 5] [--ingest-cpu-s-per-100k 4.35] [--json out.json]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MetricsTap } from '../src/collector/metrics/metrics-tap.js';
import { metricsTapConfigSchema } from '../src/collector/metrics/metrics-tap-config.js';
import type { Span } from '../src/model/span.js';
import { DEFAULT_TENANT } from '../src/model/tenant.js';
import type { ServiceGraphEdgeRow } from '../src/storage/metrics-store.js';
import { openTraceStore } from '../src/storage/open-trace-store.js';
import { defaultTopology } from '../src/loadgen/default-topology.js';
import { TraceGenerator } from '../src/loadgen/trace-generator.js';
import { realisticSpans } from '../test/unit/fixtures/sample-spans.js';

const { values: options } = parseArgs({
  options: {
    spans: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '5' },
    'ingest-cpu-s-per-100k': { type: 'string', default: '4.35' },
    json: { type: 'string' },
  },
});
const spanCount = Number(options.spans);
const runs = Number(options.runs);
const BATCH = 512;

// The benchmark's own load (`skein loadgen`'s default topology): real traces, so client and
// server halves pair as in production; cut into 512-span requests.
const generator = new TraceGenerator(defaultTopology(), { seed: 17, startTimeUnixNano: BigInt(Date.now()) * 1_000_000n });
const all: Span[] = [];
while (all.length < spanCount) all.push(...generator.nextTrace());
const input: Span[][] = [];
for (let n = 0; n < spanCount; n += BATCH) input.push(all.slice(n, n + BATCH));

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

const perSpan: number[] = [];
for (let run = 0; run <= runs; run++) {
  const tap = new MetricsTap(metricsTapConfigSchema.parse({}), undefined, () => undefined);
  const start = cpuMicros();
  for (const batch of input) {
    const roots = tap.rootsOf(batch);
    tap.record(batch, tap.weightsOf(batch));
    tap.recordRoots(roots);
  }
  const micros = cpuMicros() - start;
  if (run > 0) perSpan.push(micros / spanCount); // run 0 warms the JIT up
}
perSpan.sort((a, b) => a - b);
const microsPerSpan = perSpan[Math.floor(perSpan.length / 2)]!;
const ingestMicrosPerSpan = (Number(options['ingest-cpu-s-per-100k']) * 1e6) / 100_000;

// Memory: 20,000 distinct span names against the default limit of 5,000 series.
const limit = metricsTapConfigSchema.parse({}).spanmetrics.aggregation_cardinality_limit;
global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const tap = new MetricsTap(metricsTapConfigSchema.parse({ spanmetrics: { sanitize_span_names: false } }), undefined, () => undefined);
for (let n = 0; n < 20_000; n += BATCH) {
  const batch = realisticSpans(BATCH, 991 + n);
  batch.forEach((span, i) => (span.name = `op-${n + i}`));
  tap.record(batch, tap.weightsOf(batch));
}
global.gc?.();
const heapAfter = process.memoryUsage().heapUsed;
// Dependencies over 24 h from the edge table on chDB: 60 edges × 1,440 minutes × 4 flushes a
// minute (a 15 s flush interval) = 345,600 rows, whatever the span volume behind them.
const dataDir = mkdtempSync(join(tmpdir(), 'skein-metrics-bench-'));
const store = await openTraceStore({ engine: 'chdb', dataDir, database: 'metrics_bench' });
const nowMinute = Math.floor(Date.now() / 60_000);
for (let minute = nowMinute - 1440; minute < nowMinute; minute += 60) {
  const edges: ServiceGraphEdgeRow[] = [];
  for (let m = minute; m < minute + 60; m++) {
    for (let flush = 0; flush < 4; flush++) {
      for (let e = 0; e < 60; e++) {
        edges.push({
          tenant: DEFAULT_TENANT,
          minute: m,
          client: `svc-${e % 12}`,
          server: `svc-${(e * 7 + 3) % 15}`,
          connectionType: '',
          calls: 100,
          failed: 1,
          histogramIndexes: [100, 110],
          histogramCounts: [60, 40],
        });
      }
    }
  }
  await store.writeMetrics({ spanMetrics: [], edges, exemplars: [] });
}
const reader = store.forTenant(DEFAULT_TENANT);
const endNano = BigInt(nowMinute) * 60_000_000_000n;
const timings: number[] = [];
for (let run = 0; run < 12; run++) {
  const started = process.hrtime.bigint();
  await reader.getDependencies(endNano - 86_400_000_000_000n, endNano);
  if (run > 1) timings.push(Number(process.hrtime.bigint() - started) / 1e6);
}
await store.close();
rmSync(dataDir, { recursive: true, force: true });
timings.sort((a, b) => a - b);
const dependencies24hMillis = {
  p50: Math.round(timings[Math.floor(timings.length / 2)]! * 10) / 10,
  max: Math.round(timings[timings.length - 1]! * 10) / 10,
};

const result = {
  dependencies24hMillis,
  microsPerSpan: Math.round(microsPerSpan * 1000) / 1000,
  ingestMicrosPerSpan,
  shareOfIngestCpu: Math.round((microsPerSpan / ingestMicrosPerSpan) * 10_000) / 100,
  series: tap.spanMetrics.series.size,
  cardinalityLimit: limit,
  heapMiB: Math.round(((heapAfter - heapBefore) / 1048576) * 10) / 10,
};
console.log(
  `metrics tap: ${result.microsPerSpan} CPU-µs/span = ${result.shareOfIngestCpu} % of ingest (${ingestMicrosPerSpan} µs/span); ` +
    `${result.series} series at limit ${limit}: +${result.heapMiB} MiB heap; dependencies 24 h from edges (345,600 rows) p50 ${dependencies24hMillis.p50} ms, max ${dependencies24hMillis.max} ms`,
);
if (options.json) writeFileSync(options.json, JSON.stringify(result, null, 2));
