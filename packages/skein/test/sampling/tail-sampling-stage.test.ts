/**
 * The tail-sampling stage without its journal: when traces are decided (decision_wait, early
 * decision, size cap, full buffer), late spans and the decision cache, retries, bounds, metrics.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TailSamplingStage, TailSamplingStartError } from '../../src/collector/sampling/tail-sampling-stage.js';
import type { Span } from '../../src/model/span.js';
import { makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';
import { ALWAYS, config, counterValue, harness, testContext, RecordingConsumer } from './sampling-test-support.js';

const ERRORS = [{ name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } }];

/** A trace: a root and `children` child spans (the root first unless told otherwise). */
function traceSpans(children: number, overrides: Partial<Span> = {}): Span[] {
  const traceId = randomTraceId();
  const rootId = randomSpanId();
  const root = makeSpan({ traceId, spanId: rootId, parentSpanId: '', ...overrides });
  return [root, ...Array.from({ length: children }, () => makeSpan({ traceId, parentSpanId: rootId, ...overrides }))];
}

describe('tail_sampling stage', () => {
  test('holds a trace for decision_wait, then passes sampled traces on whole and drops the rest', async () => {
    const { stage, next, clock, context } = harness({ decision_wait: '10s', early_decision_quiet_period: 0, policies: ERRORS });
    const failing = traceSpans(2, { status: { code: 2, message: 'boom' } });
    const fine = traceSpans(2);
    assert.equal((await stage.consume([...failing.slice(0, 2), ...fine])).outcome, 'success');
    assert.equal((await stage.consume(failing.slice(2))).outcome, 'success');
    clock.advance(9_999);
    stage.runDueDecisions();
    await stage.whenIdle();
    assert.equal(next.spans.length, 0, 'nothing before decision_wait');
    assert.equal(stage.bufferedTraces, 2);
    clock.advance(1);
    stage.runDueDecisions();
    await stage.whenIdle();
    assert.deepEqual(next.spans.map((s) => s.spanId).sort(), failing.map((s) => s.spanId).sort());
    assert.equal(next.batches.length, 1, 'traces decided together go downstream as one batch');
    assert.ok(next.spans.every((s) => s.attributes.some((a) => a.key === 'tailsampling.policy' && a.value === 'errors')));
    assert.equal(stage.bufferedTraces, 0);
    const m = context.metrics;
    assert.equal(await counterValue(m, 'skein_sampler_decisions_total', { policy: 'errors', decision: 'sampled' }), 1);
    assert.equal(await counterValue(m, 'skein_sampler_decisions_total', { policy: 'none', decision: 'not_sampled' }), 1);
    assert.equal(await counterValue(m, 'skein_processor_dropped_spans_total', { reason: 'tail_sampled_out' }), 3);
    assert.equal(await counterValue(m, 'skein_processor_incoming_spans_total', { processor: 'tail_sampling' }), 6);
    assert.equal(await counterValue(m, 'skein_processor_outgoing_spans_total', { processor: 'tail_sampling' }), 3);
    await stage.shutdown();
  });

  test('early decision: root arrived and quiet for early_decision_quiet_period', async () => {
    const { stage, next, clock } = harness({ decision_wait: '30s', early_decision_quiet_period: '1s', policies: ALWAYS });
    const [root, ...children] = traceSpans(3);
    const noRoot = traceSpans(1).slice(1);
    await stage.consume([...children, ...noRoot]);
    clock.advance(900);
    await stage.consume([root!]);
    clock.advance(999);
    stage.runDueDecisions();
    await stage.whenIdle();
    assert.equal(next.spans.length, 0, 'the quiet period counts from the last span');
    clock.advance(1);
    stage.runDueDecisions();
    await stage.whenIdle();
    assert.equal(next.spans.length, 4, 'the rooted trace is decided early');
    assert.equal(stage.bufferedTraces, 1, 'a trace without its root waits for decision_wait');
    clock.advance(30_000);
    stage.runDueDecisions();
    await stage.whenIdle();
    assert.equal(next.spans.length, 5);
    await stage.shutdown();
  });

  test('late spans follow the cached decision: sampled passed on at once, not sampled dropped', async () => {
    const { stage, next, clock, context } = harness({ decision_wait: '1s', early_decision_quiet_period: 0, policies: ERRORS });
    const kept = traceSpans(1, { status: { code: 2, message: '' } });
    const dropped = traceSpans(1);
    await stage.consume([...kept, ...dropped]);
    clock.advance(1_000);
    stage.runDueDecisions();
    await stage.whenIdle();
    assert.equal(next.spans.length, 2);
    // Late spans are fine ones (no error): they follow their trace's decision, not the policies.
    const lateKept = makeSpan({ traceId: kept[0]!.traceId, parentSpanId: kept[0]!.spanId });
    const lateDropped = makeSpan({ traceId: dropped[0]!.traceId, parentSpanId: dropped[0]!.spanId });
    assert.equal((await stage.consume([lateKept, lateDropped])).outcome, 'success');
    assert.equal(next.spans.length, 3, 'the late sampled span went through without waiting');
    assert.equal(next.spans[2]!.spanId, lateKept.spanId);
    assert.ok(lateKept.attributes.some((a) => a.key === 'tailsampling.policy' && a.value === 'errors'));
    assert.equal(stage.bufferedTraces, 0);
    assert.equal(await counterValue(context.metrics, 'skein_processor_dropped_spans_total', { reason: 'tail_late_span_dropped' }), 1);
    await stage.shutdown();
  });

  test('a late sampled span refused downstream is refused to the sender', async () => {
    const { stage, next, clock } = harness({ decision_wait: '1s', policies: ALWAYS });
    const spans = traceSpans(0);
    await stage.consume(spans);
    clock.advance(1_000);
    stage.runDueDecisions();
    await stage.whenIdle();
    next.answer = () => ({ outcome: 'retryable', reason: 'unavailable', message: 'down', retryAfterMillis: 10 });
    const result = await stage.consume([makeSpan({ traceId: spans[0]!.traceId, parentSpanId: spans[0]!.spanId })]);
    assert.equal(result.outcome, 'retryable');
    await stage.shutdown();
  });

  test('max_spans_per_trace decides an oversized trace at once; later spans follow the decision', async () => {
    const { stage, next } = harness({ decision_wait: '30s', max_spans_per_trace: 5, policies: ALWAYS });
    const spans = traceSpans(7);
    await stage.consume(spans.slice(0, 4));
    assert.equal(stage.bufferedTraces, 1);
    await stage.consume(spans.slice(4, 6));
    await stage.whenIdle();
    assert.equal(next.spans.length, 6, 'decided (sampled) at the cap, not dropped');
    await stage.consume(spans.slice(6));
    assert.equal(next.spans.length, 8);
    await stage.shutdown();
  });

  test('a full buffer (num_traces) decides its oldest traces early instead of losing them', async () => {
    const { stage, next, context } = harness({ decision_wait: '30s', num_traces: 3, policies: ALWAYS });
    const traces = Array.from({ length: 5 }, () => traceSpans(1));
    for (const spans of traces) assert.equal((await stage.consume(spans)).outcome, 'success');
    await stage.whenIdle();
    assert.equal(stage.bufferedTraces, 3);
    assert.deepEqual([...next.traceIds()].sort(), [traces[0]![0]!.traceId, traces[1]![0]!.traceId].sort(), 'the two oldest');
    assert.equal(await counterValue(context.metrics, 'skein_sampler_traces_buffered', {}), 3);
    assert.equal(await counterValue(context.metrics, 'skein_sampler_spans_buffered', {}), 6);
    await stage.shutdown();
  });

  test('max_buffered_spans: beyond it consume answers retryable (overloaded) and takes nothing', async () => {
    const { stage, context } = harness({ decision_wait: '30s', max_buffered_spans: 4, policies: ALWAYS });
    assert.equal((await stage.consume(traceSpans(2))).outcome, 'success');
    const result = await stage.consume(traceSpans(2));
    assert.equal(result.outcome, 'retryable');
    assert.equal(result.outcome === 'retryable' && result.reason, 'overloaded');
    assert.match(result.outcome === 'retryable' ? result.message : '', /max_buffered_spans/);
    assert.equal(stage.bufferedTraces, 1);
    assert.equal(await counterValue(context.metrics, 'skein_processor_incoming_spans_total', {}), 3);
    await stage.shutdown();
  });

  test('admission refuses at the headers once the buffer is full, and after shutdown', async () => {
    const { stage } = harness({ decision_wait: '30s', max_buffered_spans: 3, policies: ALWAYS });
    assert.equal(stage.admission(), undefined, 'an empty buffer admits');
    assert.equal((await stage.consume(traceSpans(2))).outcome, 'success');
    const refusal = stage.admission();
    assert.equal(refusal?.outcome === 'retryable' && refusal.reason, 'overloaded');
    assert.match(refusal?.outcome === 'retryable' ? refusal.message : '', /3 spans held, limit max_buffered_spans 3/);
    await stage.shutdown();
    assert.equal(stage.admission()?.outcome, 'retryable', 'a closed stage refuses');
  });

  test('a retryable answer downstream keeps the trace and retries with backoff', async () => {
    const { stage, next, clock } = harness({ decision_wait: '1s', policies: ALWAYS });
    let refusals = 2;
    next.answer = () =>
      refusals-- > 0
        ? { outcome: 'retryable', reason: 'unavailable', message: 'storage down', retryAfterMillis: 5 }
        : { outcome: 'success' };
    const spans = traceSpans(2);
    await stage.consume(spans);
    clock.advance(1_000);
    stage.runDueDecisions();
    const started = Date.now();
    while (next.spans.length === 0 && Date.now() - started < 5_000) await new Promise((r) => setTimeout(r, 5));
    assert.equal(next.spans.length, 3, 'delivered after two refusals');
    assert.equal(refusals, -1);
    await stage.shutdown();
  });

  test('shutdown without a journal decides everything buffered and passes it on', async () => {
    const { stage, next } = harness({ decision_wait: '30s', policies: ALWAYS });
    await stage.consume(traceSpans(2));
    await stage.shutdown();
    assert.equal(next.spans.length, 3);
    const after = await stage.consume(traceSpans(0));
    assert.equal(after.outcome, 'retryable');
  });

  test('refuses to start with the journal on and no state directory, naming the way out', () => {
    assert.throws(
      () => new TailSamplingStage('tail_sampling/x', config({ policies: ALWAYS }), new RecordingConsumer(), testContext(undefined)),
      (error: Error) =>
        error instanceof TailSamplingStartError &&
        /processors\.tail_sampling\/x/.test(error.message) &&
        /journal: false/.test(error.message),
    );
  });
});
