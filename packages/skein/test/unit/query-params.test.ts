import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationNano, QueryParams } from '../../src/query/query-params.js';

test('durations are exact in nanoseconds', () => {
  assert.equal(parseDurationNano('1.5s'), 1_500_000_000n);
  assert.equal(parseDurationNano('250ms'), 250_000_000n);
  assert.equal(parseDurationNano('300us'), 300_000n);
  assert.equal(parseDurationNano('2m'), 120_000_000_000n);
  assert.equal(parseDurationNano('1h'), 3_600_000_000_000n);
  assert.equal(parseDurationNano('0.000000001s'), 1n);
  assert.equal(parseDurationNano('42'), 42n);
  assert.equal(parseDurationNano('1.5'), undefined);
  assert.equal(parseDurationNano('-1s'), undefined);
  assert.equal(parseDurationNano('1d'), undefined);
});

test('times: RFC 3339 with nanosecond fractions and offsets, or Unix nanoseconds', () => {
  const params = new QueryParams(new URLSearchParams('a=2026-11-23T10:00:00.123456789Z&b=2026-11-23T11:00:00+01:00&c=1700000000000000001'));
  assert.equal(params.timeUnixNano('a'), 1795428000123456789n);
  assert.equal(params.timeUnixNano('b'), 1795428000000000000n);
  assert.equal(params.timeUnixNano('c'), 1700000000000000001n);
  assert.throws(() => new QueryParams(new URLSearchParams('t=2026-13-45')).timeUnixNano('t'), /"t": expected an RFC 3339 time/);
});

test('unknown and repeated parameters are refused by name', () => {
  const params = new QueryParams(new URLSearchParams('service=a&typo=1'));
  params.string('service');
  assert.throws(() => params.rejectUnknown(), /"typo": unknown parameter/);
  assert.throws(() => new QueryParams(new URLSearchParams('x=1&x=2')).string('x'), /"x": given more than once/);
});
