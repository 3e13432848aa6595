/**
 * Admission on a request's headers (issue 20, item 3): the one decision point every receiver
 * shares (collector/receivers/request-admission.ts), the admission ticket, the storage queue
 * counting admitted requests as arriving work, and the receivers refusing before any decode:
 * a body that is not even gzip is answered 429 / RESOURCE_EXHAUSTED (not 400 / INVALID_ARGUMENT)
 * while the pipeline refuses, and the receive counters stay at zero.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { ServerCredentials, status as grpcStatus, type Server as GrpcServer } from '@grpc/grpc-js';
import { StorageExporter } from '../../src/collector/exporters/storage-exporter.js';
import { AdmissionTicket } from '../../src/collector/pipeline/admission-ticket.js';
import { CONSUME_SUCCESS, type ConsumeResult, type SpanConsumer } from '../../src/collector/pipeline/consume-result.js';
import { overloaded } from '../../src/collector/pipeline/consume-status.js';
import { TracePipeline } from '../../src/collector/pipeline/trace-pipeline.js';
import { InFlightBytes } from '../../src/collector/receivers/in-flight-bytes.js';
import { createOtlpGrpcServer } from '../../src/collector/receivers/otlp-grpc-receiver.js';
import { createOtlpHttpHandler } from '../../src/collector/receivers/otlp-http-receiver.js';
import { admitRequest } from '../../src/collector/receivers/request-admission.js';
import { createZipkinHandler } from '../../src/collector/receivers/zipkin-receiver.js';
import { encodeOtlpProtoTraces } from '../../src/model/otlp-proto-encode.js';
import type { Span } from '../../src/model/span.js';
import type { TraceStore } from '../../src/storage/trace-store.js';
import { SkeinMetrics } from '../../src/telemetry/skein-metrics.js';
import { createPipelineStep } from '../support/build-step.js';
import { grpcFrame, rawGrpcCall } from '../support/raw-grpc.js';
import { makeSpan } from '../support/span-factory.js';

const spans = (n: number): Span[] => Array.from({ length: n }, () => makeSpan());

test('a ticket settles once, running every hold with the items handed over; a hold after settling runs at once', () => {
  const ticket = new AdmissionTicket(1000);
  const seen: Array<number | undefined> = [];
  ticket.hold((items) => seen.push(items));
  ticket.hold((items) => seen.push(items));
  ticket.settle(7);
  ticket.settle(3);
  ticket.settle();
  assert.deepEqual([...seen], [7, 7]);
  ticket.hold((items) => seen.push(items));
  assert.deepEqual(seen, [7, 7, undefined]);
});

test('admitRequest: declared bytes are reserved at the headers; past the budget, or when the pipeline refuses, nothing is held', () => {
  const budget = new InFlightBytes(100, 'otlp');
  let asked = 0;
  let refusing = false;
  const pipeline = {
    admission: (): ConsumeResult | undefined => {
      asked++;
      return refusing ? overloaded('queue is long', 1000) : undefined;
    },
  };
  const first = admitRequest(pipeline, budget, 80);
  assert.ok(first.admitted);
  assert.equal(budget.used, 80, 'the declared bytes are in the budget before a byte is read');
  const second = admitRequest(pipeline, budget, 30);
  assert.ok(!second.admitted && second.refusal.outcome === 'retryable');
  assert.match(second.refusal.message, /too many request bytes in flight/);
  assert.equal(asked, 1, 'refused by the budget: the pipeline is not asked');
  assert.equal(admitRequest(pipeline, budget, 20).admitted, true, 'exactly at the limit');
  assert.equal(admitRequest(pipeline, budget, undefined).admitted, false, 'size unknown (gRPC metadata): refused once the budget is spent');

  first.reservation!.release();
  refusing = true;
  let settledWith: number | undefined | 'open' = 'open';
  const refused = admitRequest(
    { admission: (request) => (request?.hold((items) => (settledWith = items)), pipeline.admission()) },
    budget,
    50,
  );
  assert.ok(!refused.admitted);
  assert.equal(settledWith, undefined, "a refused request's ticket is settled: no consumer keeps counting it");
  assert.equal(budget.used, 20, "a refused request's bytes are back in the budget");
});

test("the default pipeline's processors pass a request's admission on to the exporter", async () => {
  let asked: AdmissionTicket | undefined;
  const exporter: SpanConsumer = {
    consume: () => Promise.resolve(CONSUME_SUCCESS),
    admission: (request) => {
      asked = request as AdmissionTicket | undefined;
      return overloaded('the exporter refuses', 1000);
    },
  };
  // The default traces pipeline (cli/config.ts): memory_limiter, redaction, then metrics_tap,
  // which the config loader places before storage. A stage that does not pass admission on makes
  // every header-time refusal a refusal after decoding.
  const steps = [
    createPipelineStep('memory_limiter', { check_interval: '1s', limit_mib: 1_000_000 }),
    createPipelineStep('redaction', {}),
    createPipelineStep('metrics_tap', {}),
  ];
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const pipeline = new TracePipeline([exporter], steps, { metrics: new SkeinMetrics(), logger, stateDir: undefined });
  try {
    const ticket = new AdmissionTicket(100);
    assert.equal(pipeline.admission(ticket)?.outcome, 'retryable');
    assert.equal(asked, ticket);
  } finally {
    await pipeline.shutdown();
  }
});

class GatedStore {
  private gates: Array<() => void> = [];
  writeSpans(): Promise<void> {
    return new Promise((resolve) => this.gates.push(resolve));
  }
  releaseAll(): void {
    for (const open of this.gates.splice(0)) open();
  }
}

test('storage queue: a request admitted at its headers counts as arriving work until it settles', async () => {
  const store = new GatedStore();
  const exporter = new StorageExporter(store as unknown as TraceStore, {
    maxBatchSpans: 100_000,
    maxQueuedSpans: 1_000_000,
    maxConcurrentWrites: 1,
    retryAfterMillis: 500,
    maxQueueWaitMillis: 200,
  });
  // Learn the insert cost: 100 spans in at least 50 ms, so at least 0.5 ms a span.
  const first = exporter.consume(spans(100));
  await new Promise((resolve) => setTimeout(resolve, 50));
  store.releaseAll();
  assert.equal((await first).outcome, 'success');
  // Learn request sizes: an admitted request of 1,000 declared bytes handed over 600 spans.
  const learned = new AdmissionTicket(1000);
  assert.equal(exporter.admission(learned), undefined);
  learned.settle(600);

  const arriving = new AdmissionTicket(1000);
  assert.equal(exporter.admission(arriving), undefined, 'nothing queued or arriving: admitted');
  // The queue is empty, but 600 estimated spans (>= 300 ms of inserts) are on their way.
  const next = exporter.admission(new AdmissionTicket(1000));
  assert.ok(next?.outcome === 'retryable' && next.reason === 'overloaded', JSON.stringify(next));
  assert.match(next.message, /predicted to be \d+ ms/);
  assert.notEqual(exporter.admission(), undefined, 'consume() sees the arriving work too');

  arriving.settle(); // abandoned (a decode error, a closed connection): no longer counted
  assert.equal(exporter.admission(new AdmissionTicket(1000)), undefined);
  await exporter.shutdown();
});

/** A pipeline whose admission refuses while `refusing`, counting what reaches it. */
class SwitchablePipeline implements SpanConsumer {
  refusing = true;
  consumed = 0;
  consume(input: Span[]): Promise<ConsumeResult> {
    this.consumed += input.length;
    return Promise.resolve(CONSUME_SUCCESS);
  }
  admission(): ConsumeResult | undefined {
    return this.refusing ? overloaded('storage cannot start this write within 2000 ms (test)', 1500) : undefined;
  }
}

