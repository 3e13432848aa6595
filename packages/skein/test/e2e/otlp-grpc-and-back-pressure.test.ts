/** OTLP/gRPC refusal rules and back-pressure on both transports (issue 2, item 3). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, credentials, Metadata, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { encodeOtlpProtoTraces, decodeExportTraceServiceResponse } from '../../src/model/otlp-proto-encode.js';
import { getJson, removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { makeSpan, randomTraceId } from '../support/span-factory.js';

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

function exportRaw(client: Client, body: Buffer): Promise<{ response?: Buffer; error?: ServiceError }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      EXPORT_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      new Metadata(),
      {},
      (error, response) => resolve(error ? { error } : { response: response! }),
    );
  });
}

/** RetryInfo.retry_delay seconds from a google.rpc.Status in grpc-status-details-bin. */
function retryDelayPresent(error: ServiceError): boolean {
  const details = error.metadata.get('grpc-status-details-bin')[0];
  return Buffer.isBuffer(details) && details.includes(Buffer.from('type.googleapis.com/google.rpc.RetryInfo'));
}

describe('OTLP/gRPC receiver', () => {
  let skein: SkeinProcess;
  let client: Client;
  before(async () => {
    skein = await startSkein({
      args: [
        '--config',
        writeConfig('receivers:\n  otlp:\n    protocols:\n      grpc:\n        max_recv_msg_size_mib: 1\n      http: {}\n'),
      ],
    });
    client = new Client(`127.0.0.1:${skein.ports.otlpGrpc}`, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  test('stores valid spans, reports invalid ones in partial_success', async () => {
    const traceId = randomTraceId();
    const spans = [makeSpan({ traceId, name: 'ok' }), makeSpan({ traceId: '0'.repeat(32), name: 'bad' }), makeSpan({ traceId, name: '' })];
    const { response, error } = await exportRaw(client, Buffer.from(encodeOtlpProtoTraces(spans)));
    assert.equal(error, undefined);
    const partial = decodeExportTraceServiceResponse(response!);
    assert.equal(partial?.rejectedSpans, 2n);
    assert.match(partial!.errorMessage, /invalid trace ID/);
    assert.match(partial!.errorMessage, /name is empty/);
    const { body } = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}`);
    assert.deepEqual(
      body.spans.map((s: { name: string }) => s.name),
      ['ok'],
    );
  });

  test('INVALID_ARGUMENT naming the problem for an undecodable message', async () => {
    const { error } = await exportRaw(client, Buffer.from([0x0a, 0x05, 0x12, 0x7f]));
    assert.equal(error?.code, grpcStatus.INVALID_ARGUMENT);
    assert.match(error!.details, /cannot decode ExportTraceServiceRequest/);
  });

  test('RESOURCE_EXHAUSTED above the message size limit', async () => {
    const big = makeSpan({ attributes: [{ key: 'blob', value: 'x'.repeat(2 * 1024 * 1024) }] });
    const { error } = await exportRaw(client, Buffer.from(encodeOtlpProtoTraces([big])));
    assert.equal(error?.code, grpcStatus.RESOURCE_EXHAUSTED);
  });
});

describe('back-pressure: a full write queue answers 429 + Retry-After and RESOURCE_EXHAUSTED + RetryInfo', () => {
  let skein: SkeinProcess;
  before(async () => {
    skein = await startSkein({
      args: [
        '--config',
        writeConfig('exporters:\n  storage:\n    max_queued_spans: 1\n    max_concurrent_writes: 1\n    retry_after_millis: 2000\n'),
      ],
    });
  });
  after(async () => {
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  test('concurrent requests beyond the queue are refused with a retry hint, accepted ones are all stored', async () => {
    const requests = Array.from({ length: 40 }, () => Array.from({ length: 50 }, () => makeSpan()));
    const results = await Promise.all(
      requests.map(async (spans) => {
        const response = await fetch(skein.otlpHttpUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-protobuf' },
          body: Buffer.from(encodeOtlpProtoTraces(spans)),
        });
        await response.arrayBuffer();
        return { spans, status: response.status, retryAfter: response.headers.get('retry-after') };
      }),
    );
    const refused = results.filter((r) => r.status === 429);
    const accepted = results.filter((r) => r.status === 200);
    assert.ok(refused.length > 0, 'some requests must be refused');
    assert.ok(accepted.length > 0, 'some requests must be accepted');
    assert.equal(refused.length + accepted.length, results.length);
    for (const r of refused) assert.equal(r.retryAfter, '2');
    for (const { spans } of accepted) {
      for (const span of [spans[0]!, spans[spans.length - 1]!]) {
        assert.equal((await getJson(`${skein.queryUrl}/api/v1/traces/${span.traceId}`)).status, 200);
      }
    }

    const client = new Client(`127.0.0.1:${skein.ports.otlpGrpc}`, credentials.createInsecure());
    try {
      const grpcResults = await Promise.all(requests.map((spans) => exportRaw(client, Buffer.from(encodeOtlpProtoTraces(spans)))));
      const exhausted = grpcResults.filter((r) => r.error?.code === grpcStatus.RESOURCE_EXHAUSTED);
      assert.ok(exhausted.length > 0, 'some gRPC calls must be refused');
      for (const r of exhausted) assert.ok(retryDelayPresent(r.error!), 'RetryInfo detail present');
      assert.ok(grpcResults.every((r) => r.error === undefined || r.error.code === grpcStatus.RESOURCE_EXHAUSTED));
    } finally {
      client.close();
    }
  });
});
