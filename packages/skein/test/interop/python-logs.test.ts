/**
 * The official OpenTelemetry Python SDK's `logging` handler (pinned in python/requirements.txt)
 * sends log records emitted inside spans to a real Skein over OTLP/HTTP protobuf and OTLP/gRPC
 * (issue 17); the trace logs API must return each on the span it was emitted in, with every field
 * as the SDK held it. Needs `.ci/install-interop.sh` (skips locally without it, fails on CI).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getJson, removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';
import { interopSkip, PYTHON, PYTHON_CLIENT, requireClients, runClient, type TypedAttribute, type TypedValue } from './interop-support.js';

interface PythonLog {
  traceId: string;
  spanId: string;
  flags: number;
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: TypedValue;
  attributes: TypedAttribute[];
}

/** The OTLP JSON form of a value as the client printed it. */
function otlpJson(value: TypedValue): unknown {
  switch (value.type) {
    case 'string':
      return { stringValue: value.value };
    case 'bool':
      return { boolValue: value.value };
    case 'int':
      return { intValue: value.value };
    case 'double':
      return { doubleValue: value.value };
    case 'bytes':
      return { bytesValue: value.value };
    case 'array':
      return { arrayValue: { values: value.value.map(otlpJson) } };
    case 'map':
      return { kvlistValue: { values: value.value.map((kv) => ({ key: kv.key, value: otlpJson(kv.value) })) } };
    case 'empty':
      return {};
  }
}

describe('OpenTelemetry Python SDK logging handler → Skein → trace logs API', { skip: interopSkip(['python']) }, () => {
  let skein: SkeinProcess;

  before(async () => {
    requireClients(['python']);
    skein = await startSkein();
  });

  after(async () => {
    if (skein) {
      await skein.stop();
      removeDir(skein.dataDir);
    }
  });

  for (const protocol of ['http', 'grpc'] as const) {
    test(`over OTLP/${protocol}: every record on its span with every field`, async () => {
      const endpoint =
        protocol === 'http' ? `http://127.0.0.1:${skein.ports.otlpHttp}/v1/logs` : `http://127.0.0.1:${skein.ports.otlpGrpc}`;
      const report = (await runClient(PYTHON, [
        PYTHON_CLIENT,
        'logs',
        '--protocol',
        protocol,
        '--endpoint',
        endpoint,
        '--service',
        `python-logs-${protocol}`,
      ])) as unknown as {
        logs: PythonLog[];
      };
      assert.equal(report.logs.length, 3);
      const inSpans = report.logs.filter((log) => log.traceId !== '');
      assert.equal(inSpans.length, 2, 'the warning outside any span carries no trace');
      const traceId = inSpans[0]!.traceId;
      assert.notEqual(inSpans[0]!.spanId, inSpans[1]!.spanId, 'the two records come from two spans');
      const stored = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}/logs`);
      assert.equal(stored.status, 200);
      assert.equal(stored.body.logs.length, 2);
      for (const sent of inSpans) {
        const got = stored.body.logs.find((log: { spanId: string }) => log.spanId === sent.spanId);
        assert.ok(got, `the record of span ${sent.spanId} is on it`);
        assert.equal(got.traceId, sent.traceId);
        assert.equal(got.timeUnixNano, sent.timeUnixNano);
        assert.equal(got.observedTimeUnixNano, sent.observedTimeUnixNano);
        assert.equal(got.severityNumber, sent.severityNumber);
        assert.equal(got.severityText, sent.severityText);
        assert.equal(got.flags, sent.flags);
        assert.equal(got.serviceName, `python-logs-${protocol}`);
        assert.deepEqual(got.body, otlpJson(sent.body));
        assert.deepEqual(
          got.attributes,
          sent.attributes.map((kv) => ({ key: kv.key, value: otlpJson(kv.value) })),
        );
      }
      const error = stored.body.logs.find((log: { severityText: string }) => log.severityText === 'ERROR');
      assert.equal(error.severityNumber, 17);
      assert.ok(
        error.attributes.some((kv: { key: string }) => kv.key === 'exception.type'),
        'the handler records the exception',
      );
      const outside = await getJson(`${skein.queryUrl}/api/v1/logs?service=python-logs-${protocol}&severity=warn&lookback=1h`);
      assert.deepEqual(
        outside.body.logs.map((log: { body: unknown; traceId: string }) => [log.body, log.traceId]),
        [
          [{ stringValue: 'payment for order o-9 failed' }, traceId],
          [{ stringValue: 'outside any span' }, ''],
        ].reverse(),
      );
    });
  }
});
