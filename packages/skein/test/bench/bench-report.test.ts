/** The `npm run bench` report: figures against the issue-3 targets (issue 19 item 3 for the lookups), from the benchmarks' JSON. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFigures } from '../../bench/bench-figures.js';
import { markdownTable, renderMarkdown, type BenchResults, type Figure } from '../../bench/bench-report.js';

const timed = (p50: number, p99: number) => ({ p50, p99 });
const checkpoint = (storedSpans: number, traceP99: number, searchP50: number) => ({
  storedSpans,
  traceByIdMs: timed(10, traceP99),
  search1hMs: timed(searchP50, 500),
  search24hMs: timed(searchP50 * 2, 700),
  servicesMs: timed(1.7, 3.7),
  operationsMs: timed(2.3, 2.7),
  dependencies1hMs: timed(57, 60),
  dependencies24hMs: timed(1530, 1600),
});

const RESULTS: BenchResults = {
  decode: {
    results: [
      { name: 'decode protobufjs Type.decode only (baseline)', spansPerSecond: 102_400, spansPerCpuSecond: 84_300 },
      { name: 'decode hand-written into model', spansPerSecond: 102_200, spansPerCpuSecond: 70_700 },
    ],
  },
  storageLimit: { settings: { totalSpans: 500_000, batchSpans: 20_000, format: 'JSONEachRow' }, storageLimitSpansPerSecond: 25_000 },
  e2e: {
    settings: { connections: 16, batchSize: 512, protocol: 'http/protobuf' },
    spansPerSecond: 20_000,
    exportLatencyMillis: { p50: 240, p90: 500, p99: 700, max: 900 },
    skein: { cpuSecondsPer100kSpans: 8.4, peakRssMiB: 812, averageCpuCores: 1.6 },
    loadgenProcess: { averageCpuCores: 0.2 },
    loadgen: { seconds: 60.4 },
    disk: { storedSpans: 1_200_000, bytesPerSpan: 38 },
  },
  query: { checkpoints: [checkpoint(1_004_740, 43.7, 86), checkpoint(10_000_000, 60, 150)], bytesPerSpanAfterMerges: 202.8 },
};

function byName(figures: Figure[], text: string): Figure {
  const found = figures.find((f) => f.name.includes(text));
  assert.ok(found, text);
  return found;
}

test('figures are judged against the issue-3 targets', () => {
  const figures = buildFigures(RESULTS);
  const e2e = byName(figures, 'end to end: spans/s');
  assert.equal(e2e.value, 20_000);
  assert.equal(e2e.status, 'missed');
  assert.match(e2e.name, /http\/protobuf, 60.4 s, 16 connections, 512-span requests/);
  const ratio = byName(figures, 'c/b');
  assert.equal(ratio.value, 0.8, 'c/b from the same run');
  assert.equal(ratio.status, 'met');
  assert.equal(byName(figures, 'CPU-seconds per 100k').status, 'missed');
  assert.equal(byName(figures, 'peak RSS').status, 'n/a', 'no target');
  assert.equal(byName(figures, 'export latency').display, '700 ms (p50 240 ms)');
  assert.equal(byName(figures, "Skein's OTLP protobuf decoder").display, '102,200 spans/s (70,700 spans/CPU-s)');
  assert.equal(byName(figures, 'storage limit').value, 25_000);

  // Query targets hold at 10M: shown at 1M, judged only at 10M.
  const byId1M = byName(figures, 'trace by ID p50 / p99, 1M');
  assert.equal(byId1M.value, 43.7);
  assert.equal(byId1M.judged, false);
  assert.equal(byId1M.status, 'n/a');
  assert.equal(byName(figures, 'trace by ID p50 / p99, 10M').status, 'missed');
  // Issue 19 item 3: search 1 h p50 ≤ 30 ms and p99 ≤ 100 ms, trace by ID p99 ≤ 10 ms.
  assert.equal(byName(figures, '1 h p50 / p99, 10M').status, 'missed');
  assert.equal(byName(figures, '1 h p99 (p50 / p99), 10M').value, 500);
  assert.equal(byName(figures, '1 h p99 (p50 / p99), 10M').status, 'missed');
  assert.equal(byName(figures, '24 h p50 / p99, 10M').status, 'missed');
  assert.equal(byName(figures, '24 h p50 / p99, 10M').value, 300);

  assert.equal(byName(figures, 'query data set (10M spans)').status, 'missed');
  assert.equal(byName(figures, 'end-to-end run (1.2M spans)').status, 'met');
});

test('a benchmark that did not run leaves its figures n/a, not a crash', () => {
  const figures = buildFigures({ decode: RESULTS.decode, e2e: { spansPerSecond: 'oops' } });
  for (const f of figures.filter((x) => x.part !== 'a')) {
    assert.equal(f.value, null, f.name);
    assert.equal(f.display, 'n/a');
    assert.equal(f.status, 'n/a');
  }
  assert.ok(!figures.some((f) => f.part === 'd'), 'no checkpoints, no query rows');
});

test('the Markdown report states the machine, the commit and each figure with its target', () => {
  const markdown = renderMarkdown({
    environment: {
      date: '2026-11-23T12:00:00.000Z',
      commit: '2edda55f00000000000000000000000000000000',
      dirty: true,
      cores: 2,
      cpuModel: 'AMD EPYC',
      ramGiB: 24,
      node: 'v20.20.2',
      chdb: '26.7.2.1',
      chdbNpm: '3.4.0',
      mode: 'full',
    },
    figures: buildFigures(RESULTS),
    steps: [
      { name: 'decode', command: 'node --import tsx bench/decode-bench.ts', seconds: 51.2, ok: true },
      { name: 'query', command: 'node --import tsx bench/query-bench.ts', seconds: 3, ok: false, error: 'exit code 1' },
    ],
    results: RESULTS,
  });
  assert.match(markdown, /2 cores \(AMD EPYC\), 24 GiB RAM; Node v20\.20\.2; chDB 26\.7\.2\.1/);
  assert.match(markdown, /git commit 2edda55f0000 with uncommitted changes/);
  assert.match(markdown, /\| c +\| end to end: spans\/s .*\| +20,000 spans\/s \| ≥ 100,000 spans\/s \(on 2 cores\) +\| \*\*missed\*\* +\|/);
  assert.match(
    markdown,
    /\| d +\| trace by ID p50 \/ p99, 1M spans stored .*\| +10 \/ 43\.7 ms \| ≤ 10 ms \(p99 at 10M spans\) +\| not judged below 10M/,
  );
  assert.match(markdown, /FAILED: exit code 1/);
  assert.match(markdown, /c\/b: b's JSON does not name the spans it prepared/, 'b and c may not send the same spans');
  assert.match(markdown, /Targets \(issue 3\): \d+ met, \d+ missed; 1 benchmark\(s\) failed/);
});

test('Markdown tables pad every column to one width', () => {
  const table = markdownTable(
    ['a', 'bb'],
    [
      ['long cell', '1'],
      ['x', '22'],
    ],
    [false, true],
  );
  const lines = table.split('\n');
  assert.equal(new Set(lines.map((l) => l.length)).size, 1);
  assert.equal(lines[1], '| --------- | --: |');
});

test('f. overload figures: accepted share judged against 90 %, answer p99 against 5 s, peak RSS against the configured limit', () => {
  const figures = buildFigures({
    overload: {
      machine: { loadAverage1mBefore: 3.2 },
      settings: { limitMib: 1200, maxQueueWait: '2s' },
      capacitySpansPerSecond: 10_000,
      offeredSpansPerSecond: 30_000,
      attemptedSpansPerSecond: 29_000,
      acceptedSpansPerSecond: 9_500,
      acceptedShareOfCapacity: 0.95,
      answerMillis: { p50: 900, p90: 1_800, p99: 2_400, max: 2_900 },
      peakRssMib: 1_300,
    },
  }).filter((f) => f.part === 'f');
  assert.deepEqual(
    figures.map((f) => [f.value, f.status]),
    [
      [10_000, 'n/a'],
      [95, 'met'],
      [2_400, 'met'],
      [1_300, 'missed'],
    ],
  );
  assert.match(figures[1]!.name, /open loop: offered 30,000, sent 29,000 spans\/s/);
});

test('k. Skein next to Jaeger: Skein judged on the issue-19 ingest, CPU and bytes targets, the peers as ratios; a skipped run says why', () => {
  const medians = (spansPerSecond: number, cpu: number, traceP99: number, bytesPerSpan: number | null) => ({
    spansPerSecond,
    cpuSecondsPer100kSpans: cpu,
    traceByIdP50Ms: traceP99 / 4,
    traceByIdP99Ms: traceP99,
    searchP50Ms: 40,
    searchP99Ms: 120,
    bytesPerSpan,
  });
  const jaeger = {
    settings: { rounds: 2, durationSeconds: 30 },
    runs: [{ loadAverage1m: 1.2 }, { loadAverage1m: 0.8 }],
    medians: {
      skein: medians(40_000, 3.8, 48, 61),
      'jaeger-badger': medians(10_000, 15.2, 6, 1400),
      'jaeger-memory': medians(80_000, 1.9, 24, null),
    },
  };
  const figures = buildFigures({ jaeger }).filter((f) => f.part === 'k');
  assert.equal(figures.length, 7);
  const ingest = figures.find((f) => f.name.includes('acknowledged spans/s'))!;
  assert.match(ingest.name, /Jaeger acknowledges before storing, Skein after/);
  assert.match(ingest.name, /median of 2 interleaved rounds of 30 s; 1-min load 0.8–1.2\)/);
  assert.equal(ingest.value, 40_000);
  assert.equal(ingest.status, 'missed');
  assert.equal(ingest.display, '40,000 spans/s; jaeger-badger 10,000 (Skein 4× better); jaeger-memory 80,000 (Skein 2× worse)');
  const cpu = figures.find((f) => f.name.includes('CPU-s'))!;
  assert.equal(cpu.display, '3.8 CPU-s; jaeger-badger 15.2 (Skein 4× better); jaeger-memory 1.9 (Skein 2× worse)');
  const traceP99 = figures.find((f) => f.name.includes('trace by ID p99'))!;
  assert.equal(traceP99.judged, false);
  assert.equal(traceP99.status, 'n/a');
  assert.match(traceP99.display, /jaeger-badger 6 \(Skein 8× worse\)/);
  const bytes = figures.find((f) => f.name.includes('bytes per span'))!;
  assert.equal(bytes.status, 'missed');
  assert.match(bytes.display, /jaeger-memory: —$/);

  const skipped = buildFigures({ jaeger: { skipped: 'Go is not installed' } }).filter((f) => f.part === 'k');
  assert.equal(skipped.length, 1);
  assert.match(skipped[0]!.name, /skipped \(Go is not installed\)/);
  assert.equal(skipped[0]!.value, null);
});

test('l. Kafka clients: the product client with kafkajs beside it as a ratio, never judged; a skipped run says why', () => {
  const phases = (produceSpans: number, p99: number, cpu: number, consumeSpans: number) => ({
    produce: { spansPerSecond: produceSpans, requestP99Ms: p99, cpuSecondsPer100kSpans: cpu, rssGrowthMiB: 40 },
    consume: { spansPerSecond: consumeSpans, cpuSecondsPer100kSpans: cpu / 2 },
  });
  const kafkaClient = {
    runs: [{}, {}, {}, {}],
    medians: { '@platformatic/kafka': phases(30_000, 50, 2, 90_000), kafkajs: phases(15_000, 25, 4, 90_000) },
  };
  const figures = buildFigures({ kafkaClient }).filter((f) => f.part === 'l');
  assert.equal(figures.length, 6);
  assert.ok(figures.every((f) => f.status === 'n/a' && !f.judged));
  const produce = figures[0]!;
  assert.match(produce.name, /@platformatic\/kafka vs kafkajs: produce, acks=all, idempotent \(median of 4 runs\)/);
  assert.equal(produce.value, 30_000);
  assert.equal(produce.display, '30,000 spans/s; kafkajs 15,000 (2× better)');
  assert.equal(figures.find((f) => f.name.includes('p99'))!.display, '50 ms; kafkajs 25 (2× worse)');
  assert.equal(figures.find((f) => f.name.includes('consume, client CPU'))!.display, '1 CPU-s; kafkajs 2 (2× better)');
  assert.equal(figures.find((f) => f.name.includes('consume, consumer group'))!.display, '90,000 spans/s; kafkajs 90,000 (the same)');

  const skipped = buildFigures({ kafkaClient: { skipped: 'java is not installed' } }).filter((f) => f.part === 'l');
  assert.equal(skipped.length, 1);
  assert.match(skipped[0]!.name, /skipped \(java is not installed\)/);
});
