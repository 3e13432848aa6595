import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, SpanKind as OtelSpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OtlpDecodeError } from '../../src/model/decode-error.js';
import { decodeOtlpProtoTraces } from '../../src/model/otlp-proto-decode.js';
import {
  decodeExportTraceServiceResponse,
  encodeExportTraceServiceResponse,
  encodeOtlpProtoTraces,
} from '../../src/model/otlp-proto-encode.js';
import type { Span } from '../../src/model/span.js';
import { ExportTraceServiceResponse, decodeWithProtobufjs, encodeWithProtobufjs } from './fixtures/protobufjs-otlp.js';
import {
  UNKNOWN_FIELDS,
  concat,
  doubleField,
  fixed32Field,
  insertUnknownFields,
  lenField,
  stringField,
  tag,
  varint,
  varintField,
} from './fixtures/protobuf-wire.js';
import { realisticSpans, richSpans, seededRandom } from './fixtures/sample-spans.js';
import { DEFAULT_TENANT } from '../../src/model/tenant.js';

/** A request holding one span with the given fields (on top of valid IDs). */
function oneSpan(...spanFields: Uint8Array[]): Uint8Array {
  return lenField(1, lenField(2, lenField(2, ...spanFields)));
}

/** Decodes, accepting only success or an OtlpDecodeError that says where. */
function decodeOrError(bytes: Uint8Array): Span[] | OtlpDecodeError {
  try {
    return decodeOtlpProtoTraces(bytes);
  } catch (error) {
    assert.ok(error instanceof OtlpDecodeError, `not an OtlpDecodeError: ${String(error)}`);
    assert.match(error.message, / at byte \d+ in [A-Za-z]/);
    return error;
  }
}

