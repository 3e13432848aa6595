import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FULL_WINDOW, MIN_ZOOM_WIDTH, formatZoom, parseZoom, placeBar, placePoint, windowFromDrag, windowTicks } from './trace-zoom';

const MS = 1_000_000;

test('zoom windows round-trip through the URL; bad or full windows read as none', () => {
  assert.deepEqual(parseZoom('0.125,0.5'), { from: 0.125, to: 0.5 });
  assert.equal(formatZoom({ from: 0.125, to: 0.5 }), '0.125,0.5');
  assert.equal(formatZoom({ from: 1 / 3, to: 2 / 3 }), '0.33333,0.66667');
  assert.deepEqual(parseZoom(formatZoom({ from: 0.25, to: 0.75 })), { from: 0.25, to: 0.75 });
  for (const bad of [null, '', '0.5', '0.5,0.25', '0.2,1.5', '-0.1,0.5', 'a,b', '0.3,0.3', '0,1']) {
    assert.equal(parseZoom(bad), undefined, String(bad));
  }
});

test('a drag selects a window of the strip it was made on; clicks and tiny drags select nothing', () => {
  // On the minimap (the whole trace), either direction.
  assert.deepEqual(windowFromDrag(0.25, 0.75), { from: 0.25, to: 0.75 });
  assert.deepEqual(windowFromDrag(0.75, 0.25), { from: 0.25, to: 0.75 });
  // On the ruler of a zoomed view: its middle half of [0.2, 0.6] is [0.3, 0.5].
  const nested = windowFromDrag(0.25, 0.75, { from: 0.2, to: 0.6 })!;
  assert.ok(Math.abs(nested.from - 0.3) < 1e-12 && Math.abs(nested.to - 0.5) < 1e-12);
  assert.equal(windowFromDrag(0.4, 0.4), undefined);
  assert.equal(windowFromDrag(0.4, 0.402), undefined);
  // Beyond the strip's edges: clamped.
  assert.deepEqual(windowFromDrag(-0.5, 0.5), { from: 0, to: 0.5 });
  // Deep zooms stop at the minimum width, centred on the selection and kept inside the trace.
  const deep = windowFromDrag(0.5, 0.51, { from: 0.9999, to: 1 })!;
  assert.ok(Math.abs(deep.to - deep.from - MIN_ZOOM_WIDTH) < 1e-12);
  assert.equal(deep.to, 1);
});

test('bars are placed on the window, clipped at its edges, left out when outside it', () => {
  const total = 1000 * MS;
  const window = { from: 0.2, to: 0.6 }; // 200–600 ms
  assert.deepEqual(placeBar(0, total, total, FULL_WINDOW), { left: 0, width: 100, clippedLeft: false, clippedRight: false });
  assert.deepEqual(placeBar(300 * MS, 100 * MS, total, window), { left: 25, width: 25, clippedLeft: false, clippedRight: false });
  assert.deepEqual(placeBar(100 * MS, 200 * MS, total, window), { left: 0, width: 25, clippedLeft: true, clippedRight: false });
  assert.deepEqual(placeBar(500 * MS, 400 * MS, total, window), { left: 75, width: 25, clippedLeft: false, clippedRight: true });
  assert.equal(placeBar(0, 150 * MS, total, window), undefined);
  assert.equal(placeBar(700 * MS, 10 * MS, total, window), undefined);
  // Touching an edge from outside is outside; a zero-length span on it is a point inside.
  assert.equal(placeBar(100 * MS, 100 * MS, total, window), undefined);
  assert.deepEqual(placeBar(200 * MS, 0, total, window), { left: 0, width: 0, clippedLeft: false, clippedRight: false });
  assert.ok(Math.abs(placePoint(400 * MS, total, window) - 50) < 1e-9);
  assert.ok(Math.abs(placePoint(100 * MS, total, window) + 25) < 1e-9);
});

test('ruler ticks are round steps inside the window', () => {
  const total = 640 * MS;
  assert.deepEqual(
    windowTicks(total, FULL_WINDOW, 6).map((tick) => tick / MS),
    [0, 200, 400, 600],
  );
  assert.deepEqual(
    windowTicks(total, { from: 0.25, to: 0.75 }, 6).map((tick) => tick / MS),
    [200, 300, 400],
  );
  // A deep zoom still gets a handful of ticks, in the units of the window.
  const deep = windowTicks(total, { from: 0.5, to: 0.5001 }, 6);
  assert.ok(deep.length >= 4 && deep.length <= 8, String(deep.length));
  assert.ok(deep.every((tick) => tick >= 0.5 * total && tick <= 0.5001 * total));
});
