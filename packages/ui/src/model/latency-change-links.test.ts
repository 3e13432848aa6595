import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LatencyChange } from '../api/analysis-schemas';
import { exploreStateOf, rankingParams } from './explore-state';
import { changeHeadline, slowVersusNormalUrl } from './latency-change-links';

const T = 1_764_000_000_000;
const change: LatencyChange = {
  serviceName: 'frontend',
  operation: 'GET /checkout',
  quantile: 0.99,
  direction: 'up',
  changeTimeUnixMillis: T + 37 * 60_000,
  ratio: 7.5,
  thresholdMillis: 657.3,
  before: { startTimeUnixMillis: T, endTimeUnixMillis: T + 37 * 60_000, calls: 7400, quantileMillis: 240 },
  after: { startTimeUnixMillis: T + 37 * 60_000, endTimeUnixMillis: T + 60 * 60_000, calls: 4600, quantileMillis: 1800 },
  exemplars: [],
};

test('the headline names the quantile, both levels and the minute', () => {
  assert.equal(
    changeHeadline(change, () => '14:07'),
    'p99 240 ms → 1.8 s at 14:07',
  );
  assert.equal(
    changeHeadline({ ...change, quantile: 0.95 }, () => '09:30'),
    'p95 240 ms → 1.8 s at 09:30',
  );
});

test('"why slow" opens Explore on the operation over the window, the slow side after the jump selected', () => {
  const state = exploreStateOf(new URL(slowVersusNormalUrl(change), 'http://h').searchParams);
  assert.equal(state.q, '{ resource.service.name = "frontend" && name = "GET /checkout" }');
  assert.equal(state.start, `${T}000000`);
  assert.equal(state.end, `${T + 3_600_000}000000`);
  assert.deepEqual(state.selection, {
    start: `${T + 37 * 60_000}000000`,
    end: `${T + 3_600_000}000000`,
    minNano: '657300000',
    errors: false,
  });
  assert.match(rankingParams(state)!.toString(), /selectionMinDuration=657300000ns/);
  // A step down: the slow side is before the change.
  const down = exploreStateOf(
    new URL(slowVersusNormalUrl({ ...change, direction: 'down', before: change.after, after: change.before }), 'http://h').searchParams,
  );
  assert.equal(down.selection?.start, `${T + 37 * 60_000}000000`);
});
