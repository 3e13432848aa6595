/** Zipkin v2 JSON / v1 JSON / v2 protobuf → Skein model: every mapping rule (issue 4, item 5). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpDecodeError } from '../../src/model/decode-error.js';
import { SpanKind, StatusCode, serviceNameOf, type Span } from '../../src/model/span.js';
import { decodeZipkinV2Json } from '../../src/model/zipkin-json.js';
import { sharedSpanId, zipkinToModel } from '../../src/model/zipkin-to-model.js';
import { decodeZipkinV1Json } from '../../src/model/zipkin-v1-json.js';
import { ipv6ToText } from '../../src/model/zipkin-span.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const T0 = 1_795_428_000_123_456; // µs

function convert(spans: unknown[]): { spans: Span[]; rejected: string[] } {
  const decoded = decodeZipkinV2Json(JSON.stringify(spans));
  const converted = zipkinToModel(decoded.spans);
  return { spans: converted.spans, rejected: [...decoded.rejected, ...converted.rejected] };
}

function attrs(span: Span): Record<string, unknown> {
  return Object.fromEntries(span.attributes.map((a) => [a.key, a.value]));
}

test('a v2 client span maps every field per the OpenTelemetry Zipkin rules', () => {
  const { spans, rejected } = convert([
    {
      traceId: TRACE,
      parentId: '00000000000000aa',
      id: '00000000000000bb',
      kind: 'CLIENT',
      name: 'get /api',
      timestamp: T0,
      duration: 1500,
      localEndpoint: { serviceName: 'frontend', ipv4: '10.0.0.1', port: 8080 },
      remoteEndpoint: { serviceName: 'backend', ipv4: '10.0.0.2', port: 9000 },
      annotations: [{ timestamp: T0 + 10, value: 'retrying' }],
      tags: { 'http.method': 'GET', 'http.status_code': '200' },
      debug: true,
    },
  ]);
  assert.deepEqual(rejected, []);
  const [span] = spans;
  assert.ok(span);
  assert.equal(span.traceId, TRACE);
  assert.equal(span.spanId, '00000000000000bb');
  assert.equal(span.parentSpanId, '00000000000000aa');
  assert.equal(span.name, 'get /api');
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.equal(span.startTimeUnixNano, 1_795_428_000_123_456_000n);
  assert.equal(span.endTimeUnixNano, 1_795_428_000_124_956_000n);
  assert.equal(serviceNameOf(span.resource), 'frontend');
  assert.deepEqual(span.events, [
    { timeUnixNano: 1_795_428_000_123_466_000n, name: 'retrying', attributes: [], droppedAttributesCount: 0 },
  ]);
  assert.deepEqual(attrs(span), {
    'http.method': 'GET',
    'http.status_code': '200',
    'net.host.ip': '10.0.0.1',
    'net.host.port': 8080n,
    'peer.service': 'backend',
    'net.peer.name': 'backend',
    'server.address': 'backend',
    'net.peer.ip': '10.0.0.2',
    'net.peer.port': 9000n,
    'zipkin.debug': true,
  });
  assert.deepEqual(span.status, { code: StatusCode.UNSET, message: '' });
});

test('kinds: CLIENT/SERVER/PRODUCER/CONSUMER, absent → INTERNAL; unknown kind drops the span', () => {
  const base = { traceId: TRACE, name: 'x', timestamp: T0 };
  const { spans, rejected } = convert([
    { ...base, id: '1', kind: 'SERVER' },
    { ...base, id: '2', kind: 'PRODUCER' },
    { ...base, id: '3', kind: 'CONSUMER' },
    { ...base, id: '4' },
    { ...base, id: '5', kind: 'SIDEWAYS' },
  ]);
  assert.deepEqual(
    spans.map((s) => s.kind),
    [SpanKind.SERVER, SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.INTERNAL],
  );
  assert.equal(rejected.length, 1);
  assert.match(rejected[0]!, /spans\[4\]\.kind: expected one of CLIENT, SERVER, PRODUCER, CONSUMER, got "SIDEWAYS"/);
});

test('64-bit and short IDs are left-padded, upper case accepted; SERVER has no server.address', () => {
  const { spans } = convert([
    {
      traceId: '463AC35C9F6413AD',
      id: 'A',
      parentId: '0000000000000000',
      kind: 'SERVER',
      name: 'x',
      timestamp: T0,
      remoteEndpoint: { serviceName: 'caller', ipv6: '2001:db8::1' },
    },
  ]);
  assert.equal(spans[0]!.traceId, '0000000000000000463ac35c9f6413ad');
  assert.equal(spans[0]!.spanId, '000000000000000a');
  assert.equal(spans[0]!.parentSpanId, '');
  assert.deepEqual(attrs(spans[0]!), { 'peer.service': 'caller', 'net.peer.name': 'caller', 'net.peer.ip': '2001:db8::1' });
});

test('bad IDs drop only their span, with a reason naming it', () => {
  const base = { name: 'op', timestamp: T0 };
  const { spans, rejected } = convert([
    { ...base, traceId: 'xyz', id: '1' },
    { ...base, traceId: '0'.repeat(32), id: '1' },
    { ...base, traceId: 'a'.repeat(33), id: '1' },
    { ...base, traceId: TRACE, id: '0' },
    { ...base, traceId: TRACE, id: 'a'.repeat(17) },
    { ...base, traceId: TRACE, id: '1', parentId: 'nothex' },
    { ...base, traceId: TRACE, id: 7 },
    { ...base, traceId: TRACE, id: '2' },
  ]);
  assert.deepEqual(
    spans.map((s) => s.spanId),
    ['0000000000000002'],
  );
  assert.equal(rejected.length, 7);
  // Shape errors are found while decoding, before the ID checks of the conversion.
  assert.match(rejected[0]!, /spans\[6\]\.id: expected a string, got number 7/);
  assert.match(rejected[1]!, /span "op" \(id "1"\): invalid traceId "xyz"/);
  assert.match(rejected[2]!, /invalid traceId "0{32}"/);
  assert.match(rejected[3]!, /invalid traceId/);
  assert.match(rejected[4]!, /invalid id/);
  assert.match(rejected[5]!, /invalid id/);
  assert.match(rejected[6]!, /invalid parentId "nothex"/);
});

test('missing timestamp: the earliest annotation stands in, else the span is dropped; missing duration → end = start', () => {
  const { spans, rejected } = convert([
    {
      traceId: TRACE,
      id: '1',
      name: 'late',
      annotations: [
        { timestamp: T0 + 5, value: 'b' },
        { timestamp: T0, value: 'a' },
      ],
    },
    { traceId: TRACE, id: '2', name: 'nothing' },
    { traceId: TRACE, id: '3', name: 'open', timestamp: T0 },
  ]);
  assert.equal(spans.length, 2);
  assert.equal(spans[0]!.startTimeUnixNano, BigInt(T0) * 1000n);
  assert.equal(spans[1]!.endTimeUnixNano, spans[1]!.startTimeUnixNano);
  assert.deepEqual(rejected, ['span "nothing" (id "2"): timestamp is missing (and no annotation to take it from)']);
});

test('shape errors drop one span; a body that is not an array is a decode error', () => {
  const { spans, rejected } = convert([
    { traceId: TRACE, id: '1', name: 'a', timestamp: 'soon' },
    { traceId: TRACE, id: '2', name: 'b', timestamp: T0, tags: { nested: { no: 1 } } },
    { traceId: TRACE, id: '3', name: 'c', timestamp: T0, tags: { retries: 3, cached: false } },
    'not a span',
  ]);
  assert.equal(spans.length, 1);
  assert.deepEqual(attrs(spans[0]!), { retries: '3', cached: 'false' });
  assert.match(rejected[0]!, /spans\[0\]\.timestamp: expected a non-negative integer of microseconds, got "soon"/);
  assert.match(rejected[1]!, /spans\[1\]\.tags\.nested: expected a string, got an object/);
  assert.match(rejected[2]!, /spans\[3\]: expected an object/);
  assert.throws(() => decodeZipkinV2Json('{"traceId":"1"}'), OtlpDecodeError);
  assert.throws(() => decodeZipkinV2Json('[{'), /invalid Zipkin v2 JSON body/);
});

test('status: error tag → ERROR with its value; otel.status_code/description honoured and removed', () => {
  const base = { traceId: TRACE, name: 'x', timestamp: T0 };
  const { spans } = convert([
    { ...base, id: '1', tags: { error: 'card declined', 'http.status_code': '402' } },
    { ...base, id: '2', tags: { 'otel.status_code': 'ERROR', 'otel.status_description': 'boom', error: 'boom' } },
    { ...base, id: '3', tags: { 'otel.status_code': 'OK' } },
    { ...base, id: '4', tags: { error: '' } },
    { ...base, id: '5', tags: { 'otel.status_code': 'OK', error: 'weird' } },
    { ...base, id: '6', tags: { 'otel.scope.name': 'io.lib', 'otel.scope.version': '1.2' } },
  ]);
  assert.deepEqual(spans[0]!.status, { code: StatusCode.ERROR, message: 'card declined' });
  assert.deepEqual(attrs(spans[0]!), { 'http.status_code': '402' });
  assert.deepEqual(spans[1]!.status, { code: StatusCode.ERROR, message: 'boom' });
  assert.deepEqual(attrs(spans[1]!), {});
  assert.deepEqual(spans[2]!.status, { code: StatusCode.OK, message: '' });
  assert.deepEqual(attrs(spans[2]!), {});
  assert.deepEqual(spans[3]!.status, { code: StatusCode.ERROR, message: '' });
  assert.deepEqual(spans[4]!.status, { code: StatusCode.OK, message: '' });
  assert.deepEqual(attrs(spans[4]!), { error: 'weird' });
  assert.equal(spans[5]!.scope.name, 'io.lib');
  assert.equal(spans[5]!.scope.version, '1.2');
  assert.deepEqual(attrs(spans[5]!), {});
});

test('one shared Resource per service; no local endpoint → unknown_service', () => {
  const base = { traceId: TRACE, name: 'x', timestamp: T0 };
  const { spans } = convert([
    { ...base, id: '1', localEndpoint: { serviceName: 'a' } },
    { ...base, id: '2', localEndpoint: { serviceName: 'b' } },
    { ...base, id: '3', localEndpoint: { serviceName: 'a' } },
    { ...base, id: '4' },
  ]);
  assert.equal(spans[0]!.resource, spans[2]!.resource);
  assert.notEqual(spans[0]!.resource, spans[1]!.resource);
  assert.deepEqual(
    spans.map((s) => serviceNameOf(s.resource)),
    ['a', 'b', 'a', 'unknown_service'],
  );
});

test('shared server span gets a derived ID under the client span; its local children follow it', () => {
  const base = { traceId: TRACE, timestamp: T0, duration: 10 };
  const { spans } = convert([
    { ...base, id: 'c1', parentId: 'a0', kind: 'CLIENT', name: 'call', localEndpoint: { serviceName: 'front' } },
    { ...base, id: 'c1', parentId: 'a0', kind: 'SERVER', name: 'handle', shared: true, localEndpoint: { serviceName: 'back' } },
    { ...base, id: 'd1', parentId: 'c1', name: 'db query', localEndpoint: { serviceName: 'back' } },
    { ...base, id: 'e1', parentId: 'c1', name: 'client-side work', localEndpoint: { serviceName: 'front' } },
  ]);
  const derived = sharedSpanId(TRACE, '00000000000000c1');
  assert.match(derived, /^[0-9a-f]{16}$/);
  assert.equal(spans[0]!.spanId, '00000000000000c1');
  assert.equal(spans[1]!.spanId, derived);
  assert.equal(spans[1]!.parentSpanId, '00000000000000c1');
  assert.equal(attrs(spans[1]!)['zipkin.shared'], true);
  assert.equal(spans[2]!.parentSpanId, derived);
  assert.equal(spans[3]!.parentSpanId, '00000000000000c1');
  // Deterministic: a retried request stores the same IDs.
  assert.equal(convert([{ ...base, id: 'c1', kind: 'SERVER', name: 'h', shared: true }]).spans[0]!.spanId, derived);
});

test('v1 JSON: core annotations give kind, times and endpoints; binary annotations give tags and remote endpoints', () => {
  const front = { serviceName: 'front', ipv4: '10.0.0.1', port: 80 };
  const back = { serviceName: 'back', ipv4: '10.0.0.2' };
  const decoded = decodeZipkinV1Json(
    JSON.stringify([
      {
        traceIdHigh: '5b8efff798038103',
        traceId: 'd269b633813fc60c',
        id: '00000000000000c1',
        parentId: '00000000000000a0',
        name: 'get',
        timestamp: T0,
        duration: 100,
        debug: true,
        annotations: [
          { timestamp: T0, value: 'cs', endpoint: front },
          { timestamp: T0 + 10, value: 'sr', endpoint: back },
          { timestamp: T0 + 50, value: 'cache miss', endpoint: back },
          { timestamp: T0 + 90, value: 'ss', endpoint: back },
          { timestamp: T0 + 100, value: 'cr', endpoint: front },
        ],
        binaryAnnotations: [
          { key: 'http.path', value: '/api', endpoint: front },
          { key: 'db.rows', value: 3, type: 'I32', endpoint: back },
          { key: 'sa', value: true, endpoint: { serviceName: 'back', port: 9000 } },
          { key: 'ca', value: true, endpoint: { serviceName: 'front', ipv4: '10.0.0.1' } },
        ],
      },
      {
        traceId: 'd269b633813fc60c',
        id: '00000000000000d1',
        name: 'local',
        timestamp: T0,
        binaryAnnotations: [{ key: 'lc', value: 'cron', endpoint: back }],
      },
      { traceId: 'd269b633813fc60c', name: 'no id' },
    ]),
  );
  assert.deepEqual(decoded.rejected, ['spans[2].id: is missing']);
  const [client, server, local] = decoded.spans;
  assert.ok(client && server && local);
  assert.deepEqual(
    { kind: client.kind, ts: client.timestamp, d: client.duration, svc: client.localEndpoint?.serviceName, shared: client.shared },
    { kind: 'CLIENT', ts: BigInt(T0), d: 100n, svc: 'front', shared: false },
  );
  assert.equal(client.traceId, TRACE);
  assert.deepEqual(client.tags, [['http.path', '/api']]);
  assert.deepEqual(client.remoteEndpoint, { serviceName: 'back', port: 9000 });
  assert.equal(client.debug, true);
  assert.deepEqual(
    { kind: server.kind, ts: server.timestamp, d: server.duration, svc: server.localEndpoint?.serviceName, shared: server.shared },
    { kind: 'SERVER', ts: BigInt(T0 + 10), d: 80n, svc: 'back', shared: true },
  );
  assert.deepEqual(server.tags, [['db.rows', '3']]);
  assert.deepEqual(server.annotations, [{ timestamp: BigInt(T0 + 50), value: 'cache miss' }]);
  assert.deepEqual(server.remoteEndpoint, { serviceName: 'front', ipv4: '10.0.0.1' });
  assert.equal(local.kind, undefined);
  assert.equal(local.localEndpoint?.serviceName, 'back');
  assert.deepEqual(local.tags, [['lc', 'cron']]);

  const model = zipkinToModel(decoded.spans);
  assert.equal(model.spans[1]!.parentSpanId, '00000000000000c1');
  assert.equal(model.spans[1]!.kind, SpanKind.SERVER);
  assert.equal(model.spans[2]!.kind, SpanKind.INTERNAL);
});

test('ipv6 text compresses the longest zero run', () => {
  const bytes = new Uint8Array(16);
  bytes[0] = 0x20;
  bytes[1] = 0x01;
  bytes[2] = 0x0d;
  bytes[3] = 0xb8;
  bytes[15] = 1;
  assert.equal(ipv6ToText(bytes), '2001:db8::1');
  assert.equal(ipv6ToText(new Uint8Array(16)), '::');
});
