/**
 * memory_limiter through the real CLI: above the soft limit every receiver refuses with the retry
 * hint its protocol defines, nothing is stored, and the refusals are counted (issue 4, item 2).
 * The limit is set below any Node.js process's resident memory, so refusal is deterministic; the
 * behaviour under real overload is measured by bench/memory-limiter-bench.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, credentials, Metadata, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { encodeOtlpProtoTraces } from '../../src/model/otlp-proto-encode.js';
import { getJson, removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

describe('memory_limiter above its soft limit', () => {
  let skein: SkeinProcess;
  before(async () => {
    skein = await startSkein({
      args: [
        '--config',
        writeConfig(
          'processors:\n  memory_limiter:\n    check_interval: 50ms\n    limit_mib: 10\n    spike_limit_mib: 2\n' +
            'service:\n  pipelines:\n    traces:\n      processors: [memory_limiter, redaction]\n',
        ),
      ],
    });
  });
  after(async () => {
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  test('refuses OTLP/HTTP with 429 + Retry-After + RetryInfo, OTLP/gRPC with RESOURCE_EXHAUSTED, Zipkin with 429', async () => {
    assert.ok(
      skein.logs.some((line) => /memory_limiter: refusing data while resident memory is above 8 MiB \(hard limit 10 MiB/.test(line)),
      'start-up states the limits',
    );
    const traceId = randomTraceId();
    const http = await fetch(skein.otlpHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(encodeOtlpJsonTraces([makeSpan({ traceId }), makeSpan({ traceId })])),
    });
    assert.equal(http.status, 429);
    assert.equal(http.headers.get('retry-after'), '1');
    const status = (await http.json()) as { code: number; message: string; details: Array<{ '@type': string }> };
    assert.equal(status.code, 8);
    assert.match(status.message, /memory usage \d+ MiB is above the soft limit of 8 MiB \(memory_limiter\)/);
    assert.equal(status.details[0]?.['@type'], 'type.googleapis.com/google.rpc.RetryInfo');

    const client = new Client(`127.0.0.1:${skein.ports.otlpGrpc}`, credentials.createInsecure());
    const error = await new Promise<ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        EXPORT_PATH,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from(encodeOtlpProtoTraces([makeSpan({ traceId })])),
        new Metadata(),
        {},
        (e) => resolve(e),
      ),
    );
    client.close();
    assert.equal(error?.code, grpcStatus.RESOURCE_EXHAUSTED);
    const details = error!.metadata.get('grpc-status-details-bin')[0];
    assert.ok(Buffer.isBuffer(details) && details.includes(Buffer.from('type.googleapis.com/google.rpc.RetryInfo')));

    const zipkin = await fetch(`${skein.zipkinUrl}/api/v2/spans`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([
        { traceId, id: randomSpanId(), name: 'z', timestamp: Date.now() * 1000, duration: 10, localEndpoint: { serviceName: 'z' } },
      ]),
    });
    assert.equal(zipkin.status, 429);
    assert.equal(zipkin.headers.get('retry-after'), '1');

    assert.equal((await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}`)).status, 404, 'nothing refused was stored');
    const metrics = await (await fetch(skein.metricsUrl)).text();
    // Refused before the body is read or decoded (issue 20: refused data costs no decoding), so the
    // requests are counted, and their spans, never decoded, are not.
    assert.match(metrics, /skein_receiver_refused_requests_total\{receiver="otlp",transport="http",reason="overloaded"\} 1\n/);
    assert.match(metrics, /skein_receiver_refused_requests_total\{receiver="otlp",transport="grpc",reason="overloaded"\} 1\n/);
    assert.match(metrics, /skein_receiver_refused_requests_total\{receiver="zipkin",transport="http",reason="overloaded"\} 1\n/);
    assert.doesNotMatch(metrics, /skein_receiver_refused_spans_total\{[^}]*reason="overloaded"\} [1-9]/);
    assert.match(metrics, /skein_memory_limiter_refusing\{processor="memory_limiter"\} 1\n/);
    assert.doesNotMatch(metrics, /skein_receiver_accepted_spans_total\{[^}]*\} [1-9]/);
  });
});
