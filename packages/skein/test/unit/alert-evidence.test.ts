import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rankAttributes } from '../../src/query/analysis/attribute-ranking.js';
import {
  BASELINE_MILLIS,
  offendingExemplars,
  offendingSpans,
  rankOffendingSpans,
  topAttributeOf,
  topAttributeText,
} from '../../src/query/alerts/alert-evidence.js';
import { alertmanagerPayload, webhookPayload, type AlertNotice } from '../../src/query/alerts/alert-notifier.js';
import { alertRuleSchema, type AlertRule } from '../../src/query/alerts/alert-rule.js';
import type { TenantTraceReader } from '../../src/storage/trace-store.js';
import type { AttributeCountsResult } from '../../src/storage/span-analysis-types.js';

/** The top-attribute evidence of alert notifications (issue 16): which spans offend, which value stands out, failing soft. */

const NOW_MS = 1_700_000_000_000;
const MS = 1_000_000n;

function rule(query: string, threshold: number, op: '>' | '<' = '>'): AlertRule {
  return { ...alertRuleSchema.parse({ name: 'r', query, threshold, op, window: '5m' }), id: 'r' };
}

const sample: AttributeCountsResult['selectionSample'] = { populationSpans: 0, sampledSpans: 0, rate: 1 };

function counts(selectionSpans: number, baselineSpans: number, pods: Array<[string, number, number]>): AttributeCountsResult {
  return {
    selectionSpans,
    baselineSpans,
    selectionSample: sample,
    baselineSample: sample,
    attributes: [
      {
        attribute: 'span.k8s.pod',
        selectionWith: pods.reduce((s, [, a]) => s + a, 0),
        baselineWith: pods.reduce((s, [, , b]) => s + b, 0),
        distinctValues: pods.length,
        numeric: false,
        raw: pods.map(([value, selection, baseline]) => ({ value, selection, baseline })),
        buckets: [],
      },
    ],
  };
}

test('a latency rule offends with the spans at or above its threshold (seconds), over the window and the baseline before it', () => {
  const offending = offendingSpans(rule('{ resource.service.name = "checkout" } | quantile_over_time(duration, 0.99)', 0.3), NOW_MS);
  assert.deepEqual(offending.selection, { minDurationNano: 300_000_000n });
  assert.equal(offending.population.toNano, BigInt(NOW_MS) * MS);
  assert.equal(offending.population.fromNano, BigInt(NOW_MS - 5 * 60_000 - BASELINE_MILLIS) * MS);
  assert.equal(offending.population.filter.conditions.length, 1);
  assert.deepEqual(offendingSpans(rule('{ } | avg_over_time(duration)', 1.5, '<'), NOW_MS).selection, { maxDurationNano: 1_500_000_000n });
});

test('a rate or count rule offends with the spans of its window, against the period before it', () => {
  const offending = offendingSpans(rule('{ status = error } | rate()', 5), NOW_MS);
  assert.deepEqual(offending.selection, { fromNano: BigInt(NOW_MS - 5 * 60_000) * MS, toNano: BigInt(NOW_MS) * MS });
  assert.match(offending.described, /last 300000 ms against the 30 minutes before/);
});

test('the top attribute is the most over-represented significant value; none found or nothing to compare is a reason', () => {
  const found = topAttributeOf(
    rankAttributes(
      counts(40, 400, [
        ['replica-3', 36, 30],
        ['replica-1', 4, 370],
      ]),
      10,
      30,
    ),
    'slow spans',
  );
  assert.deepEqual(found, {
    topAttribute: {
      attribute: 'span.k8s.pod',
      value: 'replica-3',
      selectionShare: 0.9,
      baselineShare: 0.075,
      selectionSpans: 40,
      baselineSpans: 400,
      selection: 'slow spans',
    },
  });
  assert.equal(topAttributeText(found), 'span.k8s.pod = "replica-3" (90% of offending spans, 8% of others; slow spans)');
  const even = topAttributeOf(
    rankAttributes(
      counts(40, 400, [
        ['replica-3', 20, 200],
        ['replica-1', 20, 200],
      ]),
      10,
      30,
    ),
    'slow spans',
  );
  assert.deepEqual(even, { topAttribute: null, topAttributeReason: 'no attribute value is significantly over-represented (slow spans)' });
  assert.match(topAttributeText(even), /^not available: no attribute value/);
  assert.deepEqual(topAttributeOf(rankAttributes(counts(40, 0, []), 10, 30), 'x'), {
    topAttribute: null,
    topAttributeReason: 'no spans to compare with (x)',
  });
  assert.deepEqual(topAttributeOf(rankAttributes(counts(0, 10, []), 10, 30), 'x'), {
    topAttribute: null,
    topAttributeReason: 'no offending spans found in the window',
  });
});

test('status and kind values are named as in TraceQL', () => {
  const statusCounts: AttributeCountsResult = {
    ...counts(20, 100, []),
    attributes: [
      {
        attribute: 'status',
        selectionWith: 20,
        baselineWith: 100,
        distinctValues: 2,
        numeric: false,
        raw: [
          { value: '2', selection: 20, baseline: 0 },
          { value: '0', selection: 0, baseline: 100 },
        ],
        buckets: [],
      },
    ],
  };
  const top = topAttributeOf(rankAttributes(statusCounts, 10, 30), 'x').topAttribute;
  assert.deepEqual([top?.attribute, top?.value], ['status', 'error']);
});

test('a failing store fails the ranking, and the notification says so in both payload shapes', async () => {
  const failing = {
    countAttributeValues: () => Promise.reject(new Error('Code: 241. Memory limit exceeded')),
  } as unknown as TenantTraceReader;
  await assert.rejects(rankOffendingSpans(failing, rule('{ } | rate()', 1), NOW_MS), /Memory limit/);
  // Only latency rules look their exemplars up again (slow spans); others keep the query's own, without a read.
  assert.equal(await offendingExemplars(failing, rule('{ } | rate()', 1), NOW_MS, 3), undefined);
  const notice: AlertNotice = {
    status: 'firing',
    tenant: 'single-tenant',
    rule: rule('{ } | rate()', 1),
    value: 2,
    activeSinceMs: NOW_MS,
    atMs: NOW_MS,
    exemplars: [],
    ranking: { topAttribute: null, topAttributeReason: 'ranking failed: the attribute ranking took longer than 5000 ms' },
    ruleUrl: 'http://x/alerts?rule=r',
  };
  const hook = webhookPayload(notice) as Record<string, unknown>;
  assert.equal(hook['topAttribute'], null);
  assert.equal(hook['topAttributeReason'], 'ranking failed: the attribute ranking took longer than 5000 ms');
  const [alert] = alertmanagerPayload(notice) as Array<{ annotations: Record<string, string> }>;
  assert.equal(alert!.annotations['top_attribute'], 'not available: ranking failed: the attribute ranking took longer than 5000 ms');
  const resolved = webhookPayload({ ...notice, status: 'resolved', ranking: undefined } as unknown as AlertNotice) as Record<
    string,
    unknown
  >;
  assert.ok(!('topAttribute' in resolved));
});
