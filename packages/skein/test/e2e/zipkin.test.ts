/**
 * The Zipkin receiver on a running Skein (issue 4, item 5): the real zipkin-js client (Tracer +
 * HttpLogger, v2 and v1 JSON encoders) and raw POSTs of v2 JSON, v1 JSON, v2 protobuf and gzip;
 * every trace is read back through the native API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { Annotation, BatchRecorder, ExplicitContext, InetAddress, jsonEncoder, TraceId, Tracer } from 'zipkin';
import { HttpLogger } from 'zipkin-transport-http';
import { sharedSpanId } from '../../src/model/zipkin-to-model.js';
import { eventually, getJson, removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';

const ListOfSpans = protobuf
  .parse(
    `syntax = "proto3";
     message Span {
       bytes trace_id = 1; bytes parent_id = 2; bytes id = 3; int32 kind = 4; string name = 5; fixed64 timestamp = 6;
       uint64 duration = 7; Endpoint local_endpoint = 8; Endpoint remote_endpoint = 9; repeated Annotation annotations = 10;
       map<string, string> tags = 11; bool debug = 12; bool shared = 13;
     }
     message Endpoint { string service_name = 1; bytes ipv4 = 2; bytes ipv6 = 3; int32 port = 4; }
     message Annotation { fixed64 timestamp = 1; string value = 2; }
     message ListOfSpans { repeated Span spans = 1; }`,
    { keepCase: true },
  )
  .root.lookupType('ListOfSpans');

interface NativeSpan {
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: string;
  serviceName: string;
  startTimeUnixNano: string;
  durationNano: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  events: Array<{ name: string; timeUnixNano: string }>;
  status: { code: string; message: string };
}

function attrs(span: NativeSpan): Record<string, unknown> {
  return Object.fromEntries(span.attributes.map((a) => [a.key, Object.values(a.value)[0]]));
}

const nowMicros = (): number => Date.now() * 1000;

function post(url: string, body: Buffer | string, headers: Record<string, string>, method = 'POST'): Promise<Response> {
  return fetch(url, { method, headers, ...(method === 'GET' ? {} : { body }), signal: AbortSignal.timeout(30_000) });
}

describe('Zipkin receiver', () => {
  let skein: SkeinProcess;
  const readTrace = (traceId: string, count: number): Promise<NativeSpan[]> =>
    eventually(
      async () => {
        const { status, body } = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}`);
        return status === 200 && body.spans.length >= count ? (body.spans as NativeSpan[]) : undefined;
      },
      15_000,
      `trace ${traceId} with ${count} spans (logs: ${skein.logs.slice(-5).join(' | ')})`,
    );

  before(async () => {
    skein = await startSkein();
    assert.ok(skein.ports.zipkin > 0, 'the Zipkin receiver is on by default');
  });
  after(async () => {
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  test('zipkin-js (v2 JSON): client span, its local child, and the server joining the client span (B3 shared)', async () => {
    const errors: string[] = [];
    const logger = (encoder: typeof jsonEncoder.JSON_V2, path: string): HttpLogger => {
      const http = new HttpLogger({ endpoint: `${skein.zipkinUrl}${path}`, jsonEncoder: encoder, httpInterval: 50 });
      // `on` (an EventEmitter's) and `join` exist at run time but not in zipkin-js's type declarations.
      (http as unknown as NodeJS.EventEmitter).on('error', (error: Error) => errors.push(error.message));
      return http;
    };
    const frontend = new Tracer({
      ctxImpl: new ExplicitContext(),
      recorder: new BatchRecorder({ logger: logger(jsonEncoder.JSON_V2, '/api/v2/spans') }),
      localServiceName: 'frontend',
    });
    const backend = new Tracer({
      ctxImpl: new ExplicitContext(),
      recorder: new BatchRecorder({ logger: logger(jsonEncoder.JSON_V1, '/api/v1/spans') }),
      localServiceName: 'backend',
    });

    const clientId = frontend.createRootId();
    let localId = clientId;
    frontend.letId(clientId, () => {
      frontend.recordServiceName('frontend');
      frontend.recordRpc('get /inventory');
      frontend.recordAnnotation(new Annotation.ClientSend());
      frontend.recordBinary('http.path', '/inventory');
      frontend.recordAnnotation(new Annotation.ServerAddr({ serviceName: 'inventory', host: new InetAddress('10.1.2.3'), port: 9000 }));
      frontend.recordMessage('retrying once');
      frontend.local('compute price', () => {
        localId = frontend.id;
        frontend.recordBinary('error', 'price missing');
      });
      // The server side, in "another process": it joins the client's span ID (B3 shared span).
      backend.scoped(() => {
        // As if read from B3 headers: a fresh TraceId (join marks its argument shared).
        const fromHeaders = new TraceId({ traceId: clientId.traceId, spanId: clientId.spanId, sampled: clientId.sampled });
        backend.setId((backend as Tracer & { join(id: TraceId): TraceId }).join(fromHeaders));
        backend.recordServiceName('backend');
        backend.recordRpc('handle inventory');
        backend.recordAnnotation(new Annotation.ServerRecv());
        backend.recordBinary('db.rows', '3');
        backend.recordAnnotation(new Annotation.ServerSend());
      });
      frontend.recordAnnotation(new Annotation.ClientRecv());
    });

    const traceId = clientId.traceId.padStart(32, '0');
    const spans = await readTrace(traceId, 3);
    assert.deepEqual(errors, []);
    const client = spans.find((s) => s.kind === 'CLIENT');
    const local = spans.find((s) => s.name === 'compute price');
    const server = spans.find((s) => s.kind === 'SERVER');
    assert.ok(client && local && server, JSON.stringify(spans));

    assert.equal(client.spanId, clientId.spanId);
    assert.equal(client.parentSpanId, '');
    assert.equal(client.serviceName, 'frontend');
    assert.equal(client.name, 'get /inventory');
    assert.deepEqual(
      { ...attrs(client) },
      {
        'http.path': '/inventory',
        'peer.service': 'inventory',
        'net.peer.name': 'inventory',
        'server.address': 'inventory',
        'net.peer.ip': '10.1.2.3',
        'net.peer.port': '9000',
      },
    );
    assert.deepEqual(
      client.events.map((e) => e.name),
      ['retrying once'],
    );
    assert.ok(BigInt(client.events[0]!.timeUnixNano) >= BigInt(client.startTimeUnixNano));
    assert.equal(client.status.code, 'UNSET');

    assert.equal(local.spanId, localId.spanId);
    assert.equal(local.parentSpanId, client.spanId);
    assert.equal(local.kind, 'INTERNAL');
    assert.equal(local.serviceName, 'frontend');
    assert.deepEqual(local.status, { code: 'ERROR', message: 'price missing' });

    // The shared server span keeps its own row, under the client span.
    assert.equal(server.serviceName, 'backend');
    assert.equal(server.name, 'handle inventory');
    assert.equal(server.spanId, sharedSpanId(traceId, clientId.spanId));
    assert.equal(server.parentSpanId, client.spanId);
    assert.equal(attrs(server)['db.rows'], '3');
    assert.equal(attrs(server)['zipkin.shared'], true);
  });

  test('raw v2 JSON (gzip), v1 JSON and v2 protobuf are stored; invalid spans are dropped alone', async () => {
    const traceId = randomBytes(16).toString('hex');
    const ts = nowMicros() - 5_000_000;
    const v2 = [
      {
        traceId,
        id: '0000000000000001',
        kind: 'SERVER',
        name: 'post /order',
        timestamp: ts,
        duration: 2000,
        localEndpoint: { serviceName: 'shop' },
        remoteEndpoint: { ipv4: '192.168.0.9', port: 51000 },
        annotations: [{ timestamp: ts + 100, value: 'validated' }],
        tags: { 'http.method': 'POST', 'otel.status_code': 'ERROR', 'otel.status_description': 'out of stock' },
        debug: true,
      },
      { traceId, id: 'not-hex', name: 'broken', timestamp: ts },
    ];
    const v2Response = await post(`${skein.zipkinUrl}/api/v2/spans`, gzipSync(JSON.stringify(v2)), {
      'Content-Type': 'application/json',
      'Content-Encoding': 'gzip',
    });
    assert.equal(v2Response.status, 202);
    assert.equal(await v2Response.text(), '');

    const v1 = [
      {
        traceId: traceId.slice(16),
        traceIdHigh: traceId.slice(0, 16),
        id: '0000000000000002',
        parentId: '0000000000000001',
        name: 'reserve',
        timestamp: ts + 200,
        duration: 500,
        annotations: [
          { timestamp: ts + 200, value: 'cs', endpoint: { serviceName: 'shop' } },
          { timestamp: ts + 700, value: 'cr', endpoint: { serviceName: 'shop' } },
        ],
        binaryAnnotations: [{ key: 'sa', value: true, endpoint: { serviceName: 'stock' } }],
      },
    ];
    assert.equal((await post(`${skein.zipkinUrl}/api/v1/spans`, JSON.stringify(v1), { 'Content-Type': 'application/json' })).status, 202);

    const proto = ListOfSpans.encode(
      ListOfSpans.fromObject({
        spans: [
          {
            trace_id: Buffer.from(traceId, 'hex'),
            parent_id: Buffer.from('0000000000000002', 'hex'),
            id: Buffer.from('0000000000000003', 'hex'),
            kind: 4,
            name: 'consume reservation',
            timestamp: String(ts + 800),
            duration: 300,
            local_endpoint: { service_name: 'stock', ipv4: Buffer.from([10, 0, 0, 7]) },
            tags: { queue: 'reservations' },
          },
        ],
      }),
    ).finish();
    const protoResponse = await post(`${skein.zipkinUrl}/api/v2/spans`, Buffer.from(proto), { 'Content-Type': 'application/x-protobuf' });
    assert.equal(protoResponse.status, 202);

    const spans = await readTrace(traceId, 3);
    assert.equal(spans.length, 3);
    const [server, client, consumer] = ['0000000000000001', '0000000000000002', '0000000000000003'].map((id) =>
      spans.find((s) => s.spanId === id),
    );
    assert.ok(server && client && consumer);
    assert.equal(server.kind, 'SERVER');
    assert.equal(server.startTimeUnixNano, `${ts}000`);
    assert.equal(server.durationNano, '2000000');
    assert.deepEqual(server.status, { code: 'ERROR', message: 'out of stock' });
    assert.deepEqual(attrs(server), {
      'http.method': 'POST',
      'net.peer.ip': '192.168.0.9',
      'net.peer.port': '51000',
      'zipkin.debug': true,
    });
    assert.deepEqual(
      server.events.map((e) => [e.name, e.timeUnixNano]),
      [['validated', `${ts + 100}000`]],
    );
    assert.deepEqual(
      [client.kind, client.serviceName, client.parentSpanId, attrs(client)['peer.service'], client.durationNano],
      ['CLIENT', 'shop', '0000000000000001', 'stock', '500000'],
    );
    assert.deepEqual(
      [consumer.kind, consumer.serviceName, consumer.parentSpanId, attrs(consumer)['queue'], attrs(consumer)['net.host.ip']],
      ['CONSUMER', 'stock', '0000000000000002', 'reservations', '10.0.0.7'],
    );
    assert.ok(skein.logs.some((line) => /Zipkin \/api\/v2\/spans: dropped 1 invalid span.*invalid id/.test(line)));
  });

  test('400 names the problem; 415, 405 and 404 like the OTLP receiver', async () => {
    const url = `${skein.zipkinUrl}/api/v2/spans`;
    const notArray = await post(url, '{"traceId":"1"}', { 'Content-Type': 'application/json' });
    assert.equal(notArray.status, 400);
    assert.match(await notArray.text(), /expected a JSON array of spans, got an object/);
    const badProto = await post(url, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'Content-Type': 'application/x-protobuf' });
    assert.equal(badProto.status, 400);
    assert.match(await badProto.text(), /cannot decode Zipkin protobuf body: .* at byte/);
    const thrift = await post(`${skein.zipkinUrl}/api/v1/spans`, 'x', { 'Content-Type': 'application/x-thrift' });
    assert.equal(thrift.status, 415);
    assert.equal((await post(url, 'x', { 'Content-Type': 'application/json', 'Content-Encoding': 'br' })).status, 415);
    const put = await post(url, '', {}, 'PUT');
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'POST');
    // GETs on the port are Zipkin's query API (query/zipkin), as on a Zipkin server.
    const get = await post(url, '', {}, 'GET');
    assert.equal(get.status, 400);
    assert.equal(await get.text(), 'Mandatory parameter/header/attribute is missing: serviceName');
    assert.equal((await post(`${skein.zipkinUrl}/api/v2/traces`, '[]', { 'Content-Type': 'application/json' })).status, 404);
    assert.equal((await post(url, Buffer.from('[]'), {})).status, 202);
  });
});
