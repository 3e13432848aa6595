import type { AnyValue, InstrumentationScope, KeyValue, Resource, Span } from '../../src/model/span.js';
import { DEFAULT_TENANT, type TenantId } from '../../src/model/tenant.js';

/** Test data for the storage contract: hostile strings, rich spans, a small searchable world. */

export const HOSTILE_STRINGS: readonly string[] = [
  "it's",
  "back\\slash \\\\ and \\' and \\n literally",
  "'; DROP TABLE spans; --",
  "') OR 1=1 --",
  'line1\nline2\r\n\ttabbed',
  'nul\u0000byte and \u0001\u001f\u007f controls',
  'unicode ☃ 日本語 🎉 e\u0301',
  '{param:String} and {x:UInt64}',
  '"double" `back` $1 %s ? :name',
  '',
  'x'.repeat(5000),
];

/** 1.7e18 ns: beyond 2^53, as real timestamps are. */
export const T0 = 1_700_000_000_000_000_000n;
export const SECOND = 1_000_000_000n;
export const MS = 1_000_000n;

export function traceId(n: number): string {
  return n.toString(16).padStart(32, '0');
}

export function spanId(n: number): string {
  return n.toString(16).padStart(16, '0');
}

export function resourceOf(service: string, extra: KeyValue[] = [], tenant: TenantId = DEFAULT_TENANT): Resource {
  return { tenant, attributes: [{ key: 'service.name', value: service }, ...extra], droppedAttributesCount: 0, schemaUrl: '' };
}

export const plainScope: InstrumentationScope = { name: 'test', version: '1', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };

export interface SpanSpec {
  trace: number;
  span: number;
  parent?: number;
  resource: Resource;
  name: string;
  kind?: 0 | 1 | 2 | 3 | 4 | 5;
  start: bigint;
  duration: bigint;
  error?: boolean;
  attributes?: KeyValue[];
}

export function makeSpan(s: SpanSpec): Span {
  return {
    traceId: traceId(s.trace),
    spanId: spanId(s.span),
    parentSpanId: s.parent === undefined ? '' : spanId(s.parent),
    traceState: '',
    flags: 1,
    name: s.name,
    kind: s.kind ?? 1,
    startTimeUnixNano: s.start,
    endTimeUnixNano: s.start + s.duration,
    attributes: s.attributes ?? [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: s.error === true ? 2 : 0, message: s.error === true ? 'boom' : '' },
    resource: s.resource,
    scope: plainScope,
  };
}

const everyValue: KeyValue[] = [
  { key: 'str', value: 'plain' },
  { key: 'empty', value: '' },
  { key: 'bool.true', value: true },
  { key: 'bool.false', value: false },
  { key: 'int.max', value: 9223372036854775807n },
  { key: 'int.min', value: -9223372036854775808n },
  { key: 'int.beyond.2^53', value: 9007199254740993n },
  { key: 'int.negative', value: -42n },
  { key: 'int.zero', value: 0n },
  { key: 'double', value: 3.25 },
  { key: 'double.negative', value: -1e-300 },
  { key: 'double.tiny', value: 5e-324 },
  { key: 'double.huge', value: 1.7976931348623157e308 },
  { key: 'double.nan', value: NaN },
  { key: 'double.inf', value: Infinity },
  { key: 'double.-inf', value: -Infinity },
  { key: 'double.negative-zero', value: -0 },
  { key: 'bytes', value: new Uint8Array([0, 1, 127, 128, 255]) },
  { key: 'bytes.empty', value: new Uint8Array([]) },
  { key: 'array', value: ['a', 1n, 2.5, true, null, new Uint8Array([9]), ['nested', { kvlist: [] }]] as AnyValue[] },
  { key: 'array.empty', value: [] },
  {
    key: 'kvlist',
    value: {
      kvlist: [
        { key: 'inner', value: { kvlist: [{ key: 'deep', value: -7n }] } },
        { key: 'n', value: null },
      ],
    },
  },
  { key: 'null', value: null },
  ...HOSTILE_STRINGS.map((s, i) => ({ key: `hostile.${i}.${s.slice(0, 40)}`, value: s })),
];

