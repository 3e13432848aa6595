/**
 * The official OpenTelemetry JS SDK exports one 3-service trace to a running Skein, each service
 * through a different exporter (OTLP/HTTP protobuf gzip, OTLP/HTTP JSON, OTLP/gRPC gzip). The trace is read
 * back by ID (native and OTLP JSON) and through search, and every field must equal what the SDK
 * serialises itself (its own ProtobufTraceSerializer), not what we think it sent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, SpanKind, SpanStatusCode, TraceFlags, type Tracer, createTraceState } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { decodeOtlpProtoTraces } from '../../src/model/otlp-proto-decode.js';
import { decodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import type { Span } from '../../src/model/span.js';
import { getJson, removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';
import { storageTargets } from '../support/storage-targets.js';

interface Service {
  provider: BasicTracerProvider;
  tracer: Tracer;
  memory: InMemorySpanExporter;
}

function makeService(
  name: string,
  exporter: SpanExporter,
  limits: { attributeCountLimit?: number; eventCountLimit?: number; linkCountLimit?: number } = {},
): Service {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': name,
      'service.version': '1.2.3',
      'deployment.environment': 'e2e',
      'host.cores': 8,
    }),
    spanProcessors: [new SimpleSpanProcessor(memory), new SimpleSpanProcessor(exporter)],
    spanLimits: limits,
  });
  return { provider, tracer: provider.getTracer(`${name}-instrumentation`, '0.9.0'), memory };
}

/** Spans sorted by span ID, resource and scope compared by value. */
function normalise(spans: Span[]): unknown[] {
  return [...spans].sort((a, b) => a.spanId.localeCompare(b.spanId)).map((span) => ({ ...span }));
}

