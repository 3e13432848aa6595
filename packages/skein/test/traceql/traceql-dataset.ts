import type { KeyValue, Span, SpanEvent, SpanLink } from '../../src/model/span.js';
import { makeResource, makeScope, makeSpan } from '../support/span-factory.js';

/**
 * The conformance data set: five traces designed so that every documented TraceQL example and
 * operator selects an exactly known set of them. Trace and span IDs are fixed, readable hex.
 *
 * checkout-ok      frontend POST /api/orders (server, 200, production, us-east-1)
 *                  └ cart GET /cart (client) └ cart-db SELECT cart (postgresql, 5 ms)
 * checkout-error   frontend POST /api/orders (error, 500, production)
 *                  └ payment charge (error "card declined", exception event at +2 ms)
 *                    └ payment-db INSERT payment (error, mysql)
 * staging-products frontend GET /api/products/{id} (staging, us-west-1; span.foo = [bar, baz])
 *                  ├ productcatalogservice GetProduct (server; link to checkout-ok, child_of)
 *                  │  └ productcatalogservice SELECT product (db.system=postgresql)
 *                  └ frontend cache lookup (internal, leaf)
 * slow-batch       batch nightly job (6 s) with 12 internal children, span.bytesProcessed 1e8 each;
 *                  scope grpc 1.2.0 with instrumentation.language = java
 * no-root          orphan op, orphan child: their parent is not stored; http.status_code "200" (string)
 */
export const TRACE_IDS = {
  'checkout-ok': '00000000000000000000000000000a01',
  'checkout-error': '00000000000000000000000000000a02',
  'staging-products': '00000000000000000000000000000a03',
  'slow-batch': '00000000000000000000000000000a04',
  'no-root': '00000000000000000000000000000a05',
} as const;
export type TraceName = keyof typeof TRACE_IDS;
export const TRACE_NAMES = Object.keys(TRACE_IDS) as TraceName[];

export function traceNameOf(traceId: string): TraceName {
  const name = TRACE_NAMES.find((n) => TRACE_IDS[n] === traceId);
  if (name === undefined) throw new Error(`unknown trace ${traceId}`);
  return name;
}

const MS = 1_000_000n;
/** Every trace starts inside the last hour, an exact minute apart (newest: checkout-ok). */
export const BASE_NANO = ((BigInt(Date.now()) * MS) / 60_000_000_000n) * 60_000_000_000n - 30n * 60_000_000_000n;

interface SpanSpec {
  id: string;
  parent?: string;
  service: string;
  resource?: KeyValue[];
  name: string;
  kind?: Span['kind'];
  startMs: number;
  durationMs: number;
  attributes?: KeyValue[];
  status?: Span['status'];
  events?: SpanEvent[];
  links?: SpanLink[];
  scope?: Span['scope'];
}

function build(trace: TraceName, traceStartMinute: number, specs: SpanSpec[]): Span[] {
  const traceStart = BASE_NANO - BigInt(traceStartMinute) * 60_000_000_000n;
  const resources = new Map<string, Span['resource']>();
  return specs.map((s) => {
    const key = `${s.service}|${JSON.stringify(s.resource ?? [], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`;
    let resource = resources.get(key);
    if (resource === undefined) {
      resource = makeResource(s.service, s.resource ?? []);
      resources.set(key, resource);
    }
    const start = traceStart + BigInt(s.startMs) * MS;
    return makeSpan({
      traceId: TRACE_IDS[trace],
      spanId: s.id,
      parentSpanId: s.parent ?? '',
      name: s.name,
      kind: s.kind ?? 1,
      startTimeUnixNano: start,
      endTimeUnixNano: start + BigInt(s.durationMs) * MS,
      attributes: s.attributes ?? [],
      status: s.status ?? { code: 0, message: '' },
      events: (s.events ?? []).map((e) => ({ ...e, timeUnixNano: start + e.timeUnixNano })),
      links: s.links ?? [],
      resource,
      scope: s.scope ?? makeScope('skein-test'),
    });
  });
}

const production = [
  { key: 'deployment.environment', value: 'production' },
  { key: 'cloud.region', value: 'us-east-1' },
  { key: 'service.namespace', value: 'ecommerce' },
];
const staging = [
  { key: 'deployment.environment', value: 'staging' },
  { key: 'cloud.region', value: 'us-west-1' },
];

