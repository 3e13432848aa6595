/** Every tail-sampling policy and combinator, and how their verdicts combine (as the Collector). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { policySchema, type PolicyConfig } from '../../src/collector/sampling/policy-config.js';
import { PolicySet, buildPolicy } from '../../src/collector/sampling/policy-set.js';
import type { Decision, TraceView } from '../../src/collector/sampling/policies/policy.js';
import { ProbabilisticPolicy } from '../../src/collector/sampling/policies/probabilistic-policy.js';
import type { Span } from '../../src/model/span.js';
import { makeResource, makeSpan, randomTraceId } from '../support/span-factory.js';

const NOW = 1_700_000_000_000;

function trace(...spans: Partial<Span>[]): TraceView {
  const traceId = randomTraceId();
  return { traceId, spans: spans.map((overrides) => makeSpan({ traceId, ...overrides })) };
}

function policy(raw: Record<string, unknown>) {
  return buildPolicy(policySchema.parse({ name: 'p', ...raw }));
}

function evaluate(raw: Record<string, unknown>, view: TraceView, now = NOW): Decision {
  return policy(raw).evaluate(view, now);
}

const MS = 1_000_000n;
const T0 = 1_700_000_000_000n * MS;
const timed = (startMs: number, endMs: number): Partial<Span> => ({
  startTimeUnixNano: T0 + BigInt(startMs) * MS,
  endTimeUnixNano: T0 + BigInt(endMs) * MS,
});

describe('basic policies', () => {
  test('always_sample samples everything', () => {
    assert.equal(evaluate({ type: 'always_sample' }, trace({})), 'sampled');
  });

  test('latency spans the earliest start to the latest end, lower bound inclusive', () => {
    const latency = { type: 'latency', latency: { threshold_ms: 500 } };
    // Two 300 ms spans 200 ms apart: no span is slow, the trace is (500 ms).
    assert.equal(evaluate(latency, trace(timed(0, 300), timed(200, 500))), 'sampled');
    assert.equal(evaluate(latency, trace(timed(0, 300), timed(100, 499))), 'not_sampled');
  });

  test('latency with upper_threshold_ms samples (threshold, upper]', () => {
    const latency = { type: 'latency', latency: { threshold_ms: 100, upper_threshold_ms: 200 } };
    assert.equal(evaluate(latency, trace(timed(0, 100))), 'not_sampled');
    assert.equal(evaluate(latency, trace(timed(0, 150))), 'sampled');
    assert.equal(evaluate(latency, trace(timed(0, 200))), 'sampled');
    assert.equal(evaluate(latency, trace(timed(0, 201))), 'not_sampled');
    // Whole milliseconds, truncated as the Collector: 200.9 ms counts as 200.
    const t = (ns: bigint) => ({ startTimeUnixNano: T0, endTimeUnixNano: T0 + ns });
    assert.equal(evaluate(latency, trace(t(200_900_000n))), 'sampled');
    assert.equal(evaluate({ type: 'latency', latency: { threshold_ms: 500 } }, trace(t(499_999_999n))), 'not_sampled');
  });

  test('status_code matches any span with a listed status', () => {
    const errors = { type: 'status_code', status_code: { status_codes: ['ERROR'] } };
    assert.equal(evaluate(errors, trace({}, { status: { code: 2, message: 'boom' } })), 'sampled');
    assert.equal(evaluate(errors, trace({ status: { code: 1, message: '' } })), 'not_sampled');
    const okOrUnset = { type: 'status_code', status_code: { status_codes: ['OK', 'UNSET'] } };
    assert.equal(evaluate(okOrUnset, trace({ status: { code: 0, message: '' } })), 'sampled');
  });

  test('probabilistic is the Collector FNV-1a hash of salt then trace ID, and keeps about the percentage', () => {
    // FNV-1a 64 of "a" (no trace-ID bytes) is the published test vector 0xaf63dc4c8601ec8c.
    assert.equal(new ProbabilisticPolicy(10, 'a').hash(''), 0xaf63dc4c8601ec8cn);
    const tenPercent = policy({ type: 'probabilistic', probabilistic: { sampling_percentage: 10 } });
    const ids = Array.from({ length: 10_000 }, () => randomTraceId());
    const kept = ids.filter((traceId) => tenPercent.evaluate({ traceId, spans: [] }, NOW) === 'sampled');
    // Binomial(10000, 0.1): mean 1000, σ 30; ±4σ.
    assert.ok(Math.abs(kept.length - 1000) <= 120, `kept ${kept.length} of 10000`);
    // Consistent: a second instance keeps exactly the same traces; another salt keeps others.
    const again = policy({ type: 'probabilistic', probabilistic: { sampling_percentage: 10 } });
    assert.deepEqual(
      ids.filter((traceId) => again.evaluate({ traceId, spans: [] }, NOW) === 'sampled'),
      kept,
    );
    const salted = policy({ type: 'probabilistic', probabilistic: { sampling_percentage: 10, hash_salt: 'other' } });
    const keptSalted = ids.filter((traceId) => salted.evaluate({ traceId, spans: [] }, NOW) === 'sampled');
    assert.notDeepEqual(keptSalted, kept);
    assert.equal(evaluate({ type: 'probabilistic', probabilistic: { sampling_percentage: 0 } }, trace({})), 'not_sampled');
    assert.equal(evaluate({ type: 'probabilistic', probabilistic: { sampling_percentage: 100 } }, trace({})), 'sampled');
  });

  test('rate_limiting admits spans up to spans_per_second per wall-clock second', () => {
    const limiter = policy({ type: 'rate_limiting', rate_limiting: { spans_per_second: 5 } });
    const three = trace({}, {}, {});
    assert.equal(limiter.evaluate(three, NOW), 'sampled'); // 3
    assert.equal(limiter.evaluate(three, NOW + 10), 'not_sampled'); // would be 6
    assert.equal(limiter.evaluate(trace({}, {}), NOW + 20), 'sampled'); // 5: a smaller one still fits
    assert.equal(limiter.evaluate(trace({}), NOW + 30), 'not_sampled');
    assert.equal(limiter.evaluate(three, NOW + 1_000), 'sampled'); // next second
  });

  test('bytes_limiting is a token bucket of burst_capacity refilled at bytes_per_second', () => {
    const view = trace({});
    const limiter = policy({ type: 'bytes_limiting', bytes_limiting: { bytes_per_second: 200, burst_capacity: 400 } });
    const decisions: Decision[] = [];
    for (let i = 0; i < 10; i++) decisions.push(limiter.evaluate(view, NOW));
    const size = decisions.filter((d) => d === 'sampled').length;
    assert.ok(size >= 1 && size < 10, `the burst admits some, not all (${size})`);
    assert.equal(limiter.evaluate(view, NOW), 'not_sampled');
    assert.equal(limiter.evaluate(view, NOW + 2_000), 'sampled', 'refilled after 2 s');
  });

  test('string_attribute: exact values on span or resource attributes', () => {
    const raw = { type: 'string_attribute', string_attribute: { key: 'http.route', values: ['/checkout', '/cart'] } };
    assert.equal(evaluate(raw, trace({}, { attributes: [{ key: 'http.route', value: '/cart' }] })), 'sampled');
    assert.equal(evaluate(raw, trace({ resource: makeResource('svc', [{ key: 'http.route', value: '/checkout' }]) })), 'sampled');
    assert.equal(evaluate(raw, trace({ attributes: [{ key: 'http.route', value: '/cart/x' }] })), 'not_sampled');
    assert.equal(evaluate(raw, trace({ attributes: [{ key: 'other', value: '/cart' }] })), 'not_sampled');
  });

  test('string_attribute: a leading Go flag group such as (?i) works, as in Collector configs', () => {
    const raw = {
      type: 'string_attribute',
      string_attribute: { key: 'http.method', values: ['(?i)^get$', '(?s)^a.b$'], enabled_regex_matching: true },
    };
    assert.equal(evaluate(raw, trace({ attributes: [{ key: 'http.method', value: 'GET' }] })), 'sampled');
    assert.equal(evaluate(raw, trace({ attributes: [{ key: 'http.method', value: 'a\nb' }] })), 'sampled');
    assert.equal(evaluate(raw, trace({ attributes: [{ key: 'http.method', value: 'POST' }] })), 'not_sampled');
    const bad = policySchema.safeParse({
      name: 'p',
      type: 'string_attribute',
      string_attribute: { key: 'k', values: ['(?U)x+'], enabled_regex_matching: true },
    });
    assert.equal(bad.success, false, 'a flag JavaScript has no equivalent for is still refused at start-up');
  });

  test('string_attribute: regex matching is unanchored, as Go', () => {
    const raw = {
      type: 'string_attribute',
      string_attribute: { key: 'url.path', values: ['^/health', 'metrics$'], enabled_regex_matching: true, cache_max_size: 10 },
    };
    assert.equal(evaluate(raw, trace({ attributes: [{ key: 'url.path', value: '/healthz' }] })), 'sampled');
    assert.equal(evaluate(raw, trace({ attributes: [{ key: 'url.path', value: '/api/metrics' }] })), 'sampled');
    assert.equal(evaluate(raw, trace({ attributes: [{ key: 'url.path', value: '/api/health' }] })), 'not_sampled');
  });

  test('invert_match: any match → inverted_not_sampled, none → inverted_sampled', () => {
    const raw = { type: 'string_attribute', string_attribute: { key: 'http.route', values: ['/healthz'], invert_match: true } };
    assert.equal(evaluate(raw, trace({}, { attributes: [{ key: 'http.route', value: '/healthz' }] })), 'inverted_not_sampled');
    assert.equal(evaluate(raw, trace({ attributes: [{ key: 'http.route', value: '/checkout' }] })), 'inverted_sampled');
    assert.equal(evaluate(raw, trace({})), 'inverted_sampled');
  });

  test('numeric_attribute: int (bigint) or double in [min_value, max_value], open bounds', () => {
    const range = { type: 'numeric_attribute', numeric_attribute: { key: 'http.status', min_value: 500, max_value: 599 } };
    assert.equal(evaluate(range, trace({ attributes: [{ key: 'http.status', value: 503n }] })), 'sampled');
    assert.equal(evaluate(range, trace({ attributes: [{ key: 'http.status', value: 500.5 }] })), 'sampled');
    assert.equal(evaluate(range, trace({ attributes: [{ key: 'http.status', value: 404n }] })), 'not_sampled');
    assert.equal(evaluate(range, trace({ attributes: [{ key: 'http.status', value: '503' }] })), 'not_sampled');
    const atLeast = { type: 'numeric_attribute', numeric_attribute: { key: 'n', min_value: 10 } };
    assert.equal(evaluate(atLeast, trace({ attributes: [{ key: 'n', value: 9_007_199_254_740_993n }] })), 'sampled');
    const inverted = { type: 'numeric_attribute', numeric_attribute: { key: 'n', max_value: 5, invert_match: true } };
    assert.equal(evaluate(inverted, trace({ attributes: [{ key: 'n', value: 3n }] })), 'inverted_not_sampled');
    assert.equal(evaluate(inverted, trace({ attributes: [{ key: 'n', value: 30n }] })), 'inverted_sampled');
  });

  test('boolean_attribute: the value equals, invert_match flips', () => {
    const raw = { type: 'boolean_attribute', boolean_attribute: { key: 'app.force_sample', value: true } };
    assert.equal(evaluate(raw, trace({ attributes: [{ key: 'app.force_sample', value: true }] })), 'sampled');
    assert.equal(evaluate(raw, trace({ attributes: [{ key: 'app.force_sample', value: false }] })), 'not_sampled');
    assert.equal(evaluate(raw, trace({ attributes: [{ key: 'app.force_sample', value: 'true' }] })), 'not_sampled');
    const inverted = { type: 'boolean_attribute', boolean_attribute: { key: 'app.force_sample', value: true, invert_match: true } };
    assert.equal(evaluate(inverted, trace({ attributes: [{ key: 'app.force_sample', value: true }] })), 'inverted_not_sampled');
  });

  test('span_count: between min_spans and max_spans inclusive, max 0 unbounded', () => {
    const raw = { type: 'span_count', span_count: { min_spans: 2, max_spans: 3 } };
    assert.equal(evaluate(raw, trace({})), 'not_sampled');
    assert.equal(evaluate(raw, trace({}, {})), 'sampled');
    assert.equal(evaluate(raw, trace({}, {}, {})), 'sampled');
    assert.equal(evaluate(raw, trace({}, {}, {}, {})), 'not_sampled');
    assert.equal(evaluate({ type: 'span_count', span_count: { min_spans: 2 } }, trace({}, {}, {}, {})), 'sampled');
  });

  test('trace_state: a member key with one of the values', () => {
    const raw = { type: 'trace_state', trace_state: { key: 'vendor', values: ['gold', 'silver'] } };
    assert.equal(evaluate(raw, trace({ traceState: 'ot=th:8, vendor=gold' })), 'sampled');
    assert.equal(evaluate(raw, trace({ traceState: 'vendor=bronze' })), 'not_sampled');
    assert.equal(evaluate(raw, trace({ traceState: 'xvendor=gold' })), 'not_sampled');
    assert.equal(evaluate(raw, trace({})), 'not_sampled');
  });
});

const ERRORS = { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } };
const SLOW = { name: 'slow', type: 'latency', latency: { threshold_ms: 500 } };
const HEALTH = { name: 'health', type: 'string_attribute', string_attribute: { key: 'http.route', values: ['/healthz'] } };
const error = { status: { code: 2 as const, message: '' } };
const health = { attributes: [{ key: 'http.route', value: '/healthz' }] };

describe('combinators', () => {
  test('and: every sub-policy must sample; inverted verdicts count as their plain meaning', () => {
    const and = { type: 'and', and: { and_sub_policy: [ERRORS, SLOW] } };
    assert.equal(evaluate(and, trace({ ...error, ...timed(0, 600) })), 'sampled');
    assert.equal(evaluate(and, trace({ ...error, ...timed(0, 100) })), 'not_sampled');
    assert.equal(evaluate(and, trace(timed(0, 600))), 'not_sampled');
    const notHealth = { ...HEALTH, string_attribute: { ...HEALTH.string_attribute, invert_match: true } };
    const andInverted = { type: 'and', and: { and_sub_policy: [ERRORS, notHealth] } };
    assert.equal(evaluate(andInverted, trace(error)), 'sampled');
    assert.equal(evaluate(andInverted, trace({ ...error, ...health })), 'not_sampled');
  });

  test('not: the opposite of its sub-policy', () => {
    const not = { type: 'not', not: { not_sub_policy: ERRORS } };
    assert.equal(evaluate(not, trace(error)), 'not_sampled');
    assert.equal(evaluate(not, trace({})), 'sampled');
  });

  test('drop: dropped when every sub-policy matches, otherwise no say', () => {
    const drop = { type: 'drop', drop: { drop_sub_policy: [HEALTH] } };
    assert.equal(evaluate(drop, trace(health)), 'dropped');
    assert.equal(evaluate(drop, trace({})), 'not_sampled');
  });

  test('composite: first sampling sub-policy in policy_order, within its rate allocation and the total', () => {
    const composite = policy({
      type: 'composite',
      composite: {
        max_total_spans_per_second: 10,
        policy_order: ['errors', 'rest'],
        composite_sub_policy: [
          { name: 'rest', type: 'always_sample' },
          { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
        ],
        rate_allocation: [{ policy: 'errors', percent: 50 }],
      },
    });
    const errorTrace = trace(error, error, error); // 3 spans
    assert.equal(composite.evaluate(errorTrace, NOW), 'sampled'); // errors: 3 of 5
    assert.equal(composite.evaluate(errorTrace, NOW), 'not_sampled'); // errors would be 6 of 5; not passed to "rest"
    const plain = trace({}, {}, {}, {}); // 4 spans
    assert.equal(composite.evaluate(plain, NOW), 'sampled'); // rest gets the remaining 50 %: 4 of 5
    assert.equal(composite.evaluate(plain, NOW), 'not_sampled');
    assert.equal(composite.evaluate(plain, NOW + 1_000), 'sampled', 'budgets restart every second');
  });
});

describe('final decision (PolicySet)', () => {
  const decide = (policies: Record<string, unknown>[], view: TraceView) =>
    new PolicySet(policies.map((raw) => policySchema.parse(raw) as PolicyConfig)).decide(view, NOW);

  test('any sampled samples, named by the first policy that sampled', () => {
    assert.deepEqual(decide([SLOW, ERRORS], trace(error)), { sampled: true, policy: 'errors' });
    assert.deepEqual(decide([ERRORS, SLOW], trace({ ...error, ...timed(0, 600) })), { sampled: true, policy: 'errors' });
    assert.deepEqual(decide([ERRORS, SLOW], trace({})), { sampled: false, policy: undefined });
  });

  test('a drop match wins over every sample', () => {
    const drop = { name: 'no-health', type: 'drop', drop: { drop_sub_policy: [HEALTH] } };
    assert.deepEqual(decide([ERRORS, drop, { name: 'all', type: 'always_sample' }], trace({ ...error, ...health })), {
      sampled: false,
      policy: 'no-health',
    });
  });

  test("a composite's sampling sub-policy is named composite/sub, and attributed as the Collector does", () => {
    const composite = {
      name: 'budget',
      type: 'composite',
      composite: {
        max_total_spans_per_second: 100,
        policy_order: ['errors', 'rest'],
        composite_sub_policy: [ERRORS, { name: 'rest', type: 'always_sample' }],
      },
    };
    const set = new PolicySet([composite, ERRORS].map((raw) => policySchema.parse(raw) as PolicyConfig));
    assert.deepEqual(set.decide(trace(error), NOW), { sampled: true, policy: 'budget/errors' }, 'the composite is listed first');
    assert.deepEqual(set.decide(trace({}), NOW), { sampled: true, policy: 'budget/rest' });
    assert.deepEqual(set.attributionOf('budget/rest'), { policy: 'budget', compositePolicy: 'rest' });
    assert.deepEqual(set.attributionOf('errors'), { policy: 'errors', compositePolicy: undefined });
    assert.deepEqual(set.attributionOf('gone'), { policy: 'gone', compositePolicy: undefined }, 'a label of another config');
  });

  test('inverted_not_sampled vetoes a sample; inverted_sampled samples only without a not_sampled', () => {
    const notHealth = { ...HEALTH, name: 'not-health', string_attribute: { ...HEALTH.string_attribute, invert_match: true } };
    assert.deepEqual(decide([ERRORS, notHealth], trace({ ...error, ...health })), { sampled: false, policy: 'not-health' });
    assert.deepEqual(decide([notHealth], trace({})), { sampled: true, policy: 'not-health' });
    assert.deepEqual(decide([notHealth, ERRORS], trace({})), { sampled: false, policy: undefined });
    assert.deepEqual(decide([notHealth, ERRORS], trace(error)), { sampled: true, policy: 'errors' });
  });
});