function assertDecodeError(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeOtlpProtoTraces(bytes),
    (error: unknown) => {
      assert.ok(error instanceof OtlpDecodeError, String(error));
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('round trip', () => {
  for (const [name, make] of [
    ['rich', richSpans],
    ['realistic', () => realisticSpans(512)],
  ] as const) {
    test(`${name} spans survive encode → decode`, () => {
      const spans = make();
      assert.deepStrictEqual(decodeOtlpProtoTraces(encodeOtlpProtoTraces(spans)), spans);
    });
  }

  test('spans of one ResourceSpans / ScopeSpans share one Resource / Scope object', () => {
    const decoded = decodeOtlpProtoTraces(encodeOtlpProtoTraces(richSpans()));
    assert.equal(decoded[0]!.resource, decoded[1]!.resource);
    assert.equal(decoded[0]!.scope, decoded[1]!.scope);
    assert.equal(decoded[0]!.resource, decoded[2]!.resource);
    assert.notEqual(decoded[0]!.scope, decoded[2]!.scope);
    assert.notEqual(decoded[0]!.resource, decoded[4]!.resource);
  });

  test('bytes values are copies, not views pinning the request', () => {
    const bytes = encodeOtlpProtoTraces(richSpans());
    const value = decodeOtlpProtoTraces(bytes)[0]!.attributes.find((a) => a.key === 'bytes')!.value;
    assert.ok(value instanceof Uint8Array && !Buffer.isBuffer(value));
    assert.notEqual(value.buffer, bytes.buffer);
    assert.equal(value.buffer.byteLength, value.length);
  });
});

describe('cross-check with protobufjs', () => {
  for (const [name, make] of [
    ['rich', richSpans],
    ['realistic', () => realisticSpans(512)],
  ] as const) {
    test(`${name}: protobufjs encode → our decode`, () => {
      const spans = make();
      assert.deepStrictEqual(decodeOtlpProtoTraces(encodeWithProtobufjs(spans)), spans);
    });
    test(`${name}: our encode → protobufjs decode`, () => {
      const spans = make();
      assert.deepStrictEqual(decodeWithProtobufjs(encodeOtlpProtoTraces(spans)), spans);
    });
  }

  test('ExportTraceServiceResponse both ways', () => {
    const partial = { rejectedSpans: -3n, errorMessage: 'déjà rejected' };
    const ours = encodeExportTraceServiceResponse(partial);
    const theirs = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(ours), { longs: String });
    assert.deepStrictEqual(theirs, { partialSuccess: { rejectedSpans: '-3', errorMessage: 'déjà rejected' } });
    const encoded = ExportTraceServiceResponse.encode({ partialSuccess: { rejectedSpans: 5, errorMessage: '' } }).finish();
    assert.deepStrictEqual(decodeExportTraceServiceResponse(encoded), { rejectedSpans: 5n, errorMessage: '' });
    assert.equal(encodeExportTraceServiceResponse().length, 0);
    assert.equal(decodeExportTraceServiceResponse(new Uint8Array(0)), undefined);
    assert.deepStrictEqual(decodeExportTraceServiceResponse(encodeExportTraceServiceResponse({ rejectedSpans: 0n, errorMessage: '' })), {
      rejectedSpans: 0n,
      errorMessage: '',
    });
    assert.throws(() => decodeExportTraceServiceResponse(Uint8Array.of(0x0a, 0x05)), OtlpDecodeError);
  });
});

describe('cross-check with the OpenTelemetry JS SDK serializer', () => {
  test('ProtobufTraceSerializer output of real ReadableSpans decodes field by field', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'sdk-check', 'service.version': '9.9' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('skein-test-scope', '1.0.0');
    const parent = tracer.startSpan('parent', { kind: OtelSpanKind.SERVER, attributes: { 'http.method': 'GET' } });
    const child = tracer.startSpan(
      'chïld 🧶',
      {
        kind: OtelSpanKind.CLIENT,
        attributes: { str: 'v', int: 42, negative: -7, double: 1.5, bool: true, strings: ['a', 'b'], numbers: [1, 2.5] },
        links: [{ context: parent.spanContext(), attributes: { 'link.attr': 'x' } }],
      },
      trace.setSpan(context.active(), parent),
    );
    child.addEvent('evt', { 'event.attr': 3 });
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
    child.end();
    parent.end();
    await provider.forceFlush();
    const readable = exporter.getFinishedSpans();
    assert.equal(readable.length, 2);

    const bytes = ProtobufTraceSerializer.serializeRequest(readable);
    assert.ok(bytes instanceof Uint8Array);
    const decoded = decodeOtlpProtoTraces(bytes);
    assert.equal(decoded.length, 2);

    for (const original of readable) {
      const span = decoded.find((s) => s.spanId === original.spanContext().spanId)!;
      assert.ok(span, `span ${original.name} missing`);
      assert.equal(span.traceId, original.spanContext().traceId);
      assert.equal(span.name, original.name);
      assert.equal(span.kind, original.kind + 1); // OTel API kinds are OTLP's minus one
      const ns = (t: readonly [number, number]): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
      assert.equal(span.startTimeUnixNano, ns(original.startTime));
      assert.equal(span.endTimeUnixNano, ns(original.endTime));
      assert.equal(span.flags & 0xff, original.spanContext().traceFlags);
      assert.equal(span.scope.name, 'skein-test-scope');
      assert.equal(span.scope.version, '1.0.0');
      assert.deepStrictEqual(
        span.resource.attributes.find((a) => a.key === 'service.name'),
        { key: 'service.name', value: 'sdk-check' },
      );
    }
    const c = decoded.find((s) => s.name === 'chïld 🧶')!;
    const p = decoded.find((s) => s.name === 'parent')!;
    assert.equal(c.parentSpanId, p.spanId);
    assert.equal(p.parentSpanId, '');
    assert.deepStrictEqual(c.attributes, [
      { key: 'str', value: 'v' },
      { key: 'int', value: 42n }, // the SDK sends integral numbers as int_value
      { key: 'negative', value: -7n },
      { key: 'double', value: 1.5 },
      { key: 'bool', value: true },
      { key: 'strings', value: ['a', 'b'] },
      { key: 'numbers', value: [1n, 2.5] },
    ]);
    assert.equal(c.events.length, 1);
    assert.equal(c.events[0]!.name, 'evt');
    assert.deepStrictEqual(c.events[0]!.attributes, [{ key: 'event.attr', value: 3n }]);
    assert.equal(c.links.length, 1);
    assert.equal(c.links[0]!.spanId, p.spanId);
    assert.equal(c.links[0]!.traceId, p.traceId);
    assert.deepStrictEqual(c.links[0]!.attributes, [{ key: 'link.attr', value: 'x' }]);
    assert.deepStrictEqual(c.status, { code: 2, message: 'failed' });
    assert.deepStrictEqual(p.status, { code: 0, message: '' });
    // And our response encoding is what the SDK expects back.
    const response = ProtobufTraceSerializer.deserializeResponse(
      encodeExportTraceServiceResponse({ rejectedSpans: 2n, errorMessage: 'two' }),
    );
    assert.equal(Number(response.partialSuccess?.rejectedSpans), 2);
    assert.equal(response.partialSuccess?.errorMessage, 'two');
    await provider.shutdown();
  });
});

