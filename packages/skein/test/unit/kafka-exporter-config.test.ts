import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { kafkaExporterConfigSchema, kafkaMessagesOf } from '../../src/collector/exporters/kafka-exporter.js';
import { KAFKA_TENANT_HEADER } from '../../src/model/kafka-connection.js';
import { configProblems } from '../../src/model/config-error.js';
import { decodeOtlpProtoTraces } from '../../src/model/otlp-proto-decode.js';
import { DEFAULT_TENANT, parseTenantId } from '../../src/model/tenant.js';
import { makeResource, makeSpan } from '../support/span-factory.js';

test('kafka exporter: lz4 and acks=all by default; zstd only where node:zlib has it', () => {
  const defaults = kafkaExporterConfigSchema.parse({});
  assert.deepEqual(defaults.producer, { compression: 'lz4', required_acks: -1 });
  const raw = { producer: { compression: 'zstd' } };
  const result = kafkaExporterConfigSchema.safeParse(raw);
  if (typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function') {
    assert.equal(result.success, true);
  } else {
    // Before Node.js 22.15 the client could not compress a single batch: refused at start.
    assert.equal(result.success, false);
    assert.deepEqual(configProblems('exporters.kafka', result.error?.issues ?? [], raw), [
      `exporters.kafka.producer.compression: zstd needs Node.js 22.15 or later (this is ${process.version}); use lz4 (got "zstd")`,
    ]);
  }
  assert.equal(kafkaExporterConfigSchema.safeParse({ producer: { compression: 'brotli' } }).success, false);
});

test('kafka exporter messages: one per trace and tenant, keyed by the 16-byte trace ID, OTLP protobuf values', () => {
  const [traceA, traceB] = ['a'.repeat(32), 'b'.repeat(32)];
  const other = { ...makeResource('checkout'), tenant: parseTenantId('team-b') };
  const spans = [
    makeSpan({ traceId: traceA }),
    makeSpan({ traceId: traceB }),
    makeSpan({ traceId: traceA }),
    makeSpan({ traceId: traceA, resource: other }),
  ];
  const messages = kafkaMessagesOf(spans, 'otlp_spans', true);
  assert.deepEqual(
    messages.map((m) => [
      m.key?.toString('hex'),
      (m.headers as Map<string, string>).get(KAFKA_TENANT_HEADER),
      decodeOtlpProtoTraces(m.value!).length,
    ]),
    [
      [traceA, DEFAULT_TENANT, 2],
      [traceB, DEFAULT_TENANT, 1],
      [traceA, 'team-b', 1],
    ],
  );
  assert.ok(messages.every((m) => m.topic === 'otlp_spans'));
  const perTenant = kafkaMessagesOf(spans, 'otlp_spans', false);
  assert.deepEqual(
    perTenant.map((m) => [m.key, decodeOtlpProtoTraces(m.value!).length]),
    [
      [undefined, 3],
      [undefined, 1],
    ],
  );
});
