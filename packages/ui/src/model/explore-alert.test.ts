import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HeatmapResponse } from '../api/analysis-schemas';
import { exploreAlert, exploreAlertUrl, heatmapP99Nano } from './explore-alert';
import { exploreStateOf } from './explore-state';

const PER = 4;
/** 99 spans around 2^(80/4) ns ≈ 1 ms and one around 2^(100/4) ns ≈ 33.5 ms, 3 of them errors, over 100 s. */
const heatmap: HeatmapResponse = {
  startTimeUnixNano: '1000000000000',
  endTimeUnixNano: '1100000000000',
  stepNano: 1e9,
  bucketsPerDoubling: PER,
  slots: 100,
  totalSpans: 100,
  cells: [
    { slot: 0, bucket: 80, count: 60, errors: 1 },
    { slot: 1, bucket: 80, count: 39, errors: 0 },
    { slot: 2, bucket: 100, count: 1, errors: 2 },
  ],
};

const state = (query: string) => exploreStateOf(new URLSearchParams(query));

test("the heatmap's p99 is the upper bound of the bucket holding the 99th percentile", () => {
  assert.equal(heatmapP99Nano(heatmap), 2 ** (81 / PER));
  assert.equal(heatmapP99Nano({ ...heatmap, cells: [] }), undefined);
});

test('a latency selection alerts on the p99 above its lower bound, in seconds', () => {
  const alert = exploreAlert(state('q={ resource.service.name = "geo" }&selStart=1&selEnd=2&selMin=412000000&selMax=9000000000'), heatmap);
  assert.deepEqual(alert, {
    name: 'p99 above 0.41s: { resource.service.name = "geo" }',
    query: '{ resource.service.name = "geo" } | quantile_over_time(duration, 0.99)',
    threshold: 0.41,
  });
});

test('"Explain errors" alerts on the error rate above 1.5 × the one shown', () => {
  assert.deepEqual(exploreAlert(state('q={ name = "pay" }&selErrors=1'), heatmap), {
    name: 'error rate above 0.045/s: { name = "pay" }',
    query: '{ name = "pay" && status = error } | rate()',
    threshold: 0.045,
  });
});

test("no selection alerts on the filter's p99 above 1.5 × the one shown; the URL opens the pre-filled form", () => {
  const alert = exploreAlert(state('lookback=1h'), heatmap);
  assert.deepEqual(alert, { name: 'p99 above 0.0019s: all spans', query: '{ } | quantile_over_time(duration, 0.99)', threshold: 0.0019 });
  const url = new URL(exploreAlertUrl(state('lookback=1h'), heatmap), 'http://h');
  assert.equal(url.pathname, '/alerts');
  assert.deepEqual(Object.fromEntries(url.searchParams), { new: '1', name: alert.name, query: alert.query, threshold: '0.0019' });
});