for (const target of storageTargets()) {
  describe(`OpenTelemetry JS SDK → Skein (${target.name})`, { skip: target.skip }, () => {
    let skein: SkeinProcess;
    let services: Service[];
    let traceId = '';
    let otherTraceId = '';
    let sentSpans: Span[] = [];

    before(async () => {
      const storage = await target.start();
      skein = await startSkein({ args: storage.args });
      const base = `http://127.0.0.1:${skein.ports.otlpHttp}/v1/traces`;
      const frontend = makeService('frontend', new ProtoExporter({ url: base, compression: CompressionAlgorithm.GZIP }));
      const cart = makeService('cart', new JsonExporter({ url: base }), { attributeCountLimit: 12, eventCountLimit: 2 });
      const payment = makeService(
        'payment',
        new GrpcExporter({ url: `http://127.0.0.1:${skein.ports.otlpGrpc}`, compression: CompressionAlgorithm.GZIP }),
        { linkCountLimit: 1 },
      );
      services = [frontend, cart, payment];

      // A separate trace to link to.
      const other = payment.tracer.startSpan('settlement-batch', { kind: SpanKind.CONSUMER });
      otherTraceId = other.spanContext().traceId;
      other.end();

      const root = frontend.tracer.startSpan('GET /checkout', {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/checkout',
          'http.response.status_code': 500,
          'user.vip': true,
          'retry.ratio': 0.25,
        },
      });
      traceId = root.spanContext().traceId;
      const rootContext = trace.setSpan(context.active(), root);
      const call = frontend.tracer.startSpan(
        'POST cart/checkout',
        { kind: SpanKind.CLIENT, attributes: { 'server.address': 'cart' } },
        rootContext,
      );
      call.addEvent('request.sent', { 'message.size': 512 });

      // The cart service receives the call with a tracestate, as W3C propagation would carry it.
      const remote = trace.setSpanContext(context.active(), {
        ...call.spanContext(),
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
        traceState: createTraceState('skein=test,vendor=7'),
      });
      const cartServer = cart.tracer.startSpan(
        'checkout',
        {
          kind: SpanKind.SERVER,
          attributes: {
            'app.item_ids': ['sku-1', 'sku-2', 'sku-\'3"\\'],
            'app.quantities': [1, 2, 3],
            'app.prices': [9.99, 0.5],
            'app.flags': [true, false],
            'app.unicode': 'naïve ☃ 𝄞 \u0000 end',
            'app.big_int': 9007199254740991,
            'app.negative': -42,
          },
        },
        remote,
      );
      for (let i = 0; i < 15; i++) cartServer.setAttribute(`extra.${i}`, i);
      const cartContext = trace.setSpan(remote, cartServer);
      const db = cart.tracer.startSpan(
        'SELECT cart_items',
        { kind: SpanKind.CLIENT, attributes: { 'db.system': 'sqlite', 'db.statement': 'SELECT * FROM cart_items WHERE id = ?' } },
        cartContext,
      );
      db.addEvent('rows.fetched', { 'db.rows': 3 });
      db.addEvent('second');
      db.addEvent('third-dropped');
      db.end();
      const publish = cart.tracer.startSpan('publish cart.checked_out', { kind: SpanKind.PRODUCER }, cartContext);
      publish.end();

      const pay = payment.tracer.startSpan(
        'charge card',
        {
          kind: SpanKind.SERVER,
          links: [
            { context: other.spanContext(), attributes: { 'link.reason': 'batched settlement' } },
            { context: publish.spanContext(), attributes: { dropped: true } },
          ],
        },
        cartContext,
      );
      pay.recordException(new Error('card declined: insufficient funds'));
      pay.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
      await new Promise((r) => setTimeout(r, 25));
      pay.end();
      cartServer.setStatus({ code: SpanStatusCode.OK });
      cartServer.end();
      call.end();
      root.end();

      for (const service of services) await service.provider.forceFlush();
      const captured = services.flatMap((service) => service.memory.getFinishedSpans());
      // What the SDK itself puts on the wire for these spans.
      sentSpans = decodeOtlpProtoTraces(ProtobufTraceSerializer.serializeRequest(captured)!);
    });

    after(async () => {
      for (const service of services ?? []) await service.provider.shutdown();
      const code = await skein?.stop();
      assert.equal(code, 0, `skein exited with ${code}:\n${skein?.logs.join('\n')}`);
      removeDir(skein.dataDir);
      await target.stop();
    });

    test('the trace reads back as OTLP JSON exactly as the SDK sent it', async () => {
      const { status, body } = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}?format=otlp`);
      assert.equal(status, 200, JSON.stringify(body));
      const stored = decodeOtlpJsonTraces(JSON.stringify(body));
      const expected = sentSpans.filter((span) => span.traceId === traceId);
      assert.equal(expected.length, 6);
      assert.deepStrictEqual(normalise(stored), normalise(expected));
      // Spot checks that do not depend on our own codec.
      const serviceNames = body.resourceSpans
        .map((rs: any) => rs.resource.attributes.find((a: any) => a.key === 'service.name').value.stringValue)
        .sort();
      assert.deepEqual(serviceNames, ['cart', 'frontend', 'payment']);
    });

    test('every field round-trips: IDs, trace state, kinds, status, typed attributes, events, links, dropped counts', async () => {
      const { body } = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}`);
      const byName = new Map<string, any>(body.spans.map((span: any) => [span.name, span]));
      const root = byName.get('GET /checkout');
      assert.equal(root.parentSpanId, '');
      assert.equal(root.kind, 'SERVER');
      assert.equal(root.serviceName, 'frontend');
      assert.deepEqual(root.attributes.find((a: any) => a.key === 'http.response.status_code').value, { intValue: '500' });
      assert.deepEqual(root.attributes.find((a: any) => a.key === 'retry.ratio').value, { doubleValue: 0.25 });
      assert.deepEqual(root.attributes.find((a: any) => a.key === 'user.vip').value, { boolValue: true });
      const cartServer = byName.get('checkout');
      assert.equal(cartServer.parentSpanId, byName.get('POST cart/checkout').spanId);
      assert.equal(cartServer.traceState, 'skein=test,vendor=7');
      assert.equal(cartServer.status.code, 'OK');
      assert.equal(cartServer.droppedAttributesCount, 7 + 15 - 12);
      assert.deepEqual(cartServer.attributes.find((a: any) => a.key === 'app.item_ids').value, {
        arrayValue: { values: [{ stringValue: 'sku-1' }, { stringValue: 'sku-2' }, { stringValue: 'sku-\'3"\\' }] },
      });
      assert.deepEqual(cartServer.attributes.find((a: any) => a.key === 'app.unicode').value, { stringValue: 'naïve ☃ 𝄞 \u0000 end' });
      const db = byName.get('SELECT cart_items');
      // The SDK keeps the newest events when over its limit.
      assert.deepEqual(
        db.events.map((e: any) => e.name),
        ['second', 'third-dropped'],
      );
      assert.equal(db.droppedEventsCount, 1);
      const call = byName.get('POST cart/checkout');
      assert.equal(call.kind, 'CLIENT');
      assert.deepEqual(call.events[0].attributes, [{ key: 'message.size', value: { intValue: '512' } }]);
      assert.equal(byName.get('publish cart.checked_out').kind, 'PRODUCER');
      const pay = byName.get('charge card');
      assert.equal(pay.status.code, 'ERROR');
      assert.equal(pay.status.message, 'card declined');
      assert.equal(pay.links.length, 1);
      assert.equal(pay.droppedLinksCount, 1);
      // Which link the SDK keeps over its limit is its business: compare with what it sent.
      const sentPay = sentSpans.find((span) => span.name === 'charge card')!;
      assert.equal(sentPay.links.length, 1);
      assert.equal(pay.links[0].traceId, sentPay.links[0]!.traceId);
      assert.equal(pay.links[0].spanId, sentPay.links[0]!.spanId);
      assert.ok([otherTraceId, traceId].includes(pay.links[0].traceId));
      assert.equal(pay.links[0].attributes.length, 1);
      assert.equal(pay.events[0].name, 'exception');
      assert.equal(body.scopes[pay.scopeIndex].name, 'payment-instrumentation');
      assert.equal(body.scopes[pay.scopeIndex].version, '0.9.0');
      assert.ok(BigInt(pay.durationNano) >= 10_000_000n, `duration ${pay.durationNano}`);
      assert.equal(BigInt(pay.endTimeUnixNano) - BigInt(pay.startTimeUnixNano), BigInt(pay.durationNano));
    });

    test('search finds the trace by service, span name, span and resource attributes, duration and errors', async () => {
      const search = async (query: string): Promise<any[]> => {
        const { status, body } = await getJson(`${skein.queryUrl}/api/v1/search?lookback=1h&${query}`);
        assert.equal(status, 200, JSON.stringify(body));
        return body.traces;
      };
      const [summary] = (await search('service=frontend')).filter((t) => t.traceId === traceId);
      assert.ok(summary, 'trace found by service');
      assert.equal(summary.rootServiceName, 'frontend');
      assert.equal(summary.rootSpanName, 'GET /checkout');
      assert.equal(summary.rootSpanMissing, false);
      assert.equal(summary.spanCount, 6);
      assert.equal(summary.errorCount, 1);
      assert.deepEqual(summary.services, [
        { serviceName: 'cart', spanCount: 3 },
        { serviceName: 'frontend', spanCount: 2 },
        { serviceName: 'payment', spanCount: 1 },
      ]);
      const ids = async (query: string): Promise<string[]> => (await search(query)).map((t) => t.traceId);
      assert.ok((await ids('service=cart&spanName=checkout')).includes(traceId));
      assert.ok((await ids('attr=http.route%3D%2Fcheckout')).includes(traceId), 'span attribute, all services');
      assert.ok(
        (await ids('service=payment&attr=deployment.environment%3De2e&status=error')).includes(traceId),
        'resource attribute + error',
      );
      assert.ok((await ids('service=payment&minDuration=10ms')).includes(traceId), 'min duration');
      assert.ok(!(await ids('service=payment&maxDuration=1ns')).includes(traceId), 'max duration excludes');
      assert.ok(!(await ids('service=frontend&status=error')).includes(traceId), 'frontend spans have no error');
      assert.deepEqual(await ids('service=frontend&attr=http.route%3D%2Fnope'), []);
    });
  });
}
