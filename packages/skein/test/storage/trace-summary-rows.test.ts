import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSkeletonRows, summariseSpanRows, type SkeletonRow } from '../../src/storage/trace-summary-rows.js';
import { StorageError } from '../../src/storage/trace-store.js';

function row(spanId: string, parent: string, start: number, fields: Partial<SkeletonRow> = {}): SkeletonRow {
  return {
    trace_id: 't1',
    span_id: spanId,
    parent,
    name: `op-${spanId}`,
    status: 0,
    startNano: BigInt(start),
    durationNano: 10n,
    endNano: BigInt(start + 10),
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

test('the span read decodes from RowBinary: strings as UTF-8, UInt8 and UInt64 little-endian; a cut row is an error', () => {
  const text = (value: string): Buffer => {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  };
  const uint64 = (value: bigint): Buffer => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64LE(value);
    return bytes;
  };
  const encoded = Buffer.concat([
    text('t1'),
    text('a'),
    text(''),
    text('GET /çà ☃'),
    Buffer.from([2]),
    uint64(18_446_744_073_709_551_615n),
    uint64(10n),
    uint64(9n),
    Buffer.from([3]),
    text('web'),
    text('r1'),
  ]);
  const rows = decodeSkeletonRows(Buffer.concat([encoded, encoded]));
  assert.equal(rows.length, 2);
  assert.deepStrictEqual(rows[1], {
    trace_id: 't1',
    span_id: 'a',
    parent: '',
    name: 'GET /çà ☃',
    status: 2,
    startNano: 18_446_744_073_709_551_615n,
    durationNano: 10n,
    endNano: 9n,
    kind: 3,
    service: 'web',
    resource: 'r1',
  });
  assert.throws(() => decodeSkeletonRows(encoded.subarray(0, encoded.length - 1)), StorageError);
});
