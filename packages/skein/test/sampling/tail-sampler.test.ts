/**
 * The pure tail sampler: no timers, no I/O, no promises — time is the `now` passed in, and every
 * decision is returned by the call that made it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TailSampler, type SamplingDecision } from '../../src/collector/sampling/tail-sampler.js';
import type { Span } from '../../src/model/span.js';
import { parseTenantId } from '../../src/model/tenant.js';
import { makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';
import { ALWAYS, config } from './sampling-test-support.js';

const T0 = 1_700_000_000_000;
const ERRORS = [{ name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } }];
const failed = { status: { code: 2 as const, message: 'boom' } };

function sampler(raw: Record<string, unknown>): TailSampler {
  return new TailSampler(config({ journal: false, early_decision_quiet_period: 0, ...raw }));
}

/** A trace: a root and `children` child spans. */
function traceSpans(children: number, overrides: Partial<Span> = {}): Span[] {
  const traceId = randomTraceId();
  const rootId = randomSpanId();
  const root = makeSpan({ traceId, spanId: rootId, parentSpanId: '', ...overrides });
  return [root, ...Array.from({ length: children }, () => makeSpan({ traceId, parentSpanId: rootId, ...overrides }))];
}

const attribute = (span: Span, key: string): unknown => span.attributes.find((a) => a.key === key)?.value;
const summary = (decisions: SamplingDecision[]) =>
  decisions.map(({ trace, sampled, policy }) => ({ traceId: trace.traceId, spans: trace.spans.length, sampled, policy }));

