/**
 * The registry's factories of the forwarding exporters: type and schema, defaults, an exporter built
 * at start(host) with its on-disk queue under host.stateDir, and TLS towards a real gRPC receiver
 * with a self-signed certificate made by openssl (ca_file, insecure_skip_verify).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerCredentials } from '@grpc/grpc-js';
import type { CreateSettings, Host } from '../../src/component/component.js';
import { parseComponentId } from '../../src/component/component.js';
import {
  loadBalancingExporterFactory,
  otlpExporterFactory,
  otlpHttpExporterFactory,
} from '../../src/collector/exporters/forwarding-exporters.js';
import type { ConsumeResult, SpanConsumer } from '../../src/collector/pipeline/consume-result.js';
import { createOtlpGrpcServer } from '../../src/collector/receivers/otlp-grpc-receiver.js';
import { ConfigError } from '../../src/model/config-error.js';
import type { Span } from '../../src/model/span.js';
import { SkeinMetrics } from '../../src/telemetry/skein-metrics.js';
import { makeSpan } from '../support/span-factory.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';
import { silentLogger } from './scripted-transport.js';

const metrics = new SkeinMetrics();

function settings(id: string): CreateSettings {
  return { id: parseComponentId(id)!, logger: silentLogger, metrics };
}

function host(stateDir: string | undefined): Host {
  return {
    logger: silentLogger,
    metrics,
    stateDir,
    listenHttp: () => Promise.reject(new Error('no listeners in this test')),
    listenGrpc: () => Promise.reject(new Error('no listeners in this test')),
    openedTraceStore: () => undefined,
    boundHost: () => '127.0.0.1',
    traceStore: () => Promise.reject(new Error('no storage in this test')),
  };
}

class Recorder implements SpanConsumer {
  readonly spans: Span[] = [];
  consume(batch: Span[]): Promise<ConsumeResult> {
    this.spans.push(...batch);
    return Promise.resolve({ outcome: 'success' });
  }
}

test('the factories name their type and kind; the default config is the schema’s defaults', () => {
  assert.deepEqual(
    [otlpExporterFactory, otlpHttpExporterFactory, loadBalancingExporterFactory].map((factory) => [factory.kind, factory.type]),
    [
      ['exporter', 'otlp'],
      ['exporter', 'otlphttp'],
      ['exporter', 'loadbalancing'],
    ],
  );
  const otlp = otlpExporterFactory.createDefaultConfig();
  assert.equal(otlp.timeout, 5_000);
  assert.equal(otlp.retry_on_failure.max_elapsed_time, 300_000);
  assert.deepEqual(otlp.sending_queue, { enabled: true, num_consumers: 10, queue_size: 1_000, sizer: 'requests', persistent: false });
  assert.equal(otlpHttpExporterFactory.createDefaultConfig().timeout, 30_000);
  assert.equal(loadBalancingExporterFactory.createDefaultConfig().routing_key, 'traceID');
  const parsed = otlpExporterFactory.configSchema.safeParse({ endpoint: 'a:4317', timeout: 5 });
  assert.equal(parsed.success, false, 'a bare number is not a duration');
  assert.match(
    parsed.error!.issues[0]!.message,
    /expected a duration such as 500ms, 5s or 1m \(got 5: a bare number has no unit, and Go reads it as nanoseconds; write 5ms or 5s\)/,
  );
});

test('an on-disk queue lives under host.stateDir; without one, start refuses naming the key', async () => {
  const stateDir = makeTempDir('factory-state');
  try {
    const config = otlpExporterFactory.configSchema.parse({ endpoint: '127.0.0.1:1', sending_queue: { persistent: true } });
    const exporter = otlpExporterFactory.create(settings('otlp/durable'), config);
    assert.equal((await exporter.consume([makeSpan()])).outcome, 'retryable', 'not started: callers retry');
    await exporter.start(host(stateDir));
    assert.deepEqual(await exporter.consume([makeSpan()]), { outcome: 'success' }, 'acknowledged once on disk');
    await exporter.shutdown();
    const queueDir = join(stateDir, 'exporter-queues', encodeURIComponent('otlp/durable'));
    assert.ok(readdirSync(queueDir).some((name) => name.startsWith('segment-')));

    const homeless = otlpExporterFactory.create(settings('otlp/durable'), config);
    await assert.rejects(homeless.start(host(undefined)), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.keyPath, 'exporters.otlp/durable.sending_queue');
      assert.match(error.message, /an on-disk queue needs a data directory/);
      return true;
    });
  } finally {
    removeDir(stateDir);
  }
});

/** A gRPC OTLP receiver over TLS with a fresh self-signed certificate for 127.0.0.1. */
async function tlsReceiver(dir: string, consumer: SpanConsumer): Promise<{ endpoint: string; certFile: string; close(): void }> {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  // A SAN for 127.0.0.1, so the certificate verifies against the CA file (itself).
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const server = createOtlpGrpcServer(consumer, { maxReceiveMessageBytes: 4 << 20 }, silentLogger);
  const credentials = ServerCredentials.createSsl(null, [{ private_key: readFileSync(keyFile), cert_chain: readFileSync(certFile) }]);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { endpoint: `127.0.0.1:${port}`, certFile, close: () => server.forceShutdown() };
}

test('gRPC over TLS: an unknown certificate is refused, ca_file or insecure_skip_verify lets it through', async () => {
  const dir = makeTempDir('tls');
  const recorder = new Recorder();
  const receiver = await tlsReceiver(dir, recorder);
  assert.ok(existsSync(receiver.certFile));
  const send = async (tls: Record<string, unknown>): Promise<ConsumeResult> => {
    const config = otlpExporterFactory.configSchema.parse({
      endpoint: receiver.endpoint,
      tls,
      timeout: '2s',
      retry_on_failure: { enabled: false },
      sending_queue: { enabled: false },
    });
    const exporter = otlpExporterFactory.create(settings('otlp/tls'), config);
    await exporter.start(host(undefined));
    try {
      return await exporter.consume([makeSpan()]);
    } finally {
      await exporter.shutdown();
    }
  };
  try {
    const refused = await send({});
    assert.equal(refused.outcome, 'retryable', 'a self-signed certificate is not trusted by default');
    assert.equal(recorder.spans.length, 0);
    assert.deepEqual(await send({ ca_file: receiver.certFile }), { outcome: 'success' });
    assert.deepEqual(await send({ insecure_skip_verify: true }), { outcome: 'success' });
    assert.equal(recorder.spans.length, 2);
  } finally {
    receiver.close();
    removeDir(dir);
  }
});
