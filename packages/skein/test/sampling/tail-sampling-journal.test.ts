/**
 * The tail sampler's journal: what a crash leaves behind is replayed (undecided traces with their
 * arrival times, decisions for late spans), a torn last record is survived, segments rotate and
 * are deleted once resolved, and the journal's size is bounded.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { Span } from '../../src/model/span.js';
import { makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';
import { FakeClock, RecordingConsumer, counterValue, harness, removeDir, tempStateDir, type Harness } from './sampling-test-support.js';

const ERRORS = [{ name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } }];
const BASE = { decision_wait: '10s', early_decision_quiet_period: 0, policies: ERRORS };

function traceSpans(children: number, error = false): Span[] {
  const traceId = randomTraceId();
  const rootId = randomSpanId();
  const status = { code: error ? (2 as const) : (0 as const), message: '' };
  return [
    makeSpan({ traceId, spanId: rootId, status }),
    ...Array.from({ length: children }, () => makeSpan({ traceId, parentSpanId: rootId, status })),
  ];
}

function journalDir(stateDir: string): string {
  return join(stateDir, 'tail_sampling');
}

function segmentFiles(stateDir: string): string[] {
  return readdirSync(journalDir(stateDir))
    .filter((name) => name.endsWith('.journal'))
    .sort();
}

const ids = (spans: Span[]) => spans.map((s) => s.spanId).sort();

describe('tail_sampling journal', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  /** A stage on `stateDir`; "crashing" it means simply opening the next one without shutting it down. */
  function open(stateDir: string, raw: Record<string, unknown> = BASE, clock = new FakeClock()): Harness {
    const h = harness(raw, stateDir, new RecordingConsumer(), clock);
    cleanup.push(() => h.stage.shutdown());
    return h;
  }

  function newStateDir(): string {
    const dir = tempStateDir();
    cleanup.unshift(() => removeDir(dir));
    return dir;
  }

  test('a crash before the decision: the next start replays the buffer with the original arrival times', async () => {
    const stateDir = newStateDir();
    const clock = new FakeClock();
    const first = open(stateDir, BASE, clock);
    const failing = traceSpans(2, true);
    const fine = traceSpans(1);
    assert.equal((await first.stage.consume([failing[0]!, ...fine])).outcome, 'success');
    clock.advance(3_000);
    assert.equal((await first.stage.consume(failing.slice(1))).outcome, 'success');
    // crash: the first stage is never shut down.
    clock.advance(2_000);
    const second = open(stateDir, BASE, new FakeClock(clock.nowMs));
    assert.equal(second.stage.bufferedTraces, 2);
    second.stage.runDueDecisions();
    await second.stage.whenIdle();
    assert.equal(second.next.spans.length, 0, 'decision_wait still counts from the first arrival before the crash');
    second.clock.advance(5_000);
    second.stage.runDueDecisions();
    await second.stage.whenIdle();
    assert.deepEqual(ids(second.next.spans), ids(failing), 'the sampled trace, complete, spans from both requests');
    assert.equal(await counterValue(second.context.metrics, 'skein_processor_dropped_spans_total', { reason: 'tail_sampled_out' }), 2);
  });

  test('resolved traces are not replayed, and their decisions still steer late spans after a restart', async () => {
    const stateDir = newStateDir();
    const first = open(stateDir);
    const kept = traceSpans(1, true);
    const dropped = traceSpans(1);
    await first.stage.consume([...kept, ...dropped]);
    first.clock.advance(10_000);
    first.stage.runDueDecisions();
    await first.stage.whenIdle();
    assert.equal(first.next.spans.length, 2);

    const second = open(stateDir);
    assert.equal(second.stage.bufferedTraces, 0);
    const lateKept = makeSpan({ traceId: kept[0]!.traceId, parentSpanId: kept[0]!.spanId });
    const lateDropped = makeSpan({ traceId: dropped[0]!.traceId, parentSpanId: dropped[0]!.spanId });
    assert.equal((await second.stage.consume([lateKept, lateDropped])).outcome, 'success');
    assert.deepEqual(ids(second.next.spans), [lateKept.spanId]);
    assert.ok(lateKept.attributes.some((a) => a.key === 'tailsampling.policy' && a.value === 'errors'));
    assert.equal(second.stage.bufferedTraces, 0);
  });

  test('a trace decided but refused downstream at the crash is delivered after the restart', async () => {
    const stateDir = newStateDir();
    const first = open(stateDir);
    first.next.answer = () => ({ outcome: 'retryable', reason: 'unavailable', message: 'down', retryAfterMillis: 60_000 });
    const kept = traceSpans(2, true);
    await first.stage.consume(kept);
    first.clock.advance(10_000);
    first.stage.runDueDecisions();
    await first.stage.whenIdle();
    assert.equal(first.next.spans.length, 0);

    const second = open(stateDir, BASE, new FakeClock(first.clock.nowMs));
    assert.equal(second.stage.bufferedTraces, 1);
    second.stage.runDueDecisions();
    await second.stage.whenIdle();
    assert.deepEqual(ids(second.next.spans), ids(kept));
  });

  test('a late span of a trace still being delivered follows its decision, even when the cache does not hold it', async () => {
    const stateDir = newStateDir();
    // The first batch downstream (the decided trace) hangs until released; later calls answer at once.
    let release: (() => void) | undefined;
    const next = new RecordingConsumer();
    const consume = next.consume.bind(next);
    next.consume = (spans) => {
      if (release !== undefined || next.batches.length > 0) return consume(spans);
      return new Promise((resolve) => (release = () => resolve(consume(spans))));
    };
    const noSampledCache = { ...BASE, decision_cache: { sampled_cache_size: 0, non_sampled_cache_size: 100 } };
    const first = harness(noSampledCache, stateDir, next);
    cleanup.push(() => first.stage.shutdown());
    const kept = traceSpans(2, true);
    await first.stage.consume(kept);
    first.clock.advance(10_000);
    first.stage.runDueDecisions();
    while (release === undefined) await new Promise((resolve) => setImmediate(resolve));
    const late = makeSpan({ traceId: kept[0]!.traceId, parentSpanId: kept[0]!.spanId });
    assert.equal((await first.stage.consume([late])).outcome, 'success');
    release();
    await first.stage.whenIdle();

    // Crash: wherever the late span went, it must not be lost with its trace's DECISIONS record.
    const second = open(stateDir, noSampledCache, new FakeClock(first.clock.nowMs + 60_000));
    second.stage.runDueDecisions();
    await second.stage.whenIdle();
    const delivered = [...first.next.spans, ...second.next.spans].map((span) => span.spanId);
    assert.ok(delivered.includes(late.spanId), 'the acknowledged late span was delivered');
  });

  test('SIGTERM-style shutdown decides nothing: the restart resumes the buffer', async () => {
    const stateDir = newStateDir();
    const first = open(stateDir);
    const kept = traceSpans(1, true);
    await first.stage.consume(kept);
    await first.stage.shutdown();
    assert.equal(first.next.spans.length, 0);
    const second = open(stateDir, BASE, new FakeClock(first.clock.nowMs + 10_000));
    second.stage.runDueDecisions();
    await second.stage.whenIdle();
    assert.deepEqual(ids(second.next.spans), ids(kept));
  });

  test('a torn last record (crash mid-write) is skipped; everything before it is replayed', async () => {
    const stateDir = newStateDir();
    const first = open(stateDir);
    const whole = traceSpans(1, true);
    const torn = traceSpans(1, true);
    await first.stage.consume(whole);
    await first.stage.consume(torn);
    const [last] = segmentFiles(stateDir).slice(-1);
    const file = join(journalDir(stateDir), last!);
    truncateSync(file, statSync(file).size - 3);

    const second = open(stateDir, BASE, new FakeClock(first.clock.nowMs + 10_000));
    assert.equal(second.stage.bufferedTraces, 1);
    assert.ok(
      second.context.warnings.some((w) => /torn record/.test(w)),
      second.context.warnings.join('\n'),
    );
    second.stage.runDueDecisions();
    await second.stage.whenIdle();
    assert.deepEqual(ids(second.next.spans), ids(whole));
  });

  test('garbage after the last record (a half-written frame header) is ignored', async () => {
    const stateDir = newStateDir();
    const first = open(stateDir);
    const kept = traceSpans(3, true);
    await first.stage.consume(kept);
    const [last] = segmentFiles(stateDir).slice(-1);
    appendFileSync(join(journalDir(stateDir), last!), Buffer.from([0xff, 0x00, 0x00]));
    const second = open(stateDir, BASE, new FakeClock(first.clock.nowMs + 10_000));
    assert.equal(second.stage.bufferedTraces, 1);
    second.stage.runDueDecisions();
    await second.stage.whenIdle();
    assert.deepEqual(ids(second.next.spans), ids(kept));
  });

  test('segments rotate and are deleted once every trace in them is resolved; decisions outlive them', async () => {
    const stateDir = newStateDir();
    const small = { ...BASE, journal: { segment_size_mib: 2 / 1024, max_size_mib: 1 } }; // 2 KiB segments
    const first = open(stateDir, small);
    const traces = Array.from({ length: 40 }, (_, i) => traceSpans(2, i % 2 === 0));
    for (const spans of traces) {
      await first.stage.consume(spans);
      first.clock.advance(100);
    }
    const before = segmentFiles(stateDir).length;
    assert.ok(before >= 5, `rotated into ${before} segments`);
    first.clock.advance(10_000);
    first.stage.runDueDecisions();
    await first.stage.whenIdle();
    await first.stage.whenIdle();
    assert.equal(first.next.spans.length, 60);
    const after = segmentFiles(stateDir);
    assert.ok(after.length <= 2, `resolved segments deleted (${before} → ${after.length}: ${after.join(', ')})`);
    assert.equal(first.stage.journalSegments, after.length);

    const second = open(stateDir, small);
    assert.equal(second.stage.bufferedTraces, 0, 'nothing to replay');
    const lateKept = makeSpan({ traceId: traces[0]![0]!.traceId });
    const lateDropped = makeSpan({ traceId: traces[1]![0]!.traceId });
    await second.stage.consume([lateKept, lateDropped]);
    assert.deepEqual(ids(second.next.spans), [lateKept.spanId], 'the snapshot kept decisions whose segments are gone');
  });

  test('concurrent consumes share fsyncs (group commit) and each answers only once durable', async () => {
    const stateDir = newStateDir();
    const { stage } = open(stateDir);
    const results = await Promise.all(Array.from({ length: 50 }, () => stage.consume(traceSpans(3))));
    assert.ok(results.every((r) => r.outcome === 'success'));
    assert.ok(stage.journalSyncs >= 1 && stage.journalSyncs <= 3, `${stage.journalSyncs} fsyncs for 50 requests`);
    const second = open(stateDir);
    assert.equal(second.stage.bufferedTraces, 50, 'every acknowledged request is on disk');
  });

  test('a full journal (max_size_mib) answers retryable (overloaded) rather than grow', async () => {
    const stateDir = newStateDir();
    const tiny = { ...BASE, journal: { segment_size_mib: 1 / 1024, max_size_mib: 4 / 1024 } }; // 4 KiB in all
    const { stage } = open(stateDir, tiny);
    let refused = 0;
    for (let i = 0; i < 40; i++) {
      const result = await stage.consume(traceSpans(2));
      if (result.outcome === 'retryable') {
        assert.equal(result.reason, 'overloaded');
        assert.match(result.message, /max_size_mib/);
        refused++;
      }
    }
    assert.ok(refused > 0, 'refused once full');
    const onDisk = segmentFiles(stateDir).reduce((sum, name) => sum + statSync(join(journalDir(stateDir), name)).size, 0);
    assert.ok(onDisk <= 4 * 1024, `journal stays within its bound (${onDisk} bytes)`);
  });

  test('a full journal takes spans again once its traces are decided, even with segment_size_mib = max_size_mib', async () => {
    const stateDir = newStateDir();
    // One segment may fill the whole journal: only a newer segment lets it be deleted.
    // Big requests and few traces: the decisions written afterwards are far smaller than the gap
    // a refused request leaves, so they never push the segment over its size.
    const same = { ...BASE, journal: { segment_size_mib: 16 / 1024, max_size_mib: 16 / 1024 } };
    const { stage, clock } = open(stateDir, same);
    let refused = 0;
    for (let i = 0; i < 40 && refused === 0; i++) if ((await stage.consume(traceSpans(24))).outcome === 'retryable') refused++;
    assert.equal(refused, 1, 'filled up');
    clock.advance(10_000);
    stage.runDueDecisions();
    await stage.whenIdle();
    assert.equal(stage.bufferedTraces, 0, 'every trace decided');
    await stage.whenIdle();
    const result = await stage.consume(traceSpans(24));
    assert.equal(result.outcome, 'success', 'room again once the decided traces are released');
  });
});
