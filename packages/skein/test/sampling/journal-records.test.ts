/** The journal's record format: round trips, and torn or foreign data detected rather than misread. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  JournalFormatError,
  SEGMENT_MAGIC,
  encodeDecisionsRecord,
  encodeSpansRecord,
  readSegment,
} from '../../src/collector/sampling/journal-records.js';
import { crc32, crc32Portable } from '../../src/model/crc32.js';
import { decodeOtlpProtoTraces } from '../../src/model/otlp-proto-decode.js';
import { encodeOtlpProtoTraces } from '../../src/model/otlp-proto-encode.js';
import { parseTenantId } from '../../src/model/tenant.js';
import { makeSpan, randomTraceId } from '../support/span-factory.js';

test('spans, decisions and snapshots round-trip', () => {
  const spans = [makeSpan(), makeSpan({ attributes: [{ key: 'big', value: 9_007_199_254_740_993n }] })];
  const decisions = [
    { traceKey: randomTraceId(), decision: 'errors' as const },
    { traceKey: randomTraceId(), decision: false as const },
    { traceKey: randomTraceId(), decision: 'politique-été' },
  ];
  const bytes = Buffer.concat([
    SEGMENT_MAGIC,
    encodeSpansRecord(1_700_000_000_123.5, encodeOtlpProtoTraces(spans)),
    encodeDecisionsRecord(decisions),
    encodeDecisionsRecord([], true),
  ]);
  const { records, tornAt } = readSegment(bytes, 'seg');
  assert.equal(tornAt, undefined);
  assert.equal(records.length, 3);
  const [spanRecord, decisionRecord, snapshot] = records;
  assert.equal(spanRecord!.type, 'spans');
  if (spanRecord?.type === 'spans') {
    assert.equal(spanRecord.arrivalMs, 1_700_000_000_123.5);
    assert.deepEqual(decodeOtlpProtoTraces(spanRecord.otlp), spans);
  }
  assert.deepEqual(decisionRecord, { type: 'decisions', entries: decisions });
  assert.deepEqual(snapshot, { type: 'snapshot', entries: [] });
});

test('a flipped bit or a cut record stops the read there', () => {
  const first = encodeDecisionsRecord([{ traceKey: randomTraceId(), decision: 'a' }]);
  const second = encodeDecisionsRecord([{ traceKey: randomTraceId(), decision: 'b' }]);
  const whole = Buffer.concat([SEGMENT_MAGIC, first, second]);
  const flipped = Buffer.from(whole);
  flipped[whole.length - 2]! ^= 0x01;
  assert.deepEqual(readSegment(flipped, 'seg').tornAt, SEGMENT_MAGIC.length + first.length);
  assert.equal(readSegment(flipped, 'seg').records.length, 1);
  const cut = whole.subarray(0, whole.length - 1);
  assert.equal(readSegment(cut, 'seg').records.length, 1);
  assert.equal(readSegment(cut, 'seg').tornAt, SEGMENT_MAGIC.length + first.length);
});

test('a file that is not a journal segment of this version is refused', () => {
  assert.throws(() => readSegment(Buffer.from('NOTAJOURNAL-----'), 'x.journal'), JournalFormatError);
});

test('one CRC-32 for the journal and the exporter queues: native where Node has it, the same value without', () => {
  const bytes = Buffer.from('The quick brown fox jumps over the lazy dog');
  assert.equal(crc32(bytes), 0x414fa339);
  assert.equal(crc32Portable(bytes), 0x414fa339);
  assert.equal(crc32Portable(bytes.subarray(10), crc32Portable(bytes.subarray(0, 10))), 0x414fa339, 'continues from an initial value');
  assert.equal(crc32(bytes.subarray(10), crc32(bytes.subarray(0, 10))), 0x414fa339);
  assert.equal(crc32Portable(new Uint8Array(0)), 0);
});

test("tenants' spans and decisions round-trip with their tenant; the default tenant's records keep the old types", () => {
  const teamA = parseTenantId('team-a');
  const span = makeSpan();
  const spans = [{ ...span, resource: { ...span.resource, tenant: teamA } }];
  const traceId = randomTraceId();
  const decisions = [
    { traceKey: `team-a/${traceId}`, decision: 'errors' },
    { traceKey: traceId, decision: false as const },
  ];
  const bytes = Buffer.concat([
    SEGMENT_MAGIC,
    encodeSpansRecord(5, encodeOtlpProtoTraces(spans), teamA),
    encodeDecisionsRecord(decisions, true),
  ]);
  const { records } = readSegment(bytes, 'seg');
  const [spanRecord, snapshot] = records;
  assert.ok(spanRecord?.type === 'spans');
  assert.equal(spanRecord.tenant, 'team-a');
  assert.deepEqual(decodeOtlpProtoTraces(spanRecord.otlp, spanRecord.tenant), spans);
  assert.deepEqual(snapshot, { type: 'snapshot', entries: decisions });
  assert.equal(encodeSpansRecord(5, encodeOtlpProtoTraces([span]))[8], 1, 'SPANS for the default tenant, as before tenancy');
  assert.equal(encodeDecisionsRecord([{ traceKey: traceId, decision: false }])[8], 2, 'DECISIONS as before');
});