describe('defaults and edge decoding', () => {
  test('an empty span decodes to proto3 defaults', () => {
    const [span] = decodeOtlpProtoTraces(oneSpan());
    assert.deepStrictEqual(span, {
      traceId: '',
      spanId: '',
      parentSpanId: '',
      traceState: '',
      flags: 0,
      name: '',
      kind: 0,
      startTimeUnixNano: 0n,
      endTimeUnixNano: 0n,
      attributes: [],
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0, message: '' },
      resource: { tenant: DEFAULT_TENANT, attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
      scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
    });
    assert.deepStrictEqual(decodeOtlpProtoTraces(new Uint8Array(0)), []);
  });

  test('unknown enum values map to UNSPECIFIED / UNSET; wide varints truncate like uint32', () => {
    for (const kind of [6, 7, 1000, -1]) assert.equal(decodeOtlpProtoTraces(oneSpan(varintField(6, kind)))[0]!.kind, 0);
    assert.equal(decodeOtlpProtoTraces(oneSpan(varintField(6, 5)))[0]!.kind, 5);
    const status = (code: number): number => decodeOtlpProtoTraces(oneSpan(lenField(15, varintField(3, code))))[0]!.status.code;
    assert.deepStrictEqual([status(1), status(2), status(3), status(-2)], [1, 2, 0, 0]);
    assert.equal(decodeOtlpProtoTraces(oneSpan(varintField(10, (1n << 32n) + 7n)))[0]!.droppedAttributesCount, 7);
  });

  test('attribute values: oneof, int64 forms, empty AnyValue, invalid UTF-8', () => {
    const attr = (...anyValue: Uint8Array[]): unknown =>
      decodeOtlpProtoTraces(oneSpan(lenField(9, stringField(1, 'k'), lenField(2, ...anyValue))))[0]!.attributes[0]!.value;
    assert.equal(attr(), null);
    assert.equal(attr(varintField(3, -1n)), -1n);
    assert.equal(attr(varintField(3, 2n ** 63n)), -(2n ** 63n));
    assert.equal(attr(varintField(2, 1n << 40n)), true); // a bool is non-zero in any bit
    assert.equal(attr(stringField(1, 'first'), varintField(3, 5)), 5n); // last member wins
    assert.ok(Object.is(attr(doubleField(4, -0)), -0));
    assert.equal(attr(lenField(1, Uint8Array.of(0x61, 0xff, 0xc3, 0x28, 0x62))), 'a\ufffd\ufffd(b');
    assert.equal(decodeOtlpProtoTraces(oneSpan(lenField(9, stringField(1, 'no value'))))[0]!.attributes[0]!.value, null);
  });

  test('IDs keep whatever length was sent; later fields win; scope after spans is still shared', () => {
    const bytes = lenField(
      1,
      lenField(
        2,
        lenField(2, lenField(1, Uint8Array.of(0xab)), stringField(5, 'a'), stringField(5, 'b')),
        lenField(2),
        stringField(3, 'scope-url'),
        lenField(1, stringField(1, 'late-scope')),
      ),
      stringField(3, 'res-url'),
      lenField(1, lenField(1, stringField(1, 'service.name'), lenField(2, stringField(1, 'svc')))),
    );
    const [a, b] = decodeOtlpProtoTraces(bytes);
    assert.equal(a!.traceId, 'ab');
    assert.equal(a!.name, 'b');
    assert.equal(a!.scope, b!.scope);
    assert.equal(a!.scope.name, 'late-scope');
    assert.equal(a!.scope.schemaUrl, 'scope-url');
    assert.equal(a!.resource.schemaUrl, 'res-url');
    assert.deepStrictEqual(a!.resource.attributes, [{ key: 'service.name', value: 'svc' }]);
  });
});

