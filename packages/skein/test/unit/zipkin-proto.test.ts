/** The hand-written zipkin.proto3 `ListOfSpans` decoder against protobufjs's encoder. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { OtlpDecodeError } from '../../src/model/decode-error.js';
import { decodeZipkinProto } from '../../src/model/zipkin-proto.js';

// zipkin-api's zipkin.proto3, trimmed of comments.
const ZIPKIN_PROTO = `
syntax = "proto3";
package zipkin.proto3;
message Span {
  bytes trace_id = 1; bytes parent_id = 2; bytes id = 3;
  enum Kind { SPAN_KIND_UNSPECIFIED = 0; CLIENT = 1; SERVER = 2; PRODUCER = 3; CONSUMER = 4; }
  Kind kind = 4; string name = 5; fixed64 timestamp = 6; uint64 duration = 7;
  Endpoint local_endpoint = 8; Endpoint remote_endpoint = 9;
  repeated Annotation annotations = 10; map<string, string> tags = 11; bool debug = 12; bool shared = 13;
}
message Endpoint { string service_name = 1; bytes ipv4 = 2; bytes ipv6 = 3; int32 port = 4; }
message Annotation { fixed64 timestamp = 1; string value = 2; }
message ListOfSpans { repeated Span spans = 1; }
`;
const ListOfSpans = protobuf.parse(ZIPKIN_PROTO, { keepCase: true }).root.lookupType('zipkin.proto3.ListOfSpans');

function encode(spans: object[]): Uint8Array {
  return ListOfSpans.encode(ListOfSpans.fromObject({ spans })).finish();
}

test('every ListOfSpans field is decoded; 64-bit trace IDs kept as sent for the converter to pad', () => {
  const bytes = encode([
    {
      trace_id: Buffer.from('463ac35c9f6413ad', 'hex'),
      parent_id: Buffer.from('00000000000000aa', 'hex'),
      id: Buffer.from('00000000000000bb', 'hex'),
      kind: 'PRODUCER',
      name: 'send',
      timestamp: '1795428000123456',
      duration: 1500,
      local_endpoint: { service_name: 'front', ipv4: Buffer.from([10, 0, 0, 1]), port: 8080 },
      remote_endpoint: { service_name: 'kafka', ipv6: Buffer.from('20010db8000000000000000000000001', 'hex') },
      annotations: [{ timestamp: '1795428000123460', value: 'sent' }],
      tags: { topic: 'orders' },
      debug: true,
      shared: true,
    },
    { trace_id: Buffer.from('01', 'hex'), id: Buffer.from('02', 'hex'), name: 'minimal' },
  ]);
  const { spans, rejected } = decodeZipkinProto(bytes);
  assert.deepEqual(rejected, []);
  assert.deepEqual(spans[0], {
    traceId: '463ac35c9f6413ad',
    parentId: '00000000000000aa',
    id: '00000000000000bb',
    kind: 'PRODUCER',
    name: 'send',
    timestamp: 1_795_428_000_123_456n,
    duration: 1500n,
    localEndpoint: { serviceName: 'front', ipv4: '10.0.0.1', port: 8080 },
    remoteEndpoint: { serviceName: 'kafka', ipv6: '2001:db8::1' },
    annotations: [{ timestamp: 1_795_428_000_123_460n, value: 'sent' }],
    tags: [['topic', 'orders']],
    debug: true,
    shared: true,
  });
  assert.deepEqual(spans[1], {
    traceId: '01',
    id: '02',
    parentId: '',
    name: 'minimal',
    annotations: [],
    tags: [],
    debug: false,
    shared: false,
  });
});

test('a broken body is a decode error naming the byte offset', () => {
  const good = encode([{ trace_id: Buffer.from('01', 'hex'), id: Buffer.from('02', 'hex'), name: 'x' }]);
  assert.throws(
    () => decodeZipkinProto(good.subarray(0, good.length - 1)),
    (error: unknown) => {
      assert.ok(error instanceof OtlpDecodeError);
      assert.match(error.message, /at byte \d+/);
      return true;
    },
  );
  // Field 1 of ListOfSpans sent as a varint: a different schema, refused rather than misread.
  assert.throws(() => decodeZipkinProto(Uint8Array.from([0x08, 0x01])), /wrong wire type varint for ListOfSpans\.spans/);
  // An unknown Span.kind.
  assert.throws(() => decodeZipkinProto(Uint8Array.from([0x0a, 0x02, 0x20, 0x09])), /unknown Span\.kind 9/);
  assert.deepEqual(decodeZipkinProto(new Uint8Array(0)), { spans: [], rejected: [] });
});
