import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summariseSpanRows, type SkeletonRow } from '../../src/storage/trace-summary-rows.js';

function row(spanId: string, parent: string, start: number, fields: Partial<SkeletonRow> = {}): SkeletonRow {
  return {
    trace_id: 't1',
    span_id: spanId,
    parent,
    name: `op-${spanId}`,
    status: 0,
    start_text: String(start),
    duration_text: '10',
    end_text: String(start + 10),
    kind: 2,
    service: 'web',
    resource: 'r1',
    ...fields,
  };
}

test('copies of a span count once in the summary, and every row read counts towards the cap', () => {
  const rows = [
    row('a', '', 100),
    row('b', 'a', 105, { status: 2, service: 'db' }),
    row('b', 'a', 105, { status: 2, service: 'db' }),
    row('c', 'a', 120, { service: 'db' }),
  ];
  const trace = summariseSpanRows(rows).get('t1');
  assert.ok(trace !== undefined);
  assert.equal(trace.rowCount, 4);
  assert.equal(trace.spans.length, 3);
  assert.deepStrictEqual(trace.summary.services, [
    { serviceName: 'db', spanCount: 2 },
    { serviceName: 'web', spanCount: 1 },
  ]);
  assert.equal(trace.summary.spanCount, 3);
  assert.equal(trace.summary.errorCount, 1);
  assert.equal(trace.summary.rootSpanName, 'op-a');
  assert.equal(trace.summary.startTimeUnixNano, 100n);
  assert.equal(trace.summary.durationNano, 30n);
});
