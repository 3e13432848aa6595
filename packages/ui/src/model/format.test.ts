import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeValue, formatDuration, formatTimestamp, rulerTicks } from './format';
import { serviceColor } from './service-colors';
import { EMPTY_FORM, formFromParams, normaliseTraceId, paramsFromForm } from './search-state';
import { traceHref, traceStateFromParams } from './trace-state';

test('durations read in the nearest unit', () => {
  assert.equal(formatDuration(830), '830 ns');
  assert.equal(formatDuration(12_400), '12.4 µs');
  assert.equal(formatDuration(250_000_000), '250 ms');
  assert.equal(formatDuration(1_523_000_000), '1.52 s');
  assert.equal(formatDuration(125_000_000_000), '2m 05s');
  assert.equal(formatDuration(3 * 3600e9 + 60e9), '3h 01m');
});

test('timestamps keep milliseconds and never round through a float', () => {
  assert.equal(formatTimestamp('1795428000123456789', 'UTC'), '2026-11-23 10:00:00.123');
});

test('typed attribute values', () => {
  assert.deepEqual(describeValue({ intValue: '9007199254740993' }), { type: 'int', text: '9007199254740993' });
  assert.deepEqual(describeValue({ doubleValue: 'NaN' }), { type: 'double', text: 'NaN' });
  assert.deepEqual(describeValue({ boolValue: false }), { type: 'bool', text: 'false' });
  assert.deepEqual(describeValue({ bytesValue: 'AQL/' }), { type: 'bytes', text: '0102ff' });
  assert.deepEqual(describeValue({ arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }] } }), {
    type: 'array',
    text: '["a", 1]',
  });
  assert.deepEqual(describeValue({ kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } }), {
    type: 'kvlist',
    text: '{k: "v"}',
  });
  assert.deepEqual(describeValue({}), { type: 'empty', text: '(empty)' });
});

test('ruler ticks are round steps covering the trace', () => {
  assert.deepEqual(rulerTicks(500e6, 5), [0, 100e6, 200e6, 300e6, 400e6, 500e6]);
  assert.deepEqual(rulerTicks(0), [0]);
});

test('service colours are stable', () => {
  assert.equal(serviceColor('cart'), serviceColor('cart'));
  assert.match(serviceColor('payment'), /^#[0-9a-f]{6}$/);
});

test('search form round-trips through the URL', () => {
  const form = {
    ...EMPTY_FORM,
    service: 'cart',
    spanName: 'GET /x',
    attrs: ['http.route=/x', 'a=b=c'],
    minDuration: '10ms',
    errorsOnly: true,
    lookback: '6h',
    limit: 50,
  };
  const params = paramsFromForm(form);
  assert.equal(
    params.toString(),
    'service=cart&spanName=GET+%2Fx&attr=http.route%3D%2Fx&attr=a%3Db%3Dc&minDuration=10ms&status=error&lookback=6h&limit=50',
  );
  assert.deepEqual(formFromParams(params), form);
  assert.deepEqual(formFromParams(new URLSearchParams('')), EMPTY_FORM);
  assert.equal(formFromParams(new URLSearchParams('limit=abc')).limit, 20);
});

test('trace ID lookup accepts 1–32 hex digits, any case', () => {
  assert.equal(normaliseTraceId(' 5B8EFFF798038103D269B633813FC60C '), '5b8efff798038103d269b633813fc60c');
  assert.equal(normaliseTraceId('abc'), 'abc');
  assert.equal(normaliseTraceId('xyz'), undefined);
  assert.equal(normaliseTraceId('000'), undefined);
});

test('trace page state round-trips through the URL; defaults stay out of it', () => {
  assert.equal(traceHref('ab', { span: undefined, view: 'timeline', raw: false }), '/trace/ab');
  const href = traceHref('ab', { span: 'c1#1', view: 'stats', raw: true });
  assert.equal(href, '/trace/ab?span=c1%231&view=stats&raw=1');
  assert.deepEqual(traceStateFromParams(new URL(href, 'http://x').searchParams), { span: 'c1#1', view: 'stats', raw: true });
  assert.deepEqual(traceStateFromParams(new URLSearchParams('view=bogus')), { span: undefined, view: 'timeline', raw: false });
});
