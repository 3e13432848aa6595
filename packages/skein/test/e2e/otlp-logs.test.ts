/**
 * Logs beside the spans that caused them (issue 17), end to end on every storage engine: the
 * official OpenTelemetry JS logs SDK emits records inside spans through each OTLP transport
 * (HTTP protobuf gzip, HTTP JSON, gRPC); the trace logs API returns each on the span it was
 * emitted in, with every field exactly as the SDK serialised it (its own ProtobufLogsSerializer,
 * not what we think it sent); log search finds them; bad log payloads get the precise 4xx /
 * INVALID_ARGUMENT and partial success that bad spans get.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { status as grpcStatus } from '@grpc/grpc-js';
import { context, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { LogRecord } from '../../src/model/log-record.js';
import { decodeOtlpJsonLogs } from '../../src/model/otlp-logs-json.js';
import { decodeOtlpProtoLogs } from '../../src/model/otlp-logs-proto.js';
import { grpcFrame, rawGrpcCall } from '../support/raw-grpc.js';
import { getJson, removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';
import { storageTargets } from '../support/storage-targets.js';

const LOGS_GRPC_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

interface LogService {
  provider: LoggerProvider;
  memory: InMemoryLogRecordExporter;
}

function logService(name: string, exporter: LogRecordExporter): LogService {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': name, 'service.version': '1.2.3' }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory }), new SimpleLogRecordProcessor({ exporter })],
  });
  return { provider, memory };
}

/** Records in a stable order, compared by value. */
function normalise(logs: readonly LogRecord[]): unknown[] {
  return [...logs]
    .map((log) => ({ ...log }))
    .sort((a, b) => (a.timeUnixNano < b.timeUnixNano ? -1 : a.timeUnixNano > b.timeUnixNano ? 1 : a.spanId.localeCompare(b.spanId)));
}

async function post(url: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text() };
}

