/**
 * The change-point detector on designed per-minute histograms where the answer is known: a p99
 * step (found at its minute, with both levels), a step down, a single spike and a short burst (no
 * change), steady noisy traffic over many seeds and with a changing rate (no false alarm), and light
 * traffic (p95 instead of p99).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { histogramQuantileNanos } from '../../src/model/latency-histogram.js';
import { detectLatencyChange, type LatencySlot } from '../../src/query/analysis/latency-change.js';
import { seeded } from './analysis-datasets.js';
import { logNormalMillis, normalMillis, slotsOf as latencySlots, slowTailMillis } from './latency-datasets.js';

const OPTIONS = { minRatio: 1.5, quantiles: [0.99, 0.95] };
const START_MINUTE = 29_000_000;
const random = seeded;
const slotsOf = (minutes: number, calls: (minute: number) => number, draw: (minute: number) => number): LatencySlot[] =>
  latencySlots(START_MINUTE, minutes, calls, draw);

describe('latency change detection', () => {
  test('a p99 step from about 240 ms to about 1.8 s is found at its minute, with both levels', () => {
    const next = random(7);
    const slots = slotsOf(
      60,
      () => 200,
      (minute) => (minute >= 37 ? slowTailMillis(next) : normalMillis(next)),
    );
    const change = detectLatencyChange(slots, 1, OPTIONS);
    assert.ok(change, 'a change is found');
    assert.equal(change.quantile, 0.99);
    assert.equal(change.direction, 'up');
    assert.equal(change.changeMinute, START_MINUTE + 37);
    assert.equal(change.before.startMinute, START_MINUTE);
    assert.equal(change.after.endMinute, START_MINUTE + 60);
    assert.equal(change.before.calls, 37 * 200);
    assert.equal(change.after.calls, 23 * 200);
    const beforeMillis = change.before.quantileNanos / 1e6;
    const afterMillis = change.after.quantileNanos / 1e6;
    assert.ok(beforeMillis > 200 && beforeMillis < 290, `before p99 ${beforeMillis} ms`);
    assert.ok(afterMillis > 1500 && afterMillis < 2200, `after p99 ${afterMillis} ms`);
    assert.ok(change.ratio > 5, `ratio ${change.ratio}`);
    // The sides' quantiles are exactly those of their merged histograms (the metrics API's rule).
    const merged = (from: number, to: number): number => {
      const histogram = new Map<number, number>();
      for (const slot of slots.slice(from, to))
        slot.histogramIndexes.forEach((index, i) => histogram.set(index, (histogram.get(index) ?? 0) + slot.histogramCounts[i]!));
      return histogramQuantileNanos([...histogram.keys()], [...histogram.values()], 0.99)!;
    };
    assert.equal(change.before.quantileNanos, merged(0, 37));
    assert.equal(change.after.quantileNanos, merged(37, 60));
  });

  test('a step down is reported as down', () => {
    const next = random(11);
    const slots = slotsOf(
      40,
      () => 300,
      (minute) => (minute < 22 ? slowTailMillis(next) : normalMillis(next)),
    );
    const change = detectLatencyChange(slots, 1, OPTIONS);
    assert.ok(change);
    assert.equal(change.direction, 'down');
    assert.equal(change.changeMinute, START_MINUTE + 22);
    assert.ok(change.ratio < 1 / 5);
  });

  test('a single slow minute, or a three-minute burst, is no change (at the start, middle or end)', () => {
    for (const [first, length] of [
      [3, 1],
      [30, 1],
      [55, 1],
      [30, 3],
      [52, 3],
    ] as const) {
      const next = random(first * 10 + length);
      const slots = slotsOf(
        60,
        () => 200,
        (minute) => (minute >= first && minute < first + length ? logNormalMillis(next, 2000, 0.2) : normalMillis(next)),
      );
      assert.equal(detectLatencyChange(slots, 1, OPTIONS), undefined, `spike at ${first} for ${length} min`);
    }
  });

  test('steady noisy traffic raises no alarm: 40 seeds, heavy tails, a rate that triples', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(1000 + seed);
      const rate = seed % 2 === 0 ? () => 150 : (minute: number) => (minute < 30 ? 60 : 180);
      const sigma = seed % 4 < 2 ? 0.38 : 0.8;
      const slots = slotsOf(60, rate, () => logNormalMillis(next, 100, sigma));
      const change = detectLatencyChange(slots, 1, OPTIONS);
      assert.equal(change, undefined, `seed ${seed}: ${JSON.stringify(change)}`);
    }
  });

  test('light traffic: too few calls for p99, so the step is read on p95', () => {
    const next = random(3);
    // 40 calls a minute; after minute 30, 15 % of calls are slow (p95 moves 100 ms → ~1.5 s).
    const slots = slotsOf(
      60,
      () => 40,
      (minute) => (minute >= 30 && next() < 0.15 ? logNormalMillis(next, 1500, 0.1) : logNormalMillis(next, 60, 0.3)),
    );
    const change = detectLatencyChange(slots, 1, OPTIONS);
    assert.ok(change);
    assert.equal(change.quantile, 0.95);
    assert.equal(change.changeMinute, START_MINUTE + 30);
  });

  test('too short a window, or no traffic, finds nothing', () => {
    const next = random(5);
    assert.equal(
      detectLatencyChange(
        slotsOf(
          9,
          () => 500,
          () => normalMillis(next),
        ),
        1,
        OPTIONS,
      ),
      undefined,
    );
    assert.equal(
      detectLatencyChange(
        slotsOf(
          60,
          () => 0,
          () => 1,
        ),
        1,
        OPTIONS,
      ),
      undefined,
    );
  });
});
