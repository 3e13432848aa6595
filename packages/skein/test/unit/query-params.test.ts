import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QueryParams } from '../../src/query/query-params.js';

test('durations: Go duration strings, exact in nanoseconds; a bare number other than 0 is refused by name', () => {
  const params = new QueryParams(new URLSearchParams('a=1.5s&b=1m30s&c=0&d=42&e=1.5&f=-1s'));
  assert.equal(params.durationNano('a'), 1_500_000_000n);
  assert.equal(params.durationNano('b'), 90_000_000_000n);
  assert.equal(params.durationNano('c'), 0n);
  assert.equal(params.durationNano('absent'), undefined);
  assert.throws(() => params.durationNano('d'), /"d": expected a duration such as 500ms, 5s or 1m \(got "42"\)/);
  assert.throws(() => params.durationNano('e'), /"e": expected a duration/);
  assert.throws(() => params.durationNano('f'), /"f": expected a duration/);
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
