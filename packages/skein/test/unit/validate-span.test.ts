import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionValidSpans, validateSpan } from '../../src/model/validate-span.js';
import { normaliseTraceId } from '../../src/model/ids.js';
import { makeSpan } from '../support/span-factory.js';

test('each rule rejects its span with a reason naming the field', () => {
  const start = 1_700_000_000_000_000_000n;
  const cases: Array<[Parameters<typeof makeSpan>[0], RegExp]> = [
    [{ traceId: '0'.repeat(32) }, /invalid trace ID/],
    [{ traceId: 'ab' }, /invalid trace ID "ab"/],
    [{ traceId: 'g'.repeat(32) }, /invalid trace ID/],
    [{ spanId: '0'.repeat(16) }, /invalid span ID/],
    [{ spanId: 'a'.repeat(32) }, /invalid span ID/],
    [{ parentSpanId: 'abc' }, /invalid parent span ID "abc"/],
    [{ name: '' }, /name is empty/],
    [{ startTimeUnixNano: 0n, endTimeUnixNano: 5n }, /startTimeUnixNano is missing/],
    [{ startTimeUnixNano: start, endTimeUnixNano: start - 1n }, /is before startTimeUnixNano/],
  ];
  for (const [overrides, reason] of cases) assert.match(validateSpan(makeSpan(overrides)) ?? 'valid', reason);
  assert.equal(validateSpan(makeSpan()), undefined);
});

test('an all-zero parent means root', () => {
  const span = makeSpan({ parentSpanId: '0'.repeat(16) });
  assert.equal(validateSpan(span), undefined);
  assert.equal(span.parentSpanId, '');
});

test('partition keeps the valid spans and summarises at most five reasons', () => {
  const spans = [makeSpan(), ...Array.from({ length: 7 }, () => makeSpan({ name: '' })), makeSpan()];
  const outcome = partitionValidSpans(spans);
  assert.equal(outcome.valid.length, 2);
  assert.equal(outcome.rejectedCount, 7);
  assert.equal(outcome.errorMessage.split('; ').length, 6);
  assert.match(outcome.errorMessage, /and 2 more$/);
});

test('user-supplied trace IDs are normalised', () => {
  assert.equal(normaliseTraceId('ABC'), '0'.repeat(29) + 'abc');
  assert.equal(normaliseTraceId('0'), undefined);
  assert.equal(normaliseTraceId('xyz'), undefined);
  assert.equal(normaliseTraceId('a'.repeat(33)), undefined);
});
