import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SPACER_PX, outlineScroll } from './outline-scroll';

const ROW = 28;

test('below the cap, scrolling maps one to one onto the rows', () => {
  const at = outlineScroll(1_000, ROW, 280, 560);
  assert.equal(at.spacerHeight, 28_000);
  assert.equal(at.first, 2); // row 10 at the top, 8 rows of overscan above
  assert.equal(at.last, 38);
  assert.equal(at.rowsTop, 2 * ROW);
  assert.equal(at.scrollTopFor(100), 100 * ROW - 560 / 3);
});

test('1M rows: the spacer is capped and both ends of the list are reachable', () => {
  const rows = 1_000_000;
  const top = outlineScroll(rows, ROW, 0, 560);
  assert.equal(top.spacerHeight, MAX_SPACER_PX);
  assert.equal(top.first, 0);
  const bottom = outlineScroll(rows, ROW, MAX_SPACER_PX - 560, 560);
  assert.equal(bottom.last, rows);
  // The last row's bottom edge lands on the viewport's bottom edge.
  assert.equal(bottom.rowsTop + (rows - bottom.first) * ROW, MAX_SPACER_PX);
  // Revealing a row far down scrolls to a position that renders it.
  const target = bottom.scrollTopFor(654_321);
  const there = outlineScroll(rows, ROW, target, 560);
  assert.ok(there.first <= 654_321 && 654_321 < there.last, `${there.first}..${there.last}`);
});
