import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelToZipkin } from '../../src/model/model-to-zipkin.js';
import { SpanKind, StatusCode, type Span } from '../../src/model/span.js';
import { DEFAULT_TENANT } from '../../src/model/tenant.js';

function otlpSpan(overrides: Partial<Span> = {}): Span {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '',
    traceState: '',
    flags: 1,
    name: 'GET /orders',
    kind: SpanKind.INTERNAL,
    startTimeUnixNano: 1_764_892_800_000_000_500n,
    endTimeUnixNano: 1_764_892_800_000_001_000n,
    attributes: [
      { key: 'http.status_code', value: 200n },
      { key: 'retry', value: true },
      { key: 'ratio', value: 0.5 },
      { key: 'tags', value: ['a', 'b'] },
    ],
    droppedAttributesCount: 0,
    events: [
      {
        timeUnixNano: 1_764_892_800_000_000_900n,
        name: 'cache miss',
        attributes: [{ key: 'key', value: 'k1' }],
        droppedAttributesCount: 1,
      },
      { timeUnixNano: 1_764_892_800_000_000_700n, name: 'start', attributes: [], droppedAttributesCount: 0 },
    ],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: StatusCode.OK, message: '' },
    resource: {
      tenant: DEFAULT_TENANT,
      attributes: [
        { key: 'service.name', value: 'orders' },
        { key: 'host.name', value: 'h1' },
      ],
      droppedAttributesCount: 0,
      schemaUrl: '',
    },
    scope: { name: 'io.opentelemetry.http', version: '1.2', attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
    ...overrides,
  };
}

describe('model → Zipkin v2 (OpenTelemetry Zipkin exporter mapping)', () => {
  it('maps an OTLP span: tags from span and resource, scope, status, events as annotations', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(modelToZipkin([otlpSpan()]))), [
      {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        id: 'b7ad6b7169203331',
        name: 'GET /orders',
        timestamp: 1764892800000000,
        // 500 ns: under a microsecond, still not zero.
        duration: 1,
        localEndpoint: { serviceName: 'orders' },
        annotations: [
          { timestamp: 1764892800000000, value: 'start' },
          { timestamp: 1764892800000000, value: 'cache miss|{"key":"k1"}|1' },
        ],
        tags: {
          'host.name': 'h1',
          'http.status_code': '200',
          'otel.scope.name': 'io.opentelemetry.http',
          'otel.scope.version': '1.2',
          'otel.status_code': 'OK',
          ratio: '0.5',
          retry: 'true',
          tags: '["a","b"]',
        },
      },
    ]);
  });

  it("writes an error status as error + otel.status_code, and a CLIENT span's server.address as its remote endpoint", () => {
    const [span] = modelToZipkin([
      otlpSpan({
        kind: SpanKind.CLIENT,
        parentSpanId: '00f067aa0ba902b7',
        attributes: [
          { key: 'server.address', value: 'payments' },
          { key: 'net.peer.port', value: 443n },
        ],
        events: [],
        status: { code: StatusCode.ERROR, message: 'boom' },
        scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
        resource: {
          tenant: DEFAULT_TENANT,
          attributes: [{ key: 'service.name', value: 'orders' }],
          droppedAttributesCount: 0,
          schemaUrl: '',
        },
      }),
    ]);
    assert.deepEqual(JSON.parse(JSON.stringify(span)), {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      parentId: '00f067aa0ba902b7',
      id: 'b7ad6b7169203331',
      kind: 'CLIENT',
      name: 'GET /orders',
      timestamp: 1764892800000000,
      duration: 1,
      localEndpoint: { serviceName: 'orders' },
      remoteEndpoint: { serviceName: 'payments', port: 443 },
      tags: { error: 'boom', 'otel.status_code': 'ERROR' },
    });
  });

  it('writes a zero duration as none and a 64-bit trace ID as 16 digits', () => {
    const [span] = modelToZipkin([otlpSpan({ traceId: '00000000000000008448eb211c80319c', endTimeUnixNano: 1_764_892_800_000_000_500n })]);
    assert.equal(span!.traceId, '8448eb211c80319c');
    assert.equal(span!.duration, undefined);
  });
});
