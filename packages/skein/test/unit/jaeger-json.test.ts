/** model/jaeger-json.ts: spans → Jaeger's UI JSON, a pure transform, against a fixture (fixtures/jaeger-json-trace.json). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jaegerTraceId, stringifyJaegerJson, toJaegerTrace } from '../../src/model/jaeger-json.js';
import type { Resource, Span } from '../../src/model/span.js';
import { DEFAULT_TENANT } from '../../src/model/tenant.js';
import { makeResource, makeScope, makeSpan } from '../support/span-factory.js';

const TRACE = '00000000000000004bf92f3577b34da6';
const T0 = 1_768_471_200_123_456_789n;

function spans(): Span[] {
  const api = makeResource('api', [{ key: 'host.name', value: 'h1' }]);
  // A second resource object with the same content: it shares the process.
  const apiAgain: Resource = { ...api, attributes: [...api.attributes] };
  const bare: Resource = { tenant: DEFAULT_TENANT, attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
  const noName: Resource = { tenant: DEFAULT_TENANT, attributes: [{ key: 'zone', value: 'eu' }], droppedAttributesCount: 0, schemaUrl: '' };
  return [
    makeSpan({
      traceId: TRACE,
      spanId: 'a000000000000001',
      name: 'root',
      kind: 2,
      flags: 1,
      startTimeUnixNano: T0,
      endTimeUnixNano: T0 + 1_999n,
      resource: api,
      scope: makeScope('lib'),
      attributes: [
        { key: 'zz', value: 9_007_199_254_740_993n },
        { key: 'list', value: [1n, 'x', true, 2.5, null] },
        { key: 'map', value: { kvlist: [{ key: 'k', value: new Uint8Array([255]) }] } },
        { key: 'aa', value: null },
      ],
      status: { code: 1, message: '' },
      events: [
        {
          timeUnixNano: T0 + 5_000n,
          name: 'boom',
          attributes: [
            { key: 'b', value: 1 },
            { key: 'a', value: 'x' },
          ],
          droppedAttributesCount: 0,
        },
      ],
    }),
    makeSpan({
      traceId: TRACE,
      spanId: 'a000000000000002',
      parentSpanId: 'a000000000000001',
      name: 'child',
      kind: 0,
      startTimeUnixNano: T0 + 10_000n,
      endTimeUnixNano: T0 + 20_000n,
      resource: apiAgain,
      scope: { ...makeScope(''), version: '' },
      attributes: [],
      status: { code: 0, message: 'unset but described' },
      links: [
        // A link to the parent retypes the parent's reference; an event attribute "event" hides the name.
        {
          traceId: TRACE,
          spanId: 'a000000000000001',
          traceState: '',
          attributes: [{ key: 'opentracing.ref_type', value: 'follows_from' }],
          droppedAttributesCount: 0,
          flags: 0,
        },
        {
          traceId: 'ffffffffffffffffffffffffffffffff',
          spanId: 'b000000000000001',
          traceState: '',
          attributes: [{ key: 'opentracing.ref_type', value: 'child_of' }],
          droppedAttributesCount: 0,
          flags: 0,
        },
      ],
      events: [{ timeUnixNano: T0 + 15_000n, name: 'ignored', attributes: [{ key: 'event', value: 'named' }], droppedAttributesCount: 0 }],
    }),
    makeSpan({
      traceId: TRACE,
      spanId: 'a000000000000003',
      parentSpanId: 'a000000000000001',
      name: 'bare',
      kind: 4,
      startTimeUnixNano: T0,
      endTimeUnixNano: T0,
      resource: bare,
      scope: { ...makeScope(''), version: '' },
      attributes: [],
      status: { code: 2, message: '' },
    }),
    makeSpan({
      traceId: TRACE,
      spanId: 'a000000000000004',
      parentSpanId: 'a000000000000001',
      name: 'nameless',
      kind: 5,
      startTimeUnixNano: T0,
      endTimeUnixNano: T0 + 1000n,
      resource: noName,
      scope: { ...makeScope(''), version: '' },
      attributes: [],
      traceState: 'a=b',
    }),
  ];
}

test('spans become Jaeger JSON exactly as the fixture holds it (int64 beyond 2^53 kept)', () => {
  const text = stringifyJaegerJson(toJaegerTrace(TRACE, spans()));
  // The fixture is indented for review; compared as compact text, its one int64 beyond 2^53 as written.
  const fixture = readFileSync(join(import.meta.dirname, 'fixtures/jaeger-json-trace.json'), 'utf8');
  const compact = JSON.stringify(JSON.parse(fixture.replace('9007199254740993', '"INT64"'))).replace('"INT64"', '9007199254740993');
  assert.equal(text, compact);
  assert.ok(text.includes('"value":9007199254740993'));
});

test("trace IDs print as Jaeger's TraceID.String does", () => {
  assert.equal(jaegerTraceId('00000000000000004bf92f3577b34da6'), '4bf92f3577b34da6');
  assert.equal(jaegerTraceId('00000000000000010000000000000001'), '00000000000000010000000000000001');
});

test('stringifyJaegerJson: bigints bare, undefined fields left out, like JSON.stringify otherwise', () => {
  assert.equal(
    stringifyJaegerJson({ a: 1n, b: undefined, c: [undefined, 'x"'], d: null, e: -0.5 }),
    '{"a":1,"c":[null,"x\\""],"d":null,"e":-0.5}',
  );
});