/** A span using every field and every attribute value type the model has. */
export function richSpan(trace: number): Span {
  const resource: Resource = {
    tenant: DEFAULT_TENANT,
    attributes: [{ key: 'service.name', value: 'rich-service' }, { key: 'host.name', value: "h'ost\n1" }, ...everyValue.slice(0, 8)],
    droppedAttributesCount: 3,
    schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
  };
  const scope: InstrumentationScope = {
    name: 'io.opentelemetry.contrib',
    version: '1.2.3',
    attributes: [{ key: 'scope.attr', value: 17n }],
    droppedAttributesCount: 1,
    schemaUrl: 'https://example.com/scope-schema',
  };
  return {
    traceId: traceId(trace),
    spanId: spanId(0xabcdef),
    parentSpanId: spanId(0x123456),
    traceState: 'vendor1=opaque,vendor2=x:y',
    flags: 0x301,
    name: "GET /users/{id} 'quoted'\n",
    kind: 3,
    startTimeUnixNano: T0 + 123_456_789n,
    endTimeUnixNano: T0 + 9_876_543_210n,
    attributes: everyValue,
    droppedAttributesCount: 5,
    events: [
      {
        timeUnixNano: T0 + 200_000_001n,
        name: 'exception',
        attributes: [{ key: 'exception.message', value: "it's \\ broken\n" }],
        droppedAttributesCount: 2,
      },
      { timeUnixNano: T0 + 300_000_000n, name: '', attributes: [], droppedAttributesCount: 0 },
    ],
    droppedEventsCount: 7,
    links: [
      {
        traceId: traceId(0xfeed),
        spanId: spanId(0xbeef),
        traceState: 'k=v',
        attributes: [{ key: 'link.kind', value: 'follows' }],
        droppedAttributesCount: 4,
        flags: 0x101,
      },
    ],
    droppedLinksCount: 9,
    status: { code: 2, message: "failed: '; DROP TABLE spans; --" },
    resource,
    scope,
  };
}

/**
 * The search world, inside the window [T0, T0 + 1h] except trace 4.
 * 1: frontend GET / (root, 100 ms) → backend query (50 ms, ERROR), backend cache (5 ms)
 * 2: frontend GET /checkout (root, 2 s) → payments charge (1.5 s)
 * 3: only backend orphan (parent not stored)
 * 4: frontend GET /late, two hours later (outside the window)
 * 5, 6: batch jobs starting at the same nanosecond; 6 has a batch → batch child
 */
export const W_START = T0;
export const W_END = T0 + 3600n * SECOND;

export function searchWorld(): Span[] {
  const frontend = resourceOf('frontend', [{ key: 'deployment.environment', value: 'staging' }]);
  const backend = resourceOf('backend', [{ key: 'deployment.environment', value: 'prod' }]);
  const payments = resourceOf('payments');
  const batch = resourceOf('batch');
  return [
    makeSpan({
      trace: 1,
      span: 11,
      resource: frontend,
      name: 'GET /',
      kind: 2,
      start: T0 + 10n * SECOND,
      duration: 100n * MS,
      attributes: [
        { key: 'http.method', value: 'GET' },
        { key: 'http.status_code', value: 200n },
      ],
    }),
    makeSpan({
      trace: 1,
      span: 12,
      parent: 11,
      resource: backend,
      name: 'query',
      kind: 3,
      start: T0 + 10n * SECOND + 10n * MS,
      duration: 50n * MS,
      error: true,
      attributes: [{ key: 'db.statement', value: "SELECT * FROM t WHERE x = 'it''s'" }],
    }),
    makeSpan({
      trace: 1,
      span: 13,
      parent: 11,
      resource: backend,
      name: 'cache',
      kind: 3,
      start: T0 + 10n * SECOND + 70n * MS,
      duration: 5n * MS,
    }),
    makeSpan({
      trace: 2,
      span: 21,
      resource: frontend,
      name: 'GET /checkout',
      kind: 2,
      start: T0 + 20n * SECOND,
      duration: 2000n * MS,
      attributes: [{ key: 'http.method', value: 'POST' }],
    }),
    makeSpan({
      trace: 2,
      span: 22,
      parent: 21,
      resource: payments,
      name: 'charge',
      kind: 3,
      start: T0 + 20n * SECOND + 100n * MS,
      duration: 1500n * MS,
      attributes: [
        { key: 'amount', value: 12.5 },
        { key: 'retry', value: true },
      ],
    }),
    makeSpan({ trace: 3, span: 31, parent: 99, resource: backend, name: 'orphan', start: T0 + 30n * SECOND, duration: 5n * MS }),
    makeSpan({ trace: 4, span: 41, resource: frontend, name: 'GET /late', kind: 2, start: T0 + 7200n * SECOND, duration: 10n * MS }),
    makeSpan({ trace: 5, span: 51, resource: batch, name: 'job', start: T0 + 40n * SECOND, duration: 1n * SECOND }),
    makeSpan({ trace: 6, span: 61, resource: batch, name: 'job', start: T0 + 40n * SECOND, duration: 1n * SECOND }),
    makeSpan({ trace: 6, span: 62, parent: 61, resource: batch, name: 'step', start: T0 + 40n * SECOND + MS, duration: 10n * MS }),
  ];
}
