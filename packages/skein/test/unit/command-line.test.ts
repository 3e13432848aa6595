import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine } from '../../src/cli/command-line.js';
import { validateConfig, type ComponentConfig, type SkeinConfig } from '../../src/cli/config.js';
import type { StorageExporterConfig } from '../../src/collector/exporters/storage-exporter-factory.js';
import type { OtlpReceiverConfig } from '../../src/collector/receivers/otlp-receiver-factory.js';
import type { QueryListenerConfig } from '../../src/query/query-extensions.js';
import { writeConfig } from '../support/skein-process.js';

/** A defined component's validated config, typed as its factory's. */
function configOf<C>(components: Readonly<Record<string, ComponentConfig>>, id: string): C {
  const component = components[id];
  assert.ok(component, `component ${id} is defined`);
  return component.config as C;
}
const otlpOf = (config: SkeinConfig): OtlpReceiverConfig => configOf(config.receivers, 'otlp');
const queryEndpointOf = (config: SkeinConfig): string => configOf<QueryListenerConfig>(config.extensions, 'query').endpoint;

test('defaults reproduce the documented ports and embedded storage', () => {
  const config = validateConfig(parseCommandLine([], {}).rawConfig, 'test');
  assert.equal(otlpOf(config).protocols.grpc?.endpoint, '0.0.0.0:4317');
  assert.equal(otlpOf(config).protocols.http?.endpoint, '0.0.0.0:4318');
  assert.equal(otlpOf(config).protocols.http?.max_request_body_size, 64 * 1024 * 1024);
  assert.equal(queryEndpointOf(config), '0.0.0.0:16686');
  assert.deepEqual(config.storage, { engine: 'chdb', data_dir: './data', database: 'skein' });
});

test('flags win over environment variables, which win over the file', () => {
  const file = writeConfig('storage:\n  data_dir: /from/file\nextensions:\n  query:\n    endpoint: 127.0.0.1:1000\n');
  const parsed = parseCommandLine(['--config', file, '--query-port', '3000'], { SKEIN_DATA_DIR: '/from/env', SKEIN_QUERY_PORT: '2000' });
  const config = validateConfig(parsed.rawConfig, parsed.source);
  assert.equal(config.storage.data_dir, '/from/env');
  assert.equal(queryEndpointOf(config), '127.0.0.1:3000');
});

test('--storage accepts clickhouse:// and http:// URLs', () => {
  const a = validateConfig(parseCommandLine(['--storage', 'clickhouse://bob:secret@db.local:9000/traces'], {}).rawConfig, 'test');
  assert.deepEqual(a.storage, { engine: 'clickhouse', url: 'http://bob:secret@db.local:9000/', database: 'traces', data_dir: './data' });
  const b = validateConfig(parseCommandLine(['--storage', 'http://db.local/?database=t2'], {}).rawConfig, 'test');
  assert.deepEqual(b.storage, { engine: 'clickhouse', url: 'http://db.local:8123/', database: 't2', data_dir: './data' });
  assert.throws(() => parseCommandLine(['--storage', 'nonsense'], {}), /--storage: expected chdb or a ClickHouse URL/);
});

test('--host moves every listener, keeping its port; roles are checked', () => {
  const config = validateConfig(parseCommandLine(['--host', '::1'], {}).rawConfig, 'test');
  assert.equal(otlpOf(config).protocols.grpc?.endpoint, '[::1]:4317');
  assert.equal(queryEndpointOf(config), '[::1]:16686');
  assert.equal(parseCommandLine(['collector'], {}).role, 'collector');
  assert.throws(() => parseCommandLine(['querier'], {}), /unknown command "querier"/);
  assert.throws(() => parseCommandLine(['--nope'], {}), /Unknown option '--nope'/);
});