describe('TailSampler', () => {
  test('tick(now) decides each trace decision_wait after its first span, sampled ones tagged with the policy', () => {
    const s = sampler({ decision_wait: '10s', policies: ERRORS });
    const bad = traceSpans(1, failed);
    const fine = traceSpans(1);
    s.add([bad[0]!, ...fine], T0);
    s.add([bad[1]!], T0 + 5_000);
    assert.deepEqual(s.tick(T0 + 9_999), [], 'nothing before decision_wait');
    assert.equal(s.traceCount, 2);
    assert.equal(s.spanCount, 4);
    const decisions = s.tick(T0 + 10_000);
    assert.deepEqual(summary(decisions), [
      { traceId: bad[0]!.traceId, spans: 2, sampled: true, policy: 'errors' },
      { traceId: fine[0]!.traceId, spans: 2, sampled: false, policy: 'none' },
    ]);
    assert.ok(bad.every((span) => attribute(span, 'tailsampling.policy') === 'errors'));
    assert.ok(
      fine.every((span) => attribute(span, 'tailsampling.policy') === undefined),
      'dropped spans are not tagged',
    );
    assert.equal(s.traceCount, 0);
    assert.deepEqual(s.tick(T0 + 60_000), [], 'a decided trace is decided once');
  });

  test('early decision: once the root arrived and the trace was quiet for the quiet period', () => {
    const s = sampler({ decision_wait: '30s', early_decision_quiet_period: '1s', policies: ALWAYS });
    const [root, ...children] = traceSpans(2);
    const orphan = traceSpans(1).slice(1);
    s.add([...children, ...orphan], T0);
    s.add([root!], T0 + 500);
    assert.deepEqual(s.tick(T0 + 1_499), []);
    assert.deepEqual(
      s.tick(T0 + 1_500).map(({ trace }) => trace.traceId),
      [root!.traceId],
    );
    assert.deepEqual(s.tick(T0 + 29_999), [], 'without its root a trace waits for decision_wait');
    assert.equal(s.tick(T0 + 30_000).length, 1);
  });

  test('add decides at once a trace reaching max_spans_per_trace, and the oldest traces beyond num_traces', () => {
    const s = sampler({ decision_wait: '30s', max_spans_per_trace: 3, num_traces: 2, policies: ALWAYS });
    const big = traceSpans(2);
    const first = s.add(big.slice(0, 2), T0);
    assert.deepEqual(first.decisions, []);
    assert.equal(first.touched.size, 1);
    assert.deepEqual(summary(s.add(big.slice(2), T0).decisions), [{ traceId: big[0]!.traceId, spans: 3, sampled: true, policy: 'all' }]);
    const traces = [traceSpans(0), traceSpans(0), traceSpans(0)];
    for (const spans of traces.slice(0, 2)) assert.deepEqual(s.add(spans, T0 + 1).decisions, []);
    const { decisions } = s.add(traces[2]!, T0 + 2);
    assert.deepEqual(
      decisions.map(({ trace }) => trace.traceId),
      [traces[0]![0]!.traceId],
      'the oldest is decided to make room',
    );
    assert.equal(s.traceCount, 2);
  });

  test('classify: late spans follow the decision; an unresolved sampled trace is followed even past the cache', () => {
    const s = sampler({ decision_wait: '1s', decision_cache: { sampled_cache_size: 0, non_sampled_cache_size: 10 }, policies: ERRORS });
    const kept = traceSpans(0, failed);
    const dropped = traceSpans(0);
    s.add([...kept, ...dropped], T0);
    assert.equal(s.tick(T0 + 1_000).length, 2);
    const lateKept = makeSpan({ traceId: kept[0]!.traceId });
    const lateDropped = makeSpan({ traceId: dropped[0]!.traceId });
    const newcomer = makeSpan();
    const classified = s.classify([lateKept, lateDropped, newcomer]);
    assert.deepEqual(classified.lateSampled, [lateKept], 'the sampled cache is off, the trace is still unresolved');
    assert.equal(attribute(lateKept, 'tailsampling.policy'), 'errors');
    assert.equal(classified.lateDropped, 1);
    assert.deepEqual(classified.fresh, [newcomer]);
    assert.deepEqual([...s.resolvedDecisions()], [{ traceKey: dropped[0]!.traceId, decision: false }], 'unresolved: not in a snapshot');
    s.markResolved([kept[0]!.traceId]);
    assert.deepEqual(s.classify([makeSpan({ traceId: kept[0]!.traceId })]).lateSampled, [], 'resolved, not cached: a new trace');
  });

  test('a composite records the sub-policy that sampled, as the Collector, on late spans too', () => {
    const composite = {
      name: 'budget',
      type: 'composite',
      composite: { max_total_spans_per_second: 1000, composite_sub_policy: [...ERRORS, { name: 'rest', type: 'always_sample' }] },
    };
    const s = sampler({ decision_wait: '1s', policies: [composite] });
    const spans = traceSpans(1, failed);
    // An earlier sampler's attributes are overwritten.
    spans[0]!.attributes.push({ key: 'tailsampling.policy', value: 'upstream' });
    s.add(spans, T0);
    assert.deepEqual(summary(s.tick(T0 + 1_000)), [{ traceId: spans[0]!.traceId, spans: 2, sampled: true, policy: 'budget/errors' }]);
    const late = makeSpan({ traceId: spans[0]!.traceId });
    s.markResolved([late.traceId]);
    s.classify([late]);
    for (const span of [...spans, late]) {
      assert.equal(attribute(span, 'tailsampling.policy'), 'budget');
      assert.equal(attribute(span, 'tailsampling.composite_policy'), 'errors');
      assert.equal(span.attributes.filter((a) => a.key === 'tailsampling.policy').length, 1);
    }
  });

  test('replay: spans keep their arrival time, decisions restore the cache; bounds are enforced on the next tick', () => {
    const s = sampler({ decision_wait: '10s', num_traces: 1, policies: ALWAYS });
    const older = traceSpans(0);
    const newer = traceSpans(0);
    const resolved = traceSpans(0);
    s.restoreSpans(older, T0);
    s.restoreSpans(newer, T0 + 1);
    s.restoreSpans(resolved, T0 + 2);
    assert.equal(s.restoreDecision(resolved[0]!.traceId, 'all', true)?.traceId, resolved[0]!.traceId, 'resolved: out of the buffer');
    assert.equal(s.restoreDecision(randomTraceId(), false, false), undefined);
    assert.equal(s.traceCount, 2, 'a replay decides nothing by itself');
    assert.deepEqual(
      s.tick(T0 + 2).map(({ trace }) => trace.traceId),
      [older[0]!.traceId],
      'num_traces 1: the oldest replayed trace is decided',
    );
    assert.deepEqual(
      s.tick(T0 + 10_001).map(({ trace }) => trace.traceId),
      [newer[0]!.traceId],
      'decision_wait counts from the original arrival',
    );
    const late = makeSpan({ traceId: resolved[0]!.traceId });
    assert.deepEqual(s.classify([late]).lateSampled, [late], 'the restored decision is followed');
  });

  test('decideAll decides everything buffered', () => {
    const s = sampler({ decision_wait: '30s', policies: ERRORS });
    s.add([...traceSpans(1), ...traceSpans(2, failed)], T0);
    assert.deepEqual(
      s.decideAll(T0).map(({ sampled, policy }) => ({ sampled, policy })),
      [
        { sampled: false, policy: 'none' },
        { sampled: true, policy: 'errors' },
      ],
    );
    assert.equal(s.traceCount, 0);
    assert.equal(s.spanCount, 0);
  });

  test('two tenants sending the same trace ID get two traces and two decisions (the key is tenant + trace ID)', () => {
    const s = sampler({ decision_wait: '10s', policies: ERRORS });
    const ofB = (span: Span): Span => ({ ...span, resource: { ...span.resource, tenant: parseTenantId('team-b') } });
    const a = traceSpans(1, failed);
    const b = [ofB(makeSpan({ traceId: a[0]!.traceId }))];
    s.add([...a, ...b], T0);
    assert.equal(s.traceCount, 2);
    const decisions = s.tick(T0 + 10_000);
    assert.deepEqual(
      decisions.map(({ trace, sampled }) => ({ key: trace.key, sampled })),
      [
        { key: a[0]!.traceId, sampled: true },
        { key: `team-b/${a[0]!.traceId}`, sampled: false },
      ],
    );
    const late = s.classify([ofB(makeSpan({ traceId: a[0]!.traceId }))]);
    assert.equal(late.lateDropped, 1, "B's late span follows B's decision, not A's");
  });
});
