import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clockSkew, installClockSkewHook, setClockSkew } from '../src/clock-skew.js';

test('a skewed clock moves wall-clock readings and keeps durations', () => {
  installClockSkewHook();
  const before = { date: Date.now(), origin: performance.timeOrigin, now: performance.now() };
  setClockSkew(-60_000);
  assert.equal(clockSkew(), -60_000);
  const date = Date.now();
  const origin = performance.timeOrigin;
  assert.ok(Math.abs(date - before.date + 60_000) < 1_000, `Date.now moved by ${date - before.date} ms`);
  assert.equal(origin - before.origin, -60_000);
  // performance.now() is the monotonic clock durations come from: it must not jump.
  assert.ok(performance.now() >= before.now && performance.now() - before.now < 1_000);
  setClockSkew(0);
  assert.ok(Math.abs(Date.now() - before.date) < 1_000);
});
