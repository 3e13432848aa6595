/**
 * The OTLP exporter: when a caller hears success, retries with backoff that honour the server's
 * hints, the bounded queue, final refusals, partial success. Most tests script the transport
 * (the behaviour under test is what waits for what); the protocol tests send through the real
 * HTTP and gRPC clients to Skein's own receivers, in-process, so the Retry-After header and the
 * RetryInfo trailer are the real thing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerCredentials, type Server as GrpcServer } from '@grpc/grpc-js';
import { OtlpExporter, type SendingQueueOptions } from '../../src/collector/exporters/otlp-exporter.js';
import { OtlpGrpcTransport } from '../../src/collector/exporters/otlp-grpc-transport.js';
import { OtlpHttpTransport } from '../../src/collector/exporters/otlp-http-transport.js';
import type { OtlpTransport } from '../../src/collector/exporters/otlp-transport.js';
import { DEFAULT_RETRY_POLICY, retryDelayMillis, type RetryPolicy } from '../../src/collector/pipeline/retry-policy.js';
import type { ConsumeResult, SpanConsumer } from '../../src/collector/pipeline/consume-result.js';
import { createOtlpGrpcServer } from '../../src/collector/receivers/otlp-grpc-receiver.js';
import { createOtlpHttpHandler } from '../../src/collector/receivers/otlp-http-receiver.js';
import { GrpcCode } from '../../src/collector/pipeline/consume-status.js';
import { encodeRpcStatus } from '../../src/collector/receivers/rpc-status.js';
import type { Span } from '../../src/model/span.js';
import { SkeinMetrics } from '../../src/telemetry/skein-metrics.js';
import { makeSpan } from '../support/span-factory.js';
import { ScriptedTransport, silentLogger, until } from './scripted-transport.js';

const FAST_RETRY: RetryPolicy = {
  enabled: true,
  initialIntervalMillis: 10,
  randomizationFactor: 0,
  multiplier: 2,
  maxIntervalMillis: 200,
  maxElapsedMillis: 10_000,
};
const QUEUE: SendingQueueOptions = { enabled: true, numConsumers: 2, queueSize: 100, sizer: 'requests' };
const spans = (n: number): Span[] => Array.from({ length: n }, () => makeSpan());

function exporterWith(
  transport: OtlpTransport,
  options: { retry?: Partial<RetryPolicy>; queue?: Partial<SendingQueueOptions>; metrics?: SkeinMetrics } = {},
): OtlpExporter {
  return new OtlpExporter(
    'otlp/test',
    transport,
    { ...FAST_RETRY, ...options.retry },
    { ...QUEUE, ...options.queue },
    { metrics: options.metrics, logger: silentLogger },
  );
}

async function counter(metrics: SkeinMetrics, name: string, exporter = 'otlp/test'): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values.find((value) => value.labels['exporter'] === exporter)?.value ?? 0;
}

/** A pipeline stand-in for the receiving side: answers from a script, records what it took. */
class ScriptedConsumer implements SpanConsumer {
  readonly script: ConsumeResult[] = [];
  readonly calls: Array<{ at: number; spans: number }> = [];
  consume(batch: Span[]): Promise<ConsumeResult> {
    this.calls.push({ at: Date.now(), spans: batch.length });
    return Promise.resolve(this.script.shift() ?? { outcome: 'success' });
  }
}

async function httpReceiver(consumer: SpanConsumer): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(createOtlpHttpHandler(consumer, { maxRequestBodyBytes: 64 << 20 }, silentLogger));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function grpcReceiver(consumer: SpanConsumer): Promise<{ endpoint: string; close(): void }> {
  const server: GrpcServer = createOtlpGrpcServer(consumer, { maxReceiveMessageBytes: 64 << 20 }, silentLogger);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { endpoint: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

test('backoff grows by the multiplier up to max_interval, and a server hint is a floor', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, initialIntervalMillis: 100, multiplier: 2, maxIntervalMillis: 1_000, randomizationFactor: 0 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((attempt) => retryDelayMillis(policy, attempt)),
    [100, 200, 400, 800, 1_000, 1_000],
  );
  assert.equal(retryDelayMillis(policy, 0, 3_000), 3_000, 'Retry-After longer than the backoff wins');
  assert.equal(retryDelayMillis(policy, 3, 10), 800, 'a shorter hint does not shorten the backoff');
  const jittered = { ...policy, randomizationFactor: 0.5 };
  const delays = [retryDelayMillis(jittered, 1, undefined, () => 0), retryDelayMillis(jittered, 1, undefined, () => 0.999999)];
  assert.deepEqual(delays, [100, 300]);
});

