import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TraceSummary } from '../api/schemas';
import { isTraceSortOrder, sortTraces, TRACE_SORT_ORDERS } from './trace-sort';

const trace = (traceId: string, startOffset: bigint, durationNano: string, spanCount: number, errorCount: number): TraceSummary => ({
  traceId,
  rootServiceName: 'frontend',
  rootSpanName: 'GET /',
  rootSpanMissing: false,
  skewCorrected: true,
  // Beyond 2^53: one nanosecond apart must still order correctly.
  startTimeUnixNano: (1_795_428_000_000_000_000n + startOffset).toString(),
  durationNano,
  spanCount,
  errorCount,
  services: [],
});

const traces = [
  trace('a', 3n, '500', 4, 0),
  trace('b', 2n, '9000000000000000001', 2, 1),
  trace('c', 1n, '9000000000000000000', 9, 3),
  trace('d', 4n, '500', 4, 1),
];
const ids = (list: TraceSummary[]): string => list.map((t) => t.traceId).join('');

test('sort orders; ties fall back to newest first', () => {
  assert.equal(ids(sortTraces(traces, 'recent')), 'dabc');
  assert.equal(ids(sortTraces(traces, 'longest')), 'bcda');
  assert.equal(ids(sortTraces(traces, 'shortest')), 'dacb');
  assert.equal(ids(sortTraces(traces, 'most-spans')), 'cdab');
  assert.equal(ids(sortTraces(traces, 'most-errors')), 'cdba');
  assert.equal(ids(traces), 'abcd', 'the input is left as it is');
});

test('only known sort orders come from the URL', () => {
  assert.ok(TRACE_SORT_ORDERS.every(isTraceSortOrder));
  assert.equal(isTraceSortOrder('oldest'), false);
});
