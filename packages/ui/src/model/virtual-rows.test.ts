import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scrollTopToReveal, virtualWindow } from './virtual-rows';

const ROW = 28;

test('the virtual window renders the rows in view plus the overscan, in a spacer of every row', () => {
  const at = (scrollTop: number, rowCount = 100_000) =>
    virtualWindow({ rowCount, rowHeight: ROW, scrollTop, viewportHeight: 560, overscan: 10 });
  assert.deepEqual(at(0), { first: 0, last: 30, offsetTop: 0, totalHeight: 2_800_000 });
  // 1,000 px down: rows 35–55 are visible (35.7 → 55.7), 25–66 rendered.
  assert.deepEqual(at(1_000), { first: 25, last: 66, offsetTop: 700, totalHeight: 2_800_000 });
  // At the bottom the last row is rendered and nothing beyond it.
  const bottom = at(2_800_000 - 560);
  assert.equal(bottom.last, 100_000);
  assert.equal(bottom.first, 100_000 - 20 - 10);
  // The rendered count stays about one screen whatever the trace size.
  for (const scrollTop of [0, 123_456, 2_000_000]) {
    const window = at(scrollTop, 1_000_000);
    assert.ok(window.last - window.first <= 42, `${window.last - window.first} rows at ${scrollTop}`);
  }
});

test('a stale scroll position (rows collapsed since) and tiny lists are handled', () => {
  // 10 rows left, scrolled far down before: clamp so the last rows show.
  assert.deepEqual(virtualWindow({ rowCount: 10, rowHeight: ROW, scrollTop: 50_000, viewportHeight: 560, overscan: 5 }), {
    first: 0,
    last: 10,
    offsetTop: 0,
    totalHeight: 280,
  });
  assert.deepEqual(virtualWindow({ rowCount: 0, rowHeight: ROW, scrollTop: 0, viewportHeight: 560, overscan: 5 }), {
    first: 0,
    last: 0,
    offsetTop: 0,
    totalHeight: 0,
  });
  // A viewport not measured yet (height 0) still renders a row and the overscan.
  assert.deepEqual(virtualWindow({ rowCount: 50, rowHeight: ROW, scrollTop: 0, viewportHeight: 0, overscan: 3 }), {
    first: 0,
    last: 4,
    offsetTop: 0,
    totalHeight: 1400,
  });
});

test('revealing a row scrolls the least: up to its top, down to its bottom, not at all when in view', () => {
  assert.equal(scrollTopToReveal(10, ROW, 0, 560), undefined);
  assert.equal(scrollTopToReveal(19, ROW, 0, 560), undefined);
  assert.equal(scrollTopToReveal(20, ROW, 0, 560), 21 * ROW - 560);
  assert.equal(scrollTopToReveal(5, ROW, 1_000, 560), 5 * ROW);
  assert.equal(scrollTopToReveal(-1, ROW, 0, 560), undefined);
});