test('in memory, the caller hears success only once the destination acknowledged', async () => {
  const transport = new ScriptedTransport();
  transport.hold();
  const exporter = exporterWith(transport);
  await exporter.start();
  let answered = false;
  const result = exporter.consume(spans(3)).then((r) => ((answered = true), r));
  await until(() => transport.heldSends === 1, 2_000, 'the send');
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(answered, false);
  transport.release();
  assert.deepEqual(await result, { outcome: 'success' });
  await exporter.shutdown();
});

test('OTLP/HTTP: a 429 with Retry-After is retried no sooner than the server asked, then delivered', async () => {
  const consumer = new ScriptedConsumer();
  consumer.script.push({ outcome: 'retryable', reason: 'overloaded', message: 'queue full', retryAfterMillis: 1_000 });
  const receiver = await httpReceiver(consumer);
  const metrics = new SkeinMetrics();
  const exporter = exporterWith(
    new OtlpHttpTransport({ url: receiver.url, encoding: 'proto', compression: 'gzip', headers: {}, timeoutMillis: 2_000, maxSockets: 2 }),
    { metrics },
  );
  await exporter.start();
  try {
    assert.deepEqual(await exporter.consume(spans(4)), { outcome: 'success' });
    assert.equal(consumer.calls.length, 2);
    const waited = consumer.calls[1]!.at - consumer.calls[0]!.at;
    assert.ok(waited >= 950, `retried after ${waited} ms although the server said Retry-After: 1`);
    assert.equal(await counter(metrics, 'skein_exporter_sent_spans_total'), 4);
    assert.equal(await counter(metrics, 'skein_exporter_send_failed_spans_total'), 4, 'the refused attempt is counted');
  } finally {
    await exporter.shutdown();
    await receiver.close();
  }
});

test('OTLP/gRPC: UNAVAILABLE and RESOURCE_EXHAUSTED with RetryInfo are retried after the hinted delay', async () => {
  const consumer = new ScriptedConsumer();
  consumer.script.push(
    { outcome: 'retryable', reason: 'unavailable', message: 'storage down', retryAfterMillis: 400 },
    { outcome: 'retryable', reason: 'overloaded', message: 'queue full', retryAfterMillis: 600 },
  );
  const receiver = await grpcReceiver(consumer);
  const exporter = exporterWith(
    new OtlpGrpcTransport({
      endpoint: receiver.endpoint,
      insecure: true,
      compression: 'gzip',
      headers: { 'x-tenant': 'a' },
      timeoutMillis: 2_000,
    }),
  );
  await exporter.start();
  try {
    assert.deepEqual(await exporter.consume(spans(2)), { outcome: 'success' });
    const [first, second, third] = consumer.calls;
    assert.equal(consumer.calls.length, 3);
    assert.ok(second!.at - first!.at >= 380, `UNAVAILABLE retried after ${second!.at - first!.at} ms, RetryInfo said 400`);
    assert.ok(third!.at - second!.at >= 580, `RESOURCE_EXHAUSTED retried after ${third!.at - second!.at} ms, RetryInfo said 600`);
  } finally {
    await exporter.shutdown();
    receiver.close();
  }
});

