/** `exporters:` in the Collector's shape: defaults, `type/name` ids, and errors that name the key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExporterConfig } from '../../src/collector/exporters/exporter-config.js';
import { createForwardingExporter } from '../../src/collector/exporters/forwarding-exporters.js';
import { parseGoDurationMillis } from '../../src/model/go-duration.js';
import { ConfigError, validateConfig } from '../../src/cli/config.js';
import type { StorageExporterConfig } from '../../src/collector/exporters/storage-exporter-factory.js';
import { silentLogger } from './scripted-transport.js';

test('a Collector otlp section parses with the Collector’s defaults', () => {
  const parsed = parseExporterConfig('otlp/backup', { endpoint: 'backup:4317', tls: { insecure: true } });
  assert.equal(parsed.type, 'otlp');
  assert.deepEqual(parsed.config, {
    endpoint: 'backup:4317',
    timeout: 5_000,
    tls: { insecure: true, insecure_skip_verify: false },
    compression: 'gzip',
    headers: {},
    retry_on_failure: {
      enabled: true,
      initial_interval: 5_000,
      randomization_factor: 0.5,
      multiplier: 1.5,
      max_interval: 30_000,
      max_elapsed_time: 300_000,
    },
    sending_queue: { enabled: true, num_consumers: 10, queue_size: 1_000, sizer: 'requests', persistent: false },
  });
});

test('otlphttp and loadbalancing sections parse; load_balancing is accepted as the new spelling', () => {
  const http = parseExporterConfig('otlphttp', { endpoint: 'https://collector.example:4318', encoding: 'json', timeout: '10s' });
  assert.equal(http.type, 'otlphttp');
  assert.equal(http.type === 'otlphttp' && http.config.timeout, 10_000);
  const lb = parseExporterConfig('load_balancing/tail', {
    routing_key: 'service',
    protocol: { otlp: { timeout: '1s', tls: { insecure: true } } },
    resolver: { dns: { hostname: 'collectors.example', interval: '30s' } },
  });
  assert.equal(lb.type, 'loadbalancing');
  if (lb.type !== 'loadbalancing') return;
  assert.equal(lb.config.routing_key, 'service');
  assert.deepEqual(lb.config.resolver.dns, { hostname: 'collectors.example', port: 4317, interval: 30_000, timeout: 1_000 });
});

test('Go durations', () => {
  assert.equal(parseGoDurationMillis('1m30s'), 90_000);
  assert.equal(parseGoDurationMillis('250ms'), 250);
  assert.equal(parseGoDurationMillis('0'), 0);
  assert.equal(parseGoDurationMillis('5'), undefined);
  assert.equal(parseGoDurationMillis('-1s'), undefined);
});

test('validation errors name the exporter and the key', () => {
  const raw = {
    exporters: {
      'otlp/backup': { endpoint: 'nohost', compression: 'zstd', sending_queue: { queue_sizes: 5 }, timeout: 'soon' },
      otlphttp: { encoding: 'proto' },
      loadbalancing: { resolver: { static: { hostnames: ['a:4317'] }, dns: { hostname: 'b' } }, protocol: { otlp: { endpoint: 'x:1' } } },
      pulsar: {},
    },
    service: { pipelines: { traces: { exporters: ['storage', 'otlp/backup', 'otlp/other', 'storage'] } } },
  };
  let message = '';
  try {
    validateConfig(raw, 'skein.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    message = error.message;
  }
  for (const expected of [
    'exporters.otlp/backup.endpoint: expected host:port or an http(s):// URL',
    'exporters.otlp/backup.compression: expected gzip or none',
    'exporters.otlp/backup.sending_queue: unknown key(s) "queue_sizes"',
    'exporters.otlp/backup.timeout: expected a duration such as 500ms, 5s or 1m (got "soon")',
    'exporters.otlphttp: needs endpoint (base URL) or traces_endpoint',
    'exporters.loadbalancing.resolver: needs exactly one of static or dns',
    'exporters.loadbalancing.protocol.otlp: unknown key(s) "endpoint"',
    'exporters.pulsar: unknown exporter type "pulsar"',
    'service.pipelines.traces.exporters.2: exporter "otlp/other" is not defined under exporters',
    'service.pipelines.traces.exporters.3: exporter "storage" is listed twice',
  ]) {
    assert.ok(message.includes(expected), `missing "${expected}" in:\n${message}`);
  }
});

test('storage stays the default exporter; a pipeline may forward only', () => {
  assert.deepEqual(validateConfig({}, 'defaults').service.pipelines['traces']?.exporters, ['storage']);
  const config = validateConfig(
    {
      exporters: { otlp: { endpoint: 'http://127.0.0.1:4317' } },
      service: { pipelines: { traces: { exporters: ['otlp'] } } },
    },
    'skein.yaml',
  );
  assert.deepEqual(config.service.pipelines['traces']?.exporters, ['otlp']);
  assert.equal((config.exporters['storage']?.config as StorageExporterConfig).max_batch_spans, 20_000);
});

test('an on-disk queue without a data directory is refused at creation, naming the key', () => {
  assert.throws(
    () =>
      createForwardingExporter(
        'otlp',
        { endpoint: 'a:4317', sending_queue: { persistent: true } },
        { metrics: undefined, logger: silentLogger, stateDir: undefined },
      ),
    /exporters\.otlp\.sending_queue: an on-disk queue needs a data directory/,
  );
});

test('static hostnames without a port get the OTLP/gRPC port, as the Collector’s endpointWithPort', () => {
  const lb = parseExporterConfig('loadbalancing', { resolver: { static: { hostnames: ['backend-1', 'backend-2:5317'] } } });
  assert.equal(lb.type, 'loadbalancing');
  assert.deepEqual(lb.type === 'loadbalancing' && lb.config.resolver.static?.hostnames, ['backend-1:4317', 'backend-2:5317']);
  assert.throws(
    () => parseExporterConfig('loadbalancing', { resolver: { static: { hostnames: ['bad host'] } } }),
    /exporters\.loadbalancing\.resolver\.static\.hostnames\.0: expected host:port/,
  );
});

test('a bare 0 is a duration (max_elapsed_time: 0, as Collector configs write "never give up"); other bare numbers are refused', () => {
  const parsed = parseExporterConfig('otlp', { endpoint: 'a:4317', retry_on_failure: { max_elapsed_time: 0 } });
  assert.equal(parsed.type === 'otlp' && parsed.config.retry_on_failure.max_elapsed_time, 0);
  assert.throws(
    () => parseExporterConfig('otlp', { endpoint: 'a:4317', timeout: 5 }),
    /exporters\.otlp\.timeout: expected a duration such as 500ms, 5s or 1m \(got 5: a bare number has no unit/,
  );
});