export function datasetSpans(): Span[] {
  const batchChildren: SpanSpec[] = Array.from({ length: 12 }, (_, i) => ({
    id: `00000000000004${(i + 16).toString(16).padStart(2, '0')}`,
    parent: '0000000000000401',
    service: 'batch',
    name: `step ${i}`,
    startMs: 100 + i * 400,
    durationMs: 300,
    attributes: [{ key: 'bytesProcessed', value: 100_000_000n }],
    scope: { ...makeScope('grpc'), version: '1.2.0', attributes: [{ key: 'language', value: 'java' }] },
  }));
  return [
    ...build('checkout-ok', 0, [
      {
        id: '0000000000000101',
        service: 'frontend',
        resource: production,
        name: 'POST /api/orders',
        kind: 2,
        startMs: 0,
        durationMs: 40,
        attributes: [
          { key: 'http.status_code', value: 200n },
          { key: 'http.method', value: 'POST' },
          { key: 'http.url', value: '/path/of/api' },
        ],
      },
      {
        id: '0000000000000102',
        parent: '0000000000000101',
        service: 'cart',
        name: 'GET /cart',
        kind: 3,
        startMs: 5,
        durationMs: 20,
        attributes: [
          { key: 'http.method', value: 'GET' },
          { key: 'http.status_code', value: 200n },
        ],
        status: { code: 1, message: '' },
      },
      {
        id: '0000000000000103',
        parent: '0000000000000102',
        service: 'cart-db',
        name: 'SELECT cart',
        kind: 3,
        startMs: 10,
        durationMs: 5,
        attributes: [
          { key: 'db.system', value: 'postgresql' },
          { key: 'db.name', value: 'db-shard-001' },
        ],
      },
    ]),
    ...build('checkout-error', 1, [
      {
        id: '0000000000000201',
        service: 'frontend',
        resource: production,
        name: 'POST /api/orders',
        kind: 2,
        startMs: 0,
        durationMs: 120,
        attributes: [
          { key: 'http.status_code', value: 500n },
          { key: 'http.method', value: 'DELETE' },
        ],
        status: { code: 2, message: '' },
      },
      {
        id: '0000000000000202',
        parent: '0000000000000201',
        service: 'payment',
        name: 'charge',
        kind: 3,
        startMs: 10,
        durationMs: 100,
        status: { code: 2, message: 'card declined' },
        events: [
          {
            name: 'exception',
            timeUnixNano: 2n * MS,
            attributes: [{ key: 'exception.message', value: 'oh no: something went wrong here' }],
            droppedAttributesCount: 0,
          },
        ],
      },
      {
        id: '0000000000000203',
        parent: '0000000000000202',
        service: 'payment-db',
        name: 'INSERT payment',
        kind: 3,
        startMs: 20,
        durationMs: 50,
        attributes: [{ key: 'db.system', value: 'mysql' }],
        status: { code: 2, message: 'deadlock' },
      },
    ]),
    ...build('staging-products', 2, [
      {
        id: '0000000000000301',
        service: 'frontend',
        resource: staging,
        name: 'GET /api/products/{id}',
        kind: 2,
        startMs: 0,
        durationMs: 30,
        attributes: [
          { key: 'foo', value: ['bar', 'baz'] },
          { key: 'service.name', value: 'frontend' },
          { key: 'http.status_code', value: 200n },
        ],
      },
      {
        id: '0000000000000302',
        parent: '0000000000000301',
        service: 'productcatalogservice',
        resource: staging,
        name: 'GetProduct',
        kind: 2,
        startMs: 2,
        durationMs: 20,
        links: [
          {
            traceId: TRACE_IDS['checkout-ok'],
            spanId: '0000000000000101',
            traceState: '',
            attributes: [{ key: 'opentracing.ref_type', value: 'child_of' }],
            droppedAttributesCount: 0,
            flags: 0,
          },
        ],
      },
      {
        id: '0000000000000303',
        parent: '0000000000000302',
        service: 'productcatalogservice',
        resource: staging,
        name: 'SELECT product',
        kind: 3,
        startMs: 4,
        durationMs: 10,
        attributes: [{ key: 'db.system', value: 'postgresql' }],
      },
      {
        id: '0000000000000304',
        parent: '0000000000000301',
        service: 'frontend',
        resource: staging,
        name: 'cache lookup',
        kind: 1,
        startMs: 25,
        durationMs: 1,
        attributes: [
          { key: 'cache.hit', value: true },
          { key: 'ratio', value: 0.25 },
        ],
      },
    ]),
    ...build('slow-batch', 3, [
      {
        id: '0000000000000401',
        service: 'batch',
        name: 'nightly job',
        kind: 1,
        startMs: 0,
        durationMs: 6000,
        scope: { ...makeScope('grpc'), version: '1.2.0', attributes: [{ key: 'language', value: 'java' }] },
      },
      ...batchChildren,
    ]),
    ...build('no-root', 4, [
      {
        id: '0000000000000501',
        parent: '00000000000005ff',
        service: 'orphan',
        name: 'orphan op',
        kind: 5,
        startMs: 0,
        durationMs: 3,
        attributes: [{ key: 'http.status_code', value: '200' }],
      },
      { id: '0000000000000502', parent: '0000000000000501', service: 'orphan', name: 'orphan child', kind: 1, startMs: 1, durationMs: 1 },
    ]),
  ];
}