for (const target of storageTargets()) {
  describe(`OTLP logs: OpenTelemetry JS logs SDK → Skein → trace logs API (${target.name})`, { skip: target.skip }, () => {
    let skein: SkeinProcess;
    let services: LogService[] = [];
    let traceId = '';
    const spanIds: string[] = [];
    let sent: LogRecord[] = [];
    let logsUrl = '';

    before(async () => {
      const storage = await target.start();
      skein = await startSkein({ args: storage.args });
      logsUrl = `http://127.0.0.1:${skein.ports.otlpHttp}/v1/logs`;
      services = [
        logService('frontend', new ProtoLogExporter({ url: logsUrl, compression: CompressionAlgorithm.GZIP })),
        logService('cart', new JsonLogExporter({ url: logsUrl })),
        logService('payment', new GrpcLogExporter({ url: `http://127.0.0.1:${skein.ports.otlpGrpc}` })),
      ];
      const tracer = new BasicTracerProvider().getTracer('e2e');
      const root = tracer.startSpan('GET /checkout');
      traceId = root.spanContext().traceId;
      const rootContext = trace.setSpan(context.active(), root);
      const child = tracer.startSpan('charge card', {}, rootContext);
      spanIds.push(root.spanContext().spanId, child.spanContext().spanId);
      const childContext = trace.setSpan(context.active(), child);
      const [frontend, cart, payment] = services.map((service) =>
        service.provider.getLogger(`${service === services[0] ? 'frontend' : 'app'}-logger`, '0.9.0'),
      );
      frontend!.emit({
        context: rootContext,
        severityNumber: SeverityNumber.INFO,
        severityText: 'INFO',
        body: 'checkout started',
        attributes: { 'user.tier': 'gold', items: 3 },
      });
      cart!.emit({
        context: rootContext,
        severityNumber: SeverityNumber.DEBUG2,
        body: { cart: 'c-1', lines: [1, 2], nested: { ok: true } },
        eventName: 'cart.snapshot',
      });
      payment!.emit({
        context: childContext,
        severityNumber: SeverityNumber.ERROR,
        severityText: 'ERROR',
        body: 'payment declined: card expired',
        attributes: { 'payment.id': 'pay-42', 'error.type': 'CardExpired', amount: 12.5 },
      });
      payment!.emit({ severityNumber: SeverityNumber.WARN, body: 'outside any span' });
      child.end();
      root.end();
      for (const service of services) await service.provider.forceFlush();
      // What the SDK itself serialises, decoded by our decoder: the expected records.
      sent = services.flatMap((service) =>
        decodeOtlpProtoLogs(ProtobufLogsSerializer.serializeRequest(service.memory.getFinishedLogRecords())!),
      );
      assert.equal(sent.length, 4);
    });

    after(async () => {
      for (const service of services) await service.provider.shutdown().catch(() => undefined);
      if (skein) {
        await skein.stop();
        removeDir(skein.dataDir);
      }
      await target.stop();
    });

    test('the trace logs API returns every record on its span with every field, native and OTLP JSON', async () => {
      const expected = sent.filter((log) => log.traceId === traceId);
      assert.equal(expected.length, 3);
      let native: { status: number; body: any } | undefined;
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        native = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}/logs`);
        if (native.status === 200 && native.body.logs.length === expected.length) break;
        await new Promise((done) => setTimeout(done, 200));
      }
      assert.equal(native?.status, 200, JSON.stringify(native?.body));
      assert.equal(native!.body.logs.length, expected.length);
      const otlp = await fetch(`${skein.queryUrl}/api/v1/traces/${traceId}/logs?format=otlp`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(otlp.status, 200);
      assert.deepStrictEqual(normalise(decodeOtlpJsonLogs(await otlp.text())), normalise(expected));

      const byBody = new Map<string, any>(native!.body.logs.map((log: any) => [JSON.stringify(log.body), log]));
      const error = byBody.get(JSON.stringify({ stringValue: 'payment declined: card expired' }));
      assert.equal(error.spanId, spanIds[1]);
      assert.equal(error.serviceName, 'payment');
      assert.equal(error.severityNumber, 17);
      assert.equal(error.severityName, 'ERROR');
      assert.match(error.logId, /^[0-9a-f]{16}$/);
      assert.equal(byBody.get(JSON.stringify({ stringValue: 'checkout started' })).spanId, spanIds[0]);
      const snapshot = native!.body.logs.find((log: any) => log.eventName === 'cart.snapshot');
      assert.equal(snapshot.spanId, spanIds[0]);
      assert.ok(snapshot.body.kvlistValue, 'a structured body stays a kvlist');
      assert.equal(
        native!.body.resources[snapshot.resourceIndex].attributes.find((a: any) => a.key === 'service.name').value.stringValue,
        'cart',
      );

      const ofSpan = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}/logs?spanId=${spanIds[1]}`);
      assert.deepEqual(
        ofSpan.body.logs.map((log: any) => log.body.stringValue),
        ['payment declined: card expired'],
      );

      // Per-span counts for the span rows: every record, by span, one aggregate.
      const counts = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}/logs/counts`);
      assert.equal(counts.status, 200, JSON.stringify(counts.body));
      const perSpan = new Map<string, number>();
      for (const log of expected) perSpan.set(log.spanId, (perSpan.get(log.spanId) ?? 0) + 1);
      assert.deepEqual(counts.body, {
        traceId,
        total: expected.length,
        spans: [...perSpan].sort(([a], [b]) => a.localeCompare(b)).map(([spanId, count]) => ({ spanId, count })),
      });
      assert.equal((await getJson(`${skein.queryUrl}/api/v1/traces/xyz/logs/counts`)).status, 400);
      assert.equal((await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}/logs/counts?limit=3`)).status, 400);
    });

    test('log search: service, severity, attribute, body text; a log outside any trace is searchable', async () => {
      const search = async (query: string): Promise<any[]> => {
        const { status, body } = await getJson(`${skein.queryUrl}/api/v1/logs?lookback=1h&${query}`);
        assert.equal(status, 200, JSON.stringify(body));
        return body.logs;
      };
      assert.deepEqual(
        (await search('service=payment&severity=error')).map((log) => log.body.stringValue),
        ['payment declined: card expired'],
      );
      assert.deepEqual(
        (await search('q=CARD%20EXPIRED')).map((log) => log.spanId),
        [spanIds[1]],
      );
      assert.deepEqual((await search('attr=payment.id%3Dpay-42')).length, 1);
      const untraced = await search('q=outside');
      assert.equal(untraced.length, 1);
      assert.equal(untraced[0].traceId, '');
      const bad = await getJson(`${skein.queryUrl}/api/v1/logs?severity=loud`);
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.body), /severity/);
      const badSpan = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}/logs?spanId=xyz`);
      assert.equal(badSpan.status, 400);
    });

    test('bad log payloads: precise 4xx and INVALID_ARGUMENT; invalid records are a partial success', async () => {
      const notJson = await post(logsUrl, '{"resourceLogs": [', { 'content-type': 'application/json' });
      assert.equal(notJson.status, 400);
      assert.match(notJson.text, /cannot decode OTLP JSON body: body is not valid JSON/);
      const wrongShape = await post(logsUrl, '{"resourceLogs": [{"scopeLogs": [{"logRecords": {"a": 1}}]}]}', {
        'content-type': 'application/json',
      });
      assert.equal(wrongShape.status, 400);
      assert.match(wrongShape.text, /resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords: expected an array/);
      const garbage = await post(logsUrl, Buffer.from([0xff, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' });
      assert.equal(garbage.status, 400);
      const notGzip = await post(logsUrl, 'nope', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      assert.equal(notGzip.status, 400);
      const typeless = await post(logsUrl, '{}', { 'content-type': 'text/plain' });
      assert.equal(typeless.status, 415);

      const partial = await post(
        logsUrl,
        gzipSync(
          JSON.stringify({
            resourceLogs: [
              {
                resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial' } }] },
                scopeLogs: [
                  {
                    logRecords: [
                      { timeUnixNano: '1700000000000000000', body: { stringValue: 'fine' } },
                      { traceId: '0af7651916cd43dd', body: { stringValue: 'short trace id' } },
                      { severityNumber: 99, body: { stringValue: 'no such severity' } },
                    ],
                  },
                ],
              },
            ],
          }),
        ),
        { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      );
      assert.equal(partial.status, 200, partial.text);
      const answer = JSON.parse(partial.text) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } };
      assert.equal(answer.partialSuccess.rejectedLogRecords, '2');
      assert.match(answer.partialSuccess.errorMessage, /log record 1: invalid trace ID "0af7651916cd43dd"/);
      assert.match(answer.partialSuccess.errorMessage, /log record 2: severityNumber 99 is not an OTLP SeverityNumber/);

      const grpcGarbage = await rawGrpcCall(skein.ports.otlpGrpc, grpcFrame(Buffer.from([0xff, 0xff, 0xff]), false), {
        path: LOGS_GRPC_PATH,
      });
      assert.equal(grpcGarbage.status, grpcStatus.INVALID_ARGUMENT, grpcGarbage.message);
      assert.match(grpcGarbage.message, /cannot decode ExportLogsServiceRequest/);
      const grpcEmpty = await rawGrpcCall(skein.ports.otlpGrpc, grpcFrame(Buffer.alloc(0), false), { path: LOGS_GRPC_PATH });
      assert.equal(grpcEmpty.status, grpcStatus.OK, grpcEmpty.message);
    });
  });
}
