/**
 * The metrics tap's cost (issue 12, item 7): CPU per span of counting (span metrics + service
 * graph, weights read, as the stage does per accepted batch) on realistic spans, as a share of
 * Skein's measured ingest CPU per span (BENCHMARKS.md, c: CPU-s per 100k spans), and its memory
 * at the cardinality limit (every span a new series: heap growth once the limit is reached).
 *
 *   node --import tsx bench/metrics-tap-bench.ts [--spans 200000] [--runs 5] [--ingest-cpu-s-per-100k 4.35] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MetricsTap } from '../src/collector/metrics/metrics-tap.js';
import { metricsTapConfigSchema } from '../src/collector/metrics/metrics-tap-config.js';
import type { Span } from '../src/model/span.js';
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
  for (const batch of input) tap.record(batch, tap.weightsOf(batch));
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
const result = {
  microsPerSpan: Math.round(microsPerSpan * 1000) / 1000,
  ingestMicrosPerSpan,
  shareOfIngestCpu: Math.round((microsPerSpan / ingestMicrosPerSpan) * 10_000) / 100,
  series: tap.spanMetrics.series.size,
  cardinalityLimit: limit,
  heapMiB: Math.round(((heapAfter - heapBefore) / 1048576) * 10) / 10,
};
console.log(
  `metrics tap: ${result.microsPerSpan} CPU-µs/span = ${result.shareOfIngestCpu} % of ingest (${ingestMicrosPerSpan} µs/span); ` +
    `${result.series} series at limit ${limit}: +${result.heapMiB} MiB heap`,
);
if (options.json) writeFileSync(options.json, JSON.stringify(result, null, 2));
