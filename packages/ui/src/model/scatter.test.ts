import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TraceSummary } from '../api/schemas';
import { scatterPlot, tickTime } from './scatter';

const summary = (traceId: string, startMs: number, durationMs: number, errorCount = 0): TraceSummary => ({
  traceId,
  rootServiceName: 'frontend',
  rootSpanName: 'GET /',
  rootSpanMissing: false,
  skewCorrected: true,
  startTimeUnixNano: (1_795_428_000_000_000_000n + BigInt(startMs) * 1_000_000n).toString(),
  durationNano: (BigInt(durationMs) * 1_000_000n).toString(),
  spanCount: 1,
  errorCount,
  services: [],
});

test('scatter: one dot per trace, later right, slower higher, errors flagged, all inside the area', () => {
  const area = { left: 50, top: 10, width: 600, height: 150 };
  const plot = scatterPlot([summary('a', 0, 100), summary('b', 30_000, 400, 2), summary('c', 60_000, 50)], area);
  assert.equal(plot.points.length, 3);
  const [a, b, c] = plot.points;
  assert.ok(a!.x < b!.x && b!.x < c!.x);
  assert.ok(b!.y < a!.y && a!.y < c!.y);
  assert.deepEqual(
    plot.points.map((p) => p.error),
    [false, true, false],
  );
  for (const p of plot.points) {
    assert.ok(p.x > area.left && p.x < area.left + area.width);
    assert.ok(p.y > area.top && p.y < area.top + area.height);
  }
  assert.ok(plot.yTicks.length >= 3 && plot.yTicks[0]!.value === 0);
  assert.ok(plot.xTicks.length >= 2);
  // Time ticks sit on round wall-clock values: 2026-11-23 10:00:00 UTC + multiples of 10 s.
  assert.ok(plot.xTicks.every((tick) => (BigInt(plot.startUnixNano) + BigInt(tick.value)) % 10_000_000_000n === 0n));
  assert.equal(tickTime(plot.startUnixNano, plot.xTicks[0]!.value, 'UTC'), '10:00:00');
});

test('scatter: a single trace still gets a time axis; no traces, no dots', () => {
  const plot = scatterPlot([summary('a', 0, 100)], { left: 0, top: 0, width: 100, height: 100 });
  assert.equal(plot.points[0]!.x, 50);
  assert.ok(plot.spanNano >= 1_000_000_000);
  assert.equal(scatterPlot([], { left: 0, top: 0, width: 100, height: 100 }).points.length, 0);
});

test('scatter: the top duration tick is above the slowest trace (linear, from 0); log spans whole decades with 2 and 5 between', () => {
  const area = { left: 0, top: 10, width: 600, height: 150 };
  const traces = [summary('a', 0, 3), summary('b', 1_000, 86), summary('c', 2_000, 2_560)];
  const linear = scatterPlot(traces, area);
  const top = linear.yTicks[linear.yTicks.length - 1]!;
  assert.equal(linear.yTicks[0]!.value, 0);
  assert.ok(top.value >= 2_560 * 1_000_000, `top tick ${top.value}`);
  for (const point of linear.points) assert.ok(point.y >= top.position, 'no dot above the top tick');
  const log = scatterPlot(traces, area, 'log');
  assert.deepEqual(
    log.yTicks.map((tick) => tick.value / 1_000_000),
    [1, 10, 100, 1_000, 10_000],
  );
  // Equal ratios are equal distances: 3 ms → 86 ms → 2.56 s are all clearly apart, in order.
  const [a, b, c] = log.points;
  assert.ok(a!.y > b!.y && b!.y > c!.y);
  assert.ok(a!.y - b!.y > 30 && b!.y - c!.y > 30);
  for (const point of log.points) assert.ok(point.y >= area.top && point.y <= area.top + area.height);
});