describe('robustness', () => {
  const valid = encodeOtlpProtoTraces(richSpans());

  test('every truncation gives an OtlpDecodeError or spans', () => {
    let errors = 0;
    for (let length = 0; length < valid.length; length++) {
      if (decodeOrError(valid.subarray(0, length)) instanceof OtlpDecodeError) errors++;
    }
    assert.ok(errors > valid.length * 0.9, `only ${errors} of ${valid.length} truncations rejected`);
  });

  test('random byte flips and random bytes never throw anything else', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 3000; i++) {
      const copy = Uint8Array.from(valid);
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      decodeOrError(copy);
    }
    for (let i = 0; i < 3000; i++) {
      const bytes = new Uint8Array(Math.floor(random() * 300));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
      decodeOrError(bytes);
      decodeOrError(concat(tag(1, 2), varint(bytes.length), bytes)); // as a ResourceSpans
    }
  });

  test('unknown fields of every wire type, in every message, are skipped', () => {
    const spans = richSpans();
    for (const unknown of [...UNKNOWN_FIELDS, concat(...UNKNOWN_FIELDS)]) {
      assert.deepStrictEqual(decodeOtlpProtoTraces(insertUnknownFields(valid, unknown)), spans);
    }
  });

  test('malformed input is rejected with what and where', () => {
    assertDecodeError(oneSpan(tag(5, 2), varint(9999)), /^invalid length 9999 at byte 7 in Span\.name$/);
    assertDecodeError(oneSpan(varintField(5, 1)), /wrong wire type varint for Span\.name \(expected len\) at byte \d+ in Span$/);
    assertDecodeError(oneSpan(fixed32Field(7, 1)), /wrong wire type i32 for Span\.start_time_unix_nano/);
    assertDecodeError(oneSpan(tag(7, 1), Uint8Array.of(1, 2, 3)), /truncated fixed64 at byte \d+ in Span\.start_time_unix_nano/);
    assertDecodeError(oneSpan(tag(6, 0), Uint8Array.of(0x80, 0x80)), /truncated varint at byte \d+ in Span\.kind/);
    assertDecodeError(oneSpan(tag(6, 0), new Uint8Array(11).fill(0x80)), /varint longer than 10 bytes/);
    assertDecodeError(oneSpan(tag(99, 3)), /unsupported wire type 3 \(group\) at byte \d+ in Span \(unknown field 99\)/);
    assertDecodeError(oneSpan(tag(99, 7)), /invalid wire type 7/);
    assertDecodeError(oneSpan(Uint8Array.of(0x02, 0x00)), /invalid field number 0 at byte \d+ in Span$/);
    assertDecodeError(
      Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f),
      /invalid length 4294967295 at byte 1 in ExportTraceServiceRequest\.resource_spans/,
    );
    // A sub-message may not read past its own end into the parent's bytes.
    assertDecodeError(concat(lenField(1, lenField(2, tag(2, 2), varint(5))), Uint8Array.of(1, 2, 3, 4, 5)), /invalid length 5/);
  });

  test('deep nesting is capped, not a stack overflow', () => {
    const nested = (levels: number): Uint8Array => {
      let value: Uint8Array = stringField(1, 'leaf'); // AnyValue content
      for (let i = 0; i < levels; i++) value = lenField(5, lenField(1, value)); // array_value { values: [value] }
      return oneSpan(lenField(9, stringField(1, 'deep'), lenField(2, value)));
    };
    let value: unknown = decodeOtlpProtoTraces(nested(64))[0]!.attributes[0]!.value;
    for (let i = 0; i < 64; i++) value = (value as unknown[])[0];
    assert.equal(value, 'leaf');
    assertDecodeError(nested(65), /nested deeper than 64 levels at byte \d+ in AnyValue/);
    assertDecodeError(nested(10_000), /nested deeper than 64 levels/);
    let kvlists: Uint8Array = stringField(1, 'leaf');
    for (let i = 0; i < 10_000; i++) kvlists = lenField(6, lenField(1, stringField(1, 'k'), lenField(2, kvlists)));
    assertDecodeError(oneSpan(lenField(9, stringField(1, 'deep'), lenField(2, kvlists))), /nested deeper than 64 levels/);
  });
});
