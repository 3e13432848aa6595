import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newestFirstSlices } from '../../src/model/newest-first-slices.js';

const MIN = 60n * 1_000_000_000n;

test('slices run from the newest end backwards, each twice the last, the oldest clipped at the start', () => {
  const slices = [...newestFirstSlices(0n, 60n * MIN - 1n, 15n * MIN)];
  assert.deepStrictEqual(
    slices.map((s) => [Number(s.startNano / MIN), Number((s.endNano + 1n) / MIN)]),
    [
      [45, 60],
      [15, 45],
      [0, 15],
    ],
  );
});

test('slices cover the window exactly once, with no gap and no overlap', () => {
  const start = 7n;
  const end = 1_000_003n;
  const slices = [...newestFirstSlices(start, end, 10n)];
  assert.equal(slices[0]!.endNano, end);
  assert.equal(slices.at(-1)!.startNano, start);
  for (let i = 1; i < slices.length; i++) assert.equal(slices[i]!.endNano, slices[i - 1]!.startNano - 1n);
  assert.ok(slices.length <= 18, `a window of 1M ns in 10 ns first slices takes O(log) slices, got ${slices.length}`);
});

test('a one-instant window is one slice; an empty one none', () => {
  assert.deepStrictEqual([...newestFirstSlices(5n, 5n, 10n)], [{ startNano: 5n, endNano: 5n }]);
  assert.deepStrictEqual([...newestFirstSlices(6n, 5n, 10n)], []);
});
