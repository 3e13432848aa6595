/** The native query API over HTTP (issue 2, item 5): shapes, semantics and 400s naming the parameter. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOtlpProtoTraces } from '../../src/model/otlp-proto-encode.js';
import type { Span } from '../../src/model/span.js';
import { getJson, removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';
import { makeResource, makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

const MS = 1_000_000n;

describe('native query API', () => {
  let skein: SkeinProcess;
  const base = BigInt(Date.now() - 10 * 60_000) * MS;
  const gateway = makeResource('gateway', [{ key: 'deployment.environment', value: 'prod' }]);
  const orders = makeResource('orders');
  const traceA = randomTraceId();
  const traceB = randomTraceId();
  const orphanTrace = randomTraceId();
  const rootA = randomSpanId();
  const rootB = randomSpanId();

  before(async () => {
    skein = await startSkein();
    const spans: Span[] = [
      // Trace A: gateway → orders (error), 300 ms, started first.
      makeSpan({
        traceId: traceA,
        spanId: rootA,
        name: 'GET /orders',
        resource: gateway,
        startTimeUnixNano: base,
        endTimeUnixNano: base + 300n * MS,
        attributes: [{ key: 'http.route', value: '/orders' }],
      }),
      makeSpan({
        traceId: traceA,
        parentSpanId: rootA,
        name: 'list-orders',
        kind: 2,
        resource: orders,
        startTimeUnixNano: base + 10n * MS,
        endTimeUnixNano: base + 250n * MS,
        status: { code: 2, message: 'db down' },
      }),
      // Trace B: gateway → orders, 50 ms, started later (newest).
      makeSpan({
        traceId: traceB,
        spanId: rootB,
        name: 'GET /orders',
        resource: gateway,
        startTimeUnixNano: base + 60_000n * MS,
        endTimeUnixNano: base + 60_050n * MS,
        attributes: [{ key: 'http.route', value: '/orders' }],
      }),
      makeSpan({
        traceId: traceB,
        parentSpanId: rootB,
        name: 'list-orders',
        kind: 2,
        resource: orders,
        startTimeUnixNano: base + 60_005n * MS,
        endTimeUnixNano: base + 60_040n * MS,
      }),
      // A trace whose root has not arrived: two spans pointing at a missing parent.
      makeSpan({
        traceId: orphanTrace,
        parentSpanId: randomSpanId(),
        name: 'late-child',
        resource: orders,
        startTimeUnixNano: base + 30_000n * MS,
        endTimeUnixNano: base + 30_010n * MS,
      }),
      makeSpan({
        traceId: orphanTrace,
        parentSpanId: randomSpanId(),
        name: 'later-child',
        resource: orders,
        startTimeUnixNano: base + 30_005n * MS,
        endTimeUnixNano: base + 30_020n * MS,
      }),
    ];
    const response = await fetch(skein.otlpHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf' },
      body: Buffer.from(encodeOtlpProtoTraces(spans)),
    });
    assert.equal(response.status, 200);
  });
  after(async () => {
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  const api = (path: string) => getJson(`${skein.queryUrl}${path}`);

  test('search: newest first, all services when none given, summaries exact', async () => {
    const { status, body } = await api('/api/v1/search?lookback=1h');
    assert.equal(status, 200);
    assert.deepEqual(
      body.traces.map((t: any) => t.traceId),
      [traceB, orphanTrace, traceA],
    );
    const a = body.traces[2];
    assert.deepEqual(a, {
      traceId: traceA,
      rootServiceName: 'gateway',
      rootSpanName: 'GET /orders',
      rootSpanMissing: false,
      startTimeUnixNano: base.toString(),
      durationNano: (300n * MS).toString(),
      skewCorrected: true,
      spanCount: 2,
      errorCount: 1,
      services: [
        { serviceName: 'gateway', spanCount: 1 },
        { serviceName: 'orders', spanCount: 1 },
      ],
    });
    const orphan = body.traces[1];
    assert.equal(orphan.rootSpanMissing, true);
    assert.equal(orphan.rootSpanName, 'late-child');
    assert.equal(orphan.durationNano, (20n * MS).toString());
  });

  test('search filters: service, span name, attributes (span and resource), duration, errors, limit, window', async () => {
    const ids = async (query: string): Promise<string[]> => {
      const { status, body } = await api(`/api/v1/search?${query}`);
      assert.equal(status, 200, JSON.stringify(body));
      return body.traces.map((t: any) => t.traceId);
    };
    assert.deepEqual(await ids('service=orders&lookback=1h'), [traceB, orphanTrace, traceA]);
    assert.deepEqual(await ids('service=orders&spanName=list-orders&lookback=1h'), [traceB, traceA]);
    assert.deepEqual(await ids('attr=http.route%3D%2Forders&attr=deployment.environment%3Dprod&lookback=1h'), [traceB, traceA]);
    assert.deepEqual(await ids('service=gateway&minDuration=100ms&lookback=1h'), [traceA]);
    assert.deepEqual(await ids('service=gateway&maxDuration=0.1s&lookback=1h'), [traceB]);
    assert.deepEqual(await ids('status=error&lookback=1h'), [traceA]);
    assert.deepEqual(await ids('limit=1&lookback=1h'), [traceB]);
    const end = (base + 59_000n * MS).toString();
    assert.deepEqual(await ids(`start=${base}&end=${end}`), [orphanTrace, traceA]);
    const rfc = new Date(Number((base + 59_000n * MS) / MS)).toISOString();
    assert.deepEqual(await ids(`start=${new Date(Number(base / MS)).toISOString()}&end=${rfc}`), [orphanTrace, traceA]);
    assert.deepEqual(await ids('service=nobody&lookback=1h'), []);
  });

  test('services, operations with span kind, dependencies with error counts', async () => {
    assert.deepEqual((await api('/api/v1/services')).body, { services: ['gateway', 'orders'] });
    assert.deepEqual((await api('/api/v1/services/orders/operations')).body, {
      operations: [
        { name: 'late-child', spanKind: 'SERVER' },
        { name: 'later-child', spanKind: 'SERVER' },
        { name: 'list-orders', spanKind: 'SERVER' },
      ],
    });
    const { body } = await api('/api/v1/dependencies?lookback=1h');
    assert.deepEqual(body.dependencies, [{ parentService: 'gateway', childService: 'orders', callCount: 2, errorCount: 1 }]);
  });

  test('trace by ID: 404 with a message when absent, 400 for a malformed ID, short IDs are left-padded', async () => {
    const missing = randomTraceId();
    const notFound = await api(`/api/v1/traces/${missing}`);
    assert.equal(notFound.status, 404);
    assert.deepEqual(notFound.body, { error: { code: 'not_found', message: `trace ${missing} not found` } });
    const bad = await api('/api/v1/traces/xyz');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /invalid trace ID "xyz"/);
    const upper = await api(`/api/v1/traces/${traceA.toUpperCase()}`);
    assert.equal(upper.status, 200);
    assert.equal(upper.body.spans.length, 2);
  });

  test('attribute keys and values for autocompletion', async () => {
    const keys = await api('/api/v1/attributes');
    assert.equal(keys.status, 200);
    assert.deepEqual(keys.body, {
      attributes: [
        { key: 'service.name', scope: 'resource', count: 6 },
        // The span factory's default attribute, on the four spans given none.
        { key: 'test.index', scope: 'span', count: 4 },
        { key: 'deployment.environment', scope: 'resource', count: 2 },
        { key: 'http.route', scope: 'span', count: 2 },
      ],
    });
    assert.deepEqual((await api('/api/v1/attributes?service=orders&limit=1')).body, {
      attributes: [{ key: 'service.name', scope: 'resource', count: 4 }],
    });
    assert.deepEqual((await api('/api/v1/attributes/http.route/values?lookback=2h')).body, { values: [{ value: '/orders', count: 2 }] });
    assert.deepEqual((await api('/api/v1/attributes/service.name/values?service=orders')).body, {
      values: [{ value: 'orders', count: 4 }],
    });
    assert.deepEqual((await api(`/api/v1/attributes/${encodeURIComponent('no/such key')}/values`)).body, { values: [] });
  });

  test('bad query parameters get a 400 naming the parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/v1/search?minDuration=fast', /"minDuration": expected a duration/],
      ['/api/v1/search?limit=0', /"limit": must be between 1 and 10000/],
      ['/api/v1/search?limit=ten', /"limit": expected an integer/],
      ['/api/v1/search?start=yesterday', /"start": expected an RFC 3339 time/],
      ['/api/v1/search?attr=novalue', /"attr": expected key=value/],
      ['/api/v1/search?status=broken', /"status": expected error or any/],
      ['/api/v1/search?serivce=gateway', /"serivce": unknown parameter/],
      ['/api/v1/search?service=a&service=b', /"service": given more than once/],
      ['/api/v1/search?minDuration=2s&maxDuration=1s', /"minDuration": is greater than maxDuration/],
      ['/api/v1/dependencies?start=10&end=5', /"start": is after end/],
      ['/api/v1/attributes?limit=0', /"limit": must be between 1 and 1000/],
      ['/api/v1/attributes?serivce=gateway', /"serivce": unknown parameter/],
      ['/api/v1/attributes?start=10&end=5', /"start": is after end/],
      ['/api/v1/attributes/http.route/values?start=yesterday', /"start": expected an RFC 3339 time/],
      ['/api/v1/attributes/http.route/values?service=a&service=b', /"service": given more than once/],
      [`/api/v1/traces/${traceA}?format=xml`, /"format": expected native, otlp or compact/],
    ];
    for (const [path, message] of cases) {
      const { status, body } = await api(path);
      assert.equal(status, 400, path);
      assert.equal(body.error.code, 'bad_parameter');
      assert.match(body.error.message, message, path);
    }
    assert.equal((await api('/api/v1/nothing')).status, 404);
    const post = await fetch(`${skein.queryUrl}/api/v1/services`, { method: 'POST' });
    assert.equal(post.status, 405);
  });

  test('health endpoints', async () => {
    assert.deepEqual((await api('/healthz')).body, { status: 'ok' });
    const ready = await api('/readyz');
    assert.equal(ready.status, 200);
    assert.match(ready.body.storage, /chdb/);
  });
});