test('a final refusal (400) fails at once with the destination’s message; 500 is final too', async () => {
  let status = 400;
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'Content-Type': 'application/x-protobuf' });
      response.end(encodeRpcStatus({ code: GrpcCode.INVALID_ARGUMENT, message: 'span 3: trace_id must be 16 bytes' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  const exporter = exporterWith(
    new OtlpHttpTransport({ url, encoding: 'proto', compression: 'none', headers: {}, timeoutMillis: 2_000, maxSockets: 1 }),
  );
  await exporter.start();
  try {
    const refused = await exporter.consume(spans(1));
    assert.equal(refused.outcome, 'failure');
    assert.match((refused as { message: string }).message, /HTTP 400: span 3: trace_id must be 16 bytes/);
    status = 500;
    assert.equal((await exporter.consume(spans(1))).outcome, 'failure');
    assert.equal(requests, 2, 'no retries of a final refusal');
  } finally {
    await exporter.shutdown();
    server.closeAllConnections();
    server.close();
  }
});

test('connection refused is retried; past max_elapsed_time the caller is told to retry (429 if throttled)', async () => {
  const refused = exporterWith(
    new OtlpHttpTransport({
      url: 'http://127.0.0.1:1/v1/traces',
      encoding: 'proto',
      compression: 'none',
      headers: {},
      timeoutMillis: 500,
      maxSockets: 1,
    }),
    { retry: { maxElapsedMillis: 150 } },
  );
  await refused.start();
  const started = Date.now();
  const result = await refused.consume(spans(1));
  assert.equal(result.outcome, 'retryable');
  assert.equal((result as { reason: string }).reason, 'unavailable');
  assert.match((result as { message: string }).message, /ECONNREFUSED/);
  assert.ok(Date.now() - started >= 50, 'it retried before giving up');
  await refused.shutdown();

  const throttling = new ScriptedTransport();
  throttling.whenEmpty = { kind: 'retry', throttled: true, message: 'HTTP 429', retryAfterMillis: 30 };
  const exporter = exporterWith(throttling, { retry: { maxElapsedMillis: 100 } });
  await exporter.start();
  const throttled = await exporter.consume(spans(1));
  assert.equal(throttled.outcome, 'retryable');
  assert.equal((throttled as { reason: string }).reason, 'overloaded');
  assert.ok(throttling.sends.length >= 2 && throttling.sends.length <= 5, `${throttling.sends.length} attempts in 100 ms`);
  await exporter.shutdown();
});

test('retry_on_failure disabled: the first retryable error goes straight back to the caller', async () => {
  const transport = new ScriptedTransport();
  transport.script.push({ kind: 'retry', throttled: false, message: 'HTTP 503', retryAfterMillis: 2_000 });
  const exporter = exporterWith(transport, { retry: { enabled: false } });
  await exporter.start();
  const result = await exporter.consume(spans(1));
  assert.equal(result.outcome, 'retryable');
  assert.equal((result as { retryAfterMillis: number }).retryAfterMillis, 2_000, 'the server hint is passed upstream');
  assert.equal(transport.sends.length, 1);
  await exporter.shutdown();
});

test('the queue is bounded: past queue_size batches (or spans) callers get overloaded, not a bigger heap', async () => {
  const transport = new ScriptedTransport();
  transport.hold();
  const metrics = new SkeinMetrics();
  const exporter = exporterWith(transport, { queue: { numConsumers: 1, queueSize: 2 }, metrics });
  await exporter.start();
  const first = exporter.consume(spans(5));
  const second = exporter.consume(spans(5));
  const third = await exporter.consume(spans(5));
  assert.equal(third.outcome, 'retryable');
  assert.equal((third as { reason: string }).reason, 'overloaded');
  assert.match((third as { message: string }).message, /sending queue is full \(2 of 2 batches\)/);
  const gauge = (await metrics.registry.getSingleMetric('skein_queue_spans')!.get()).values;
  assert.deepEqual(
    gauge.map((value) => [value.labels['queue'], value.value]),
    [['exporter/otlp/test', 10]],
  );
  transport.release();
  assert.equal((await first).outcome, 'success');
  assert.equal((await second).outcome, 'success');
  assert.equal(exporter.stats().queuedSpans, 0);
  await exporter.shutdown();

  const items = new ScriptedTransport();
  items.hold();
  const byItems = exporterWith(items, { queue: { numConsumers: 1, queueSize: 8, sizer: 'items' } });
  await byItems.start();
  const big = byItems.consume(spans(20));
  assert.equal((await byItems.consume(spans(1))).outcome, 'retryable', 'the queue holds 20 of 8 spans already');
  items.release();
  assert.equal((await big).outcome, 'success', 'one batch bigger than the queue still passes an empty queue');
  await byItems.shutdown();
});

test('partial success counts the rejected spans as failed and the rest as sent', async () => {
  const transport = new ScriptedTransport();
  transport.script.push({ kind: 'accepted', rejectedSpans: 2, errorMessage: '2 spans had no name' });
  const metrics = new SkeinMetrics();
  const exporter = exporterWith(transport, { metrics });
  await exporter.start();
  assert.deepEqual(await exporter.consume(spans(5)), { outcome: 'success' });
  assert.equal(await counter(metrics, 'skein_exporter_sent_spans_total'), 3);
  assert.equal(await counter(metrics, 'skein_exporter_send_failed_spans_total'), 2);
  await exporter.shutdown();
});

test('shutdown answers waiting callers "unavailable" and cuts a backoff short', async () => {
  const transport = new ScriptedTransport();
  transport.whenEmpty = { kind: 'retry', throttled: false, message: 'HTTP 503' };
  const exporter = exporterWith(transport, { retry: { initialIntervalMillis: 60_000, maxIntervalMillis: 60_000, maxElapsedMillis: 0 } });
  await exporter.start();
  const pending = exporter.consume(spans(1));
  await until(() => transport.sends.length === 1, 2_000, 'the first attempt');
  const started = Date.now();
  await exporter.shutdown();
  const result = await pending;
  assert.equal(result.outcome, 'retryable');
  assert.match((result as { message: string }).message, /shutting down/);
  assert.ok(Date.now() - started < 1_000);
  assert.equal((await exporter.consume(spans(1))).outcome, 'retryable');
});