describe('receivers refuse on the headers, before reading, decompressing or decoding the body', () => {
  const pipeline = new SwitchablePipeline();
  const metrics = new SkeinMetrics();
  const logger = { warn: () => undefined };
  let http: Server;
  let zipkin: Server;
  let grpc: GrpcServer;
  let httpUrl = '';
  let zipkinUrl = '';
  let grpcPort = 0;
  const notGzip = Buffer.alloc(2 * 1024 * 1024, 'certainly not gzip ');

  before(async () => {
    const inFlightBytes = new InFlightBytes(64 * 1024 * 1024, 'otlp', metrics);
    http = createServer(createOtlpHttpHandler(pipeline, { maxRequestBodyBytes: 8 * 1024 * 1024, inFlightBytes, metrics }, logger));
    zipkin = createServer(createZipkinHandler(pipeline, { maxRequestBodyBytes: 8 * 1024 * 1024, inFlightBytes, metrics }, logger));
    for (const server of [http, zipkin]) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    httpUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}/v1/traces`;
    zipkinUrl = `http://127.0.0.1:${(zipkin.address() as { port: number }).port}/api/v2/spans`;
    grpc = createOtlpGrpcServer(pipeline, { maxReceiveMessageBytes: 8 * 1024 * 1024, inFlightBytes, metrics }, logger);
    grpcPort = await new Promise<number>((resolve, reject) =>
      grpc.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
  });
  after(async () => {
    for (const server of [http, zipkin]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await new Promise<void>((resolve) => grpc.tryShutdown(() => resolve()));
  });

  const post = (url: string, body: Buffer, contentType: string): Promise<Response> =>
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': contentType, 'Content-Encoding': 'gzip' },
      body,
      signal: AbortSignal.timeout(10_000),
    });

  test('OTLP/HTTP and Zipkin: 429 + Retry-After for a body that is not gzip; 400 once admitted', async () => {
    pipeline.refusing = true;
    const refused = await post(httpUrl, notGzip, 'application/x-protobuf');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '2');
    const refusedZipkin = await post(zipkinUrl, notGzip, 'application/json');
    assert.equal(refusedZipkin.status, 429);
    assert.match(await refusedZipkin.text(), /storage cannot start this write/);
    // The connection stays usable: the unread body was drained, not parsed.
    const again = await post(httpUrl, gzipSync(Buffer.from(encodeOtlpProtoTraces(spans(3)))), 'application/x-protobuf');
    assert.equal(again.status, 429);

    pipeline.refusing = false;
    const decoded = await post(httpUrl, notGzip, 'application/x-protobuf');
    assert.equal(decoded.status, 400, 'admitted, the same body is decompressed and fails');
    // A google.rpc.Status in protobuf (the request's encoding): its message is plain text inside.
    assert.match(Buffer.from(await decoded.arrayBuffer()).toString('latin1'), /could not decompress/);
    assert.equal((await post(zipkinUrl, notGzip, 'application/json')).status, 400);
  });

  test('OTLP/gRPC: RESOURCE_EXHAUSTED at the metadata for a message that is not gzip; INVALID_ARGUMENT once admitted', async () => {
    const call = (): ReturnType<typeof rawGrpcCall> =>
      rawGrpcCall(grpcPort, grpcFrame(notGzip, true), { headers: { 'grpc-encoding': 'gzip' }, timeoutMillis: 10_000 });
    pipeline.refusing = true;
    const refused = await call();
    assert.equal(refused.status, grpcStatus.RESOURCE_EXHAUSTED, refused.message);
    assert.match(refused.message, /storage cannot start this write/);
    pipeline.refusing = false;
    const decoded = await call();
    assert.equal(decoded.status, grpcStatus.INVALID_ARGUMENT, decoded.message);
    assert.match(decoded.message, /cannot decompress/);
  });

  test('nothing refused was received, decoded or handed on; every admitted byte is back in the budget', async () => {
    pipeline.refusing = false;
    assert.equal((await post(httpUrl, gzipSync(Buffer.from(encodeOtlpProtoTraces(spans(3)))), 'application/x-protobuf')).status, 200);
    assert.equal(pipeline.consumed, 3, 'only the admitted valid request reached the pipeline');
    assert.match(await metrics.registry.getSingleMetricAsString('skein_receiver_received_spans_total'), /} 3$/m);
    const refusals = await metrics.registry.getSingleMetricAsString('skein_receiver_refused_requests_total');
    assert.match(refusals, /receiver="otlp",transport="http",reason="overloaded"} 2/);
    assert.match(refusals, /receiver="otlp",transport="grpc",reason="overloaded"} 1/);
    assert.match(refusals, /receiver="zipkin",transport="http",reason="overloaded"} 1/);
    assert.match(await metrics.registry.getSingleMetricAsString('skein_receiver_in_flight_bytes'), /} 0$/m);
  });
});
