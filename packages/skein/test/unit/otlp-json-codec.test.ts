import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOtlpJsonTraces, encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { OtlpDecodeError } from '../../src/model/decode-error.js';
import { parseJsonPreservingInt64 } from '../../src/model/json-int64.js';
import type { Span } from '../../src/model/span.js';
import { makeResource, makeScope, makeSpan } from '../support/span-factory.js';

function richSpans(): Span[] {
  const resource = makeResource('svc', [{ key: 'k8s.pod.uid', value: new Uint8Array([0, 1, 254, 255]) }]);
  resource.droppedAttributesCount = 3;
  resource.schemaUrl = 'https://opentelemetry.io/schemas/1.26.0';
  const scope = {
    ...makeScope('scope-a'),
    attributes: [{ key: 'scope.attr', value: 1.5 }],
    droppedAttributesCount: 1,
    schemaUrl: 'https://scope.example/schema',
  };
  const otherScope = makeScope('scope-b');
  const base: Partial<Span> = { resource, scope };
  return [
    makeSpan({
      ...base,
      traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
      flags: 0x301,
      kind: 5,
      startTimeUnixNano: 18_446_744_073_709_551_000n,
      endTimeUnixNano: 18_446_744_073_709_551_615n,
      attributes: [
        { key: 'str', value: 'a "quoted" \\ string ☃' },
        { key: 'bool', value: false },
        { key: 'int.max', value: 9_223_372_036_854_775_807n },
        { key: 'int.min', value: -9_223_372_036_854_775_808n },
        { key: 'double', value: 3.141592653589793 },
        { key: 'nan', value: NaN },
        { key: 'inf', value: -Infinity },
        { key: 'negative.zero', value: -0 },
        { key: 'bytes', value: new Uint8Array([1, 2, 3]) },
        { key: 'array', value: ['x', 1n, 2.5, true, null, [new Uint8Array([9])]] },
        { key: 'kvlist', value: { kvlist: [{ key: 'nested', value: { kvlist: [{ key: 'deep', value: 7n }] } }] } },
        { key: 'empty', value: null },
        { key: 'dup', value: 'first' },
        { key: 'dup', value: 'second' },
      ],
      droppedAttributesCount: 4,
      events: [{ timeUnixNano: 18_446_744_073_709_551_001n, name: 'ev', attributes: [{ key: 'e', value: 1n }], droppedAttributesCount: 2 }],
      droppedEventsCount: 5,
      links: [
        {
          traceId: 'f'.repeat(32),
          spanId: 'e'.repeat(16),
          traceState: 'a=b',
          attributes: [{ key: 'l', value: 'v' }],
          droppedAttributesCount: 1,
          flags: 0x101,
        },
      ],
      droppedLinksCount: 6,
      status: { code: 2, message: 'boom' },
    }),
    makeSpan({ ...base, scope: otherScope, parentSpanId: '0123456789abcdef' }),
    makeSpan({ resource: makeResource('other'), status: { code: 1, message: '' } }),
  ];
}

test('OTLP JSON round trip keeps every field and the resource/scope grouping', () => {
  const spans = richSpans();
  const json = encodeOtlpJsonTraces(spans);
  assert.equal(json.resourceSpans.length, 2);
  assert.equal(json.resourceSpans[0]!.scopeSpans.length, 2);
  const decoded = decodeOtlpJsonTraces(JSON.stringify(json));
  assert.deepStrictEqual(decoded, spans);
  // -0 and NaN survive as doubles
  assert.ok(Number.isNaN(decoded[0]!.attributes[5]!.value as number));
  assert.ok(Object.is(decoded[0]!.attributes[7]!.value, -0));
});

test('OTLP JSON decoding follows the spec: ints as strings or numbers, enums by name, snake_case, unknown fields ignored', () => {
  const body = {
    resource_spans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'x' } }], futureField: 1 },
        scope_spans: [
          {
            scope: { name: 's' },
            spans: [
              {
                trace_id: '5B8EFFF798038103D269B633813FC60C',
                span_id: 'EEE19B7EC3C1B174',
                name: 'n',
                kind: 'SPAN_KIND_CLIENT',
                start_time_unix_nano: 1544712660000000000,
                endTimeUnixNano: '1544712661000000000',
                attributes: [
                  { key: 'i', value: { intValue: 42 } },
                  { key: 'd', value: { doubleValue: 'Infinity' } },
                ],
                status: { code: 'STATUS_CODE_ERROR' },
                somethingNew: { nested: true },
              },
            ],
          },
        ],
      },
    ],
  };
  const [span] = decodeOtlpJsonTraces(JSON.stringify(body));
  assert.equal(span!.traceId, '5b8efff798038103d269b633813fc60c');
  assert.equal(span!.kind, 3);
  assert.equal(span!.startTimeUnixNano, 1544712660000000000n, 'a bare 19-digit number keeps every digit');
  assert.equal(span!.endTimeUnixNano, 1544712661000000000n);
  assert.deepEqual(span!.attributes, [
    { key: 'i', value: 42n },
    { key: 'd', value: Infinity },
  ]);
  assert.equal(span!.status.code, 2);
});

test('OTLP JSON structural errors name the path', () => {
  const cases: Array<[unknown, RegExp]> = [
    [[], /must be a JSON object/],
    [{ resourceSpans: {} }, /resourceSpans: expected an array/],
    [
      { resourceSpans: [{ scopeSpans: [{ spans: [{ startTimeUnixNano: 'soon' }] }] }] },
      /spans\[0\]\.startTimeUnixNano: expected a 64-bit integer/,
    ],
    [
      { resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: [{ key: 'a', value: { intValue: '1.5' } }] }] }] }] },
      /attributes\[0\]\.value\.intValue/,
    ],
    [{ resourceSpans: [{ scopeSpans: [{ spans: [{ kind: 'SIDEWAYS' }] }] }] }, /kind: expected an enum/],
    [
      { resourceSpans: [{ scopeSpans: [{ spans: [{ droppedEventsCount: -1 }] }] }] },
      /droppedEventsCount: expected an unsigned 32-bit integer/,
    ],
  ];
  for (const [body, message] of cases) {
    assert.throws(
      () => decodeOtlpJsonTraces(JSON.stringify(body)),
      (error: unknown) => error instanceof OtlpDecodeError && message.test(error.message),
    );
  }
  assert.throws(() => decodeOtlpJsonTraces('{'), OtlpDecodeError);
});

test('deeply nested values are refused, not a stack overflow', () => {
  let value = '{"stringValue":"x"}';
  for (let i = 0; i < 5000; i++) value = `{"arrayValue":{"values":[${value}]}}`;
  const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":${value}}]}]}]}]}`;
  assert.throws(() => decodeOtlpJsonTraces(body), /nested deeper than 64/);
});

test('long bare integers keep their digits, strings and floats are untouched', () => {
  const parsed = parseJsonPreservingInt64(
    '{"a":12345678901234567890,"b":"12345678901234567890","c":1.2345678901234567e5,"d":[-9223372036854775808],"e":"x\\"1234567890123456789"}',
  ) as Record<string, unknown>;
  assert.equal(parsed['a'], '12345678901234567890');
  assert.equal(parsed['b'], '12345678901234567890');
  assert.equal(parsed['c'], 123456.78901234567);
  assert.deepEqual(parsed['d'], ['-9223372036854775808']);
  assert.equal(parsed['e'], 'x"1234567890123456789');
});