test('clickhouse engine without a URL is refused by key', () => {
  assert.throws(
    () => validateConfig({ storage: { engine: 'clickhouse' } }, 'f.yaml'),
    /invalid configuration in f.yaml:\n {2}storage\.url: is required when storage\.engine is clickhouse/,
  );
});

test('the example in docs/configuration.md is a valid configuration', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(yaml, 'docs/configuration.md has a yaml block');
  const file = writeConfig(yaml);
  const config = validateConfig(parseCommandLine(['--config', file], {}).rawConfig, file);
  assert.equal(config.storage.retention_days, 7);
  assert.equal(configOf<StorageExporterConfig>(config.exporters, 'storage').max_concurrent_writes, 1);
});

test('metrics: default 0.0.0.0:8888, --metrics-port / SKEIN_METRICS_PORT, --host applies, null disables', () => {
  const endpointOf = (argv: string[], env: NodeJS.ProcessEnv = {}): string | null =>
    validateConfig(parseCommandLine(argv, env).rawConfig, 'test').service.telemetry.metrics.address;
  assert.equal(endpointOf([]), '0.0.0.0:8888');
  assert.equal(endpointOf(['--metrics-port', '9999']), '0.0.0.0:9999');
  assert.equal(endpointOf([], { SKEIN_METRICS_PORT: '7777' }), '0.0.0.0:7777');
  assert.equal(endpointOf(['--metrics-port', '1'], { SKEIN_METRICS_PORT: '7777' }), '0.0.0.0:1');
  assert.equal(endpointOf(['--host', '127.0.0.1']), '127.0.0.1:8888');
  assert.throws(() => parseCommandLine(['--metrics-port', 'x'], {}), /--metrics-port: expected a port number, got "x"/);
  const disabled = writeConfig('service:\n  telemetry:\n    metrics:\n      address: null\n');
  assert.equal(endpointOf(['--config', disabled, '--host', '127.0.0.1']), null, '--host alone does not re-enable it');
  assert.equal(endpointOf(['--config', disabled, '--metrics-port', '0']), '0.0.0.0:0', 'an explicit port does');
  assert.throws(
    () => validateConfig({ service: { telemetry: { metrics: { address: 'nohost' } } } }, 'f.yaml'),
    /service\.telemetry\.metrics\.address: expected host:port/,
  );
});

test('sampling: on by default at :5778/:5779, --sampling-port / --sampling-grpc-port move it, null removes it whatever the flags', () => {
  type Sampling = { http: { endpoint: string } | null; grpc: { endpoint: string } | null };
  const samplingOf = (argv: string[], env: NodeJS.ProcessEnv = {}): Sampling | undefined => {
    const config = validateConfig(parseCommandLine(argv, env).rawConfig, 'test');
    return config.service.extensions.includes('sampling') ? (config.extensions['sampling']?.config as Sampling) : undefined;
  };
  assert.deepEqual(samplingOf([])?.http, { endpoint: '0.0.0.0:5778' });
  assert.deepEqual(samplingOf([])?.grpc, { endpoint: '0.0.0.0:5779' });
  const moved = samplingOf(['--sampling-port', '0', '--host', '127.0.0.1'], { SKEIN_SAMPLING_GRPC_PORT: '6000' });
  assert.deepEqual(moved, { ...moved, http: { endpoint: '127.0.0.1:0' }, grpc: { endpoint: '127.0.0.1:6000' } });
  const removed = writeConfig('extensions:\n  sampling: null\n');
  assert.equal(samplingOf(['--config', removed, '--sampling-port', '0', '--sampling-grpc-port', '0']), undefined);
  const noGrpc = writeConfig('extensions:\n  sampling:\n    grpc: null\n');
  assert.equal(samplingOf(['--config', noGrpc, '--host', '127.0.0.1'])?.grpc, null, '--host alone does not re-enable gRPC');
  assert.throws(() => parseCommandLine(['--sampling-port', 'x'], {}), /--sampling-port: expected a port number, got "x"/);
});
