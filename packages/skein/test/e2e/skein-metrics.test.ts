/** Skein's own metrics on the metrics port: counters after good and bad requests (issue 4, item 6). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { encodeOtlpProtoTraces } from '../../src/model/otlp-proto-encode.js';
import { DROP_REASONS, REFUSAL_REASONS } from '../../src/telemetry/skein-metrics.js';
import { eventually, getJson, removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Sample lines (`name{labels} value`) of a Prometheus text exposition, keyed by name+labels. */
function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

function grpcExport(client: Client, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      EXPORT_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      new Metadata(),
      {},
      (error) => (error ? reject(error) : resolve()),
    ),
  );
}

describe('Skein metrics endpoint', () => {
  let skein: SkeinProcess;
  before(async () => {
    skein = await startSkein({
      args: [
        '--config',
        writeConfig(
          'receivers:\n  otlp:\n    protocols:\n      grpc: {}\n      http:\n        max_request_body_size: 65536\n' +
            'processors:\n  batch:\n    timeout: 10ms\n  filter/drop-health:\n    spans:\n      exclude:\n        match_type: strict\n        span_names: [health]\n' +
            'service:\n  pipelines:\n    traces:\n      processors: [filter/drop-health, batch]\n',
        ),
      ],
    });
    assert.ok(skein.ports.metrics > 0);
  });
  after(async () => {
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  test('counts received, accepted, refused (by fixed reason), dropped, exported and stored spans', async () => {
    const traceId = randomTraceId();
    const json = (spans: unknown[]): Promise<Response> =>
      fetch(skein.otlpHttpUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(spans) });

    // OTLP/HTTP: 2 valid, 1 invalid (partial success), 1 filtered out.
    const mixed = await json(
      encodeOtlpJsonTraces([
        makeSpan({ traceId, name: 'a' }),
        makeSpan({ traceId, name: 'b' }),
        makeSpan({ traceId: '0'.repeat(32), name: 'bad' }),
        makeSpan({ traceId, name: 'health' }),
      ]) as unknown as unknown[],
    );
    assert.equal(mixed.status, 200);
    // Undecodable and oversized requests.
    const garbage = await fetch(skein.otlpHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf' },
      body: Buffer.from([0x0a, 0xff, 0xff, 0xff]),
    });
    assert.equal(garbage.status, 400);
    const huge = await fetch(skein.otlpHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: 'x'.repeat(100_000),
    });
    assert.equal(huge.status, 413);
    // OTLP/gRPC: one span.
    const client = new Client(`127.0.0.1:${skein.ports.otlpGrpc}`, credentials.createInsecure());
    try {
      await grpcExport(client, Buffer.from(encodeOtlpProtoTraces([makeSpan({ traceId, name: 'grpc' })])));
    } finally {
      client.close();
    }
    // Zipkin: one span.
    const zipkin = await fetch(`${skein.zipkinUrl}/api/v2/spans`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([
        {
          traceId,
          id: randomSpanId(),
          name: 'zipkin',
          timestamp: Date.now() * 1000 - 5_000_000,
          duration: 1000,
          localEndpoint: { serviceName: 'z' },
        },
      ]),
    });
    assert.equal(zipkin.status, 202);
    await eventually(async () => {
      const { body } = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}`);
      return body.spans?.length === 4 ? true : undefined;
    });

    const response = await fetch(skein.metricsUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const samples = parseSamples(text);
    const value = (key: string): number | undefined => samples.get(key);

    assert.equal(value('skein_receiver_received_spans_total{receiver="otlp",transport="http"}'), 4);
    assert.equal(value('skein_receiver_accepted_spans_total{receiver="otlp",transport="http"}'), 3, 'the filtered span counts as accepted');
    assert.equal(value('skein_receiver_refused_spans_total{receiver="otlp",transport="http",reason="invalid_span"}'), 1);
    assert.equal(value('skein_receiver_refused_requests_total{receiver="otlp",transport="http",reason="decode_error"}'), 1);
    assert.equal(value('skein_receiver_refused_requests_total{receiver="otlp",transport="http",reason="too_large"}'), 1);
    assert.equal(value('skein_receiver_accepted_spans_total{receiver="otlp",transport="grpc"}'), 1);
    assert.equal(value('skein_receiver_accepted_spans_total{receiver="zipkin",transport="http"}'), 1);
    assert.equal(value('skein_processor_dropped_spans_total{processor="filter/drop-health",reason="filtered"}'), 1);
    assert.equal(value('skein_processor_incoming_spans_total{processor="batch"}'), 4);
    assert.equal(value('skein_exporter_sent_spans_total{exporter="storage"}'), 4);
    assert.equal(value('skein_queue_capacity_spans{queue="storage"}'), 200_000);
    assert.equal(value('skein_queue_spans{queue="storage"}'), 0);
    assert.equal(value('skein_queue_spans{queue="batch"}'), 0);
    assert.equal(value('skein_receiver_in_flight_bytes{receiver="otlp"}'), 0, 'every reservation was released');
    assert.equal(value('skein_storage_write_spans_sum'), 4);
    assert.ok((value('skein_storage_write_duration_seconds_count{outcome="success"}') ?? 0) >= 1);
    assert.ok((value('skein_process_resident_memory_bytes') ?? 0) > 10 * 1024 * 1024, 'Node process metrics, prefixed skein_');
    assert.ok(samples.has('skein_nodejs_eventloop_lag_seconds'));

    // Fixed names and label values only; the metrics tap's series (issue 12) are labelled by span data.
    for (const [key] of samples) assert.match(key, /^(skein_|traces_(span_metrics|service_graph)_)/, key);
    for (const [key] of samples) {
      const reason = /reason="([^"]*)"/.exec(key)?.[1];
      if (reason === undefined) continue;
      const allowed: readonly string[] = key.startsWith('skein_processor_dropped') ? DROP_REASONS : REFUSAL_REASONS;
      assert.ok(allowed.includes(reason), `${key}: reason "${reason}" is not one of the fixed reasons`);
    }
  });

  test('only /metrics is served', async () => {
    const other = await fetch(skein.metricsUrl.replace('/metrics', '/other'));
    assert.equal(other.status, 404);
    const post = await fetch(skein.metricsUrl, { method: 'POST' });
    assert.equal(post.status, 405);
  });
});
