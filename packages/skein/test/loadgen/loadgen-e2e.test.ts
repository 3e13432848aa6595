/**
 * `skein loadgen` against a real Skein process over every protocol: the traces it generated must
 * all arrive whole (issue 3, items 1 and 5). The expected traces are regenerated from the seed and
 * start time, which also proves that the run was deterministic.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Span } from '../../src/model/span.js';
import { defaultTopology } from '../../src/loadgen/default-topology.js';
import { parseLoadgenArgs, runLoadgen, UNPACED_TRACE_INTERVAL_NANOS, type LoadgenSummary } from '../../src/loadgen/run-loadgen.js';
import { TraceGenerator } from '../../src/loadgen/trace-generator.js';
import { getJson, makeTempDir, removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';

const TRACES = 300;
const LARGE_SHARE = 0.01;
const START = (BigInt(Date.now()) - 120_000n) * 1_000_000n;

function expectedTraces(seed: number, traces: number): Span[][] {
  // The same seed, start time, trace spacing (unpaced) and topology as the run: the same traces.
  const generator = new TraceGenerator(defaultTopology(), {
    seed,
    startTimeUnixNano: START,
    largeTraceShare: LARGE_SHARE,
    meanTraceIntervalNanos: UNPACED_TRACE_INTERVAL_NANOS,
  });
  return Array.from({ length: traces }, () => generator.nextTrace());
}

describe('loadgen against a real Skein', () => {
  let skein: SkeinProcess;
  let fixtureDir: string;
  const logs: string[] = [];
  const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(`WARN ${m}`) };
  const expected = new Map<string, Span[]>();

  before(async () => {
    skein = await startSkein();
    fixtureDir = makeTempDir('loadgen-fixture');
  });
  after(async () => {
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
    removeDir(fixtureDir);
  });

  const cases: [string, number, () => string][] = [
    ['http/protobuf', 101, () => skein.otlpHttpUrl],
    ['http/json', 102, () => `http://127.0.0.1:${skein.ports.otlpHttp}`],
    ['grpc', 103, () => `127.0.0.1:${skein.ports.otlpGrpc}`],
  ];
  for (const [protocol, seed, endpoint] of cases) {
    test(`${TRACES} traces over ${protocol} are all acknowledged`, async () => {
      const options = parseLoadgenArgs([
        `--protocol=${protocol}`,
        `--endpoint=${endpoint()}`,
        `--traces=${TRACES}`,
        `--seed=${seed}`,
        `--start-time=${START}`,
        `--large-trace-share=${LARGE_SHARE}`,
        '--rate=max',
        '--connections=4',
        '--batch-size=256',
      ]);
      const summary: LoadgenSummary = await runLoadgen({ ...options, progressIntervalMillis: 200 }, log);
      const traces = expectedTraces(seed, TRACES);
      for (const trace of traces) expected.set(trace[0]!.traceId, trace);
      assert.equal(summary.traces, TRACES);
      assert.equal(summary.spans, traces.flat().length);
      assert.equal(summary.sent, summary.spans);
      assert.equal(summary.acknowledged, summary.spans, JSON.stringify(summary));
      assert.equal(summary.rejected + summary.failed, 0);
      assert.ok(summary.latencyMillis.p99 > 0);
    });
  }

  test('a fixture written with a seed is byte-identical when written again, and replays', async () => {
    const paths = [join(fixtureDir, 'a.bin'), join(fixtureDir, 'b.bin')];
    for (const path of paths) {
      const summary = await runLoadgen(
        parseLoadgenArgs([`--write-fixture=${path}`, '--traces=50', '--seed=104', `--start-time=${START}`]),
        log,
      );
      assert.equal(summary.fixture?.requests, Math.ceil(summary.spans / 512));
    }
    assert.ok(readFileSync(paths[0]!).equals(readFileSync(paths[1]!)));
    const replay = await runLoadgen(
      parseLoadgenArgs([`--from-fixture=${paths[0]}`, '--protocol=http/json', `--endpoint=${skein.otlpHttpUrl}`, '--rate=max']),
      log,
    );
    assert.equal(replay.traces, 50);
    assert.equal(replay.acknowledged, replay.spans);
    // The first trace starts at the start time whatever the spacing, which depends on --rate.
    const traces = new TraceGenerator(defaultTopology(), { seed: 104, startTimeUnixNano: START }).nextTrace();
    expected.set(traces[0]!.traceId, traces);
  });

  test('every trace arrived whole: search summaries and trace by ID', async () => {
    const { status, body } = await getJson(`${skein.queryUrl}/api/v1/search?lookback=24h&limit=1000`);
    assert.equal(status, 200);
    const found = new Map<string, { spanCount: number; rootSpanMissing: boolean }>(body.traces.map((t: any) => [t.traceId, t]));
    let checked = 0;
    for (const [traceId, spans] of expected) {
      const summary = found.get(traceId);
      assert.ok(summary, `trace ${traceId} found by search`);
      assert.equal(summary.spanCount, spans.length, `span count of ${traceId}`);
      assert.equal(summary.rootSpanMissing, false);
      checked++;
    }
    assert.ok(checked >= 3 * TRACES);
    // The full trace for a sample, including every large one.
    const sample = [...expected.values()].filter((spans, i) => i % 25 === 0 || spans.length >= 1000);
    assert.ok(
      sample.some((spans) => spans.length >= 1000),
      'a large trace was sent',
    );
    for (const spans of sample) {
      const { status: traceStatus, body: trace } = await getJson(`${skein.queryUrl}/api/v1/traces/${spans[0]!.traceId}`);
      assert.equal(traceStatus, 200);
      const stored = new Map<string, any>(trace.spans.map((s: any) => [s.spanId, s]));
      assert.equal(stored.size, spans.length);
      for (const span of spans) {
        const got = stored.get(span.spanId);
        assert.ok(got, `span ${span.spanId} stored`);
        assert.equal(got.parentSpanId, span.parentSpanId);
        assert.equal(got.name, span.name);
        assert.equal(got.startTimeUnixNano, String(span.startTimeUnixNano));
        // Redaction is on by default: it may add its summary attributes (SQL literals stripped).
        const own = got.attributes.filter((a: any) => !a.key.startsWith('redaction.masked.'));
        assert.equal(own.length, span.attributes.length);
      }
    }
    assert.ok(
      logs.some((l) => /loadgen .*sent \d+ .*latency p50/.test(l)),
      'progress lines were logged',
    );
  });
});
