import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Component, Host } from '../../src/component/component.js';
import { ConfigError, validateConfig } from '../../src/cli/config.js';
import { buildServiceGraph, ServiceGraph, type GraphHost } from '../../src/cli/service-graph.js';
import { startSkein } from '../../src/cli/start-skein.js';
import { SkeinMetrics } from '../../src/telemetry/skein-metrics.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function problemsOf(raw: unknown): string {
  try {
    validateConfig(raw, 'skein.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('expected a ConfigError');
}

test('an unknown type names the known ones, per section', () => {
  const message = problemsOf({ receivers: { jaeger: {} }, processors: { 'nope/x': {} }, extensions: { pprof: {} } });
  assert.match(message, /^invalid configuration in skein\.yaml:\n/);
  assert.match(message, /receivers\.jaeger: unknown receiver type "jaeger" \(known: otlp, zipkin, kafka\)/);
  assert.match(message, /processors\.nope\/x: unknown processor type "nope" \(known: attributes, resource, redaction, filter, /);
  assert.match(message, /extensions\.pprof: unknown extension type "pprof" \(known: query, health, zipkin, sampling, tempo\)/);
});

test('a component is validated by its factory, naming <section>.<id>.<key> and the value', () => {
  const message = problemsOf({
    receivers: { 'zipkin/edge': { endpoint: 'nohost' } },
    extensions: { query: { endpoint: 'x:99999' }, health: { colour: 1 } },
    processors: { batch: { timeout: 'soon' } },
  });
  assert.match(message, /receivers\.zipkin\/edge\.endpoint: expected host:port, e\.g\. 0\.0\.0\.0:4318 \(got "nohost"\)/);
  assert.match(message, /extensions\.query\.endpoint: port must be 0\.\.65535 \(got "x:99999"\)/);
  assert.match(message, /extensions\.health: unknown key\(s\) "colour"/);
  assert.match(message, /processors\.batch\.timeout: /);
});

test('pipelines: undefined and duplicate ids, unknown pipeline types; the old query key points to its new place', () => {
  const message = problemsOf({
    processors: { batch: {} },
    service: {
      extensions: ['query', 'zpages'],
      pipelines: {
        traces: { receivers: ['otlp', 'kafka'], processors: ['batch', 'batch/other', 'batch'], exporters: ['storage', 'otlp'] },
        metrics: { receivers: ['otlp'], exporters: ['storage'] },
      },
    },
    query: { endpoint: '0.0.0.0:16686' },
  });
  for (const expected of [
    'query: moved: write extensions.query.endpoint instead',
    'service.extensions.1: extension "zpages" is not defined under extensions',
    'service.pipelines.traces.receivers.1: receiver "kafka" is not defined under receivers',
    'service.pipelines.traces.processors.1: processor "batch/other" is not defined under processors',
    'service.pipelines.traces.processors.2: processor "batch" is listed twice',
    'service.pipelines.traces.exporters.1: exporter "otlp" is not defined under exporters',
    'service.pipelines.metrics: unknown pipeline "metrics"',
  ]) {
    assert.ok(message.includes(expected), `missing "${expected}" in:\n${message}`);
  }
});

test('defaults are today’s all-in-one; null removes a default component; a second pipeline traces/b', () => {
  const defaults = validateConfig({}, 'defaults');
  assert.deepEqual(defaults.service.pipelines, {
    traces: { receivers: ['otlp', 'zipkin'], processors: ['memory_limiter', 'redaction', 'metrics_tap'], exporters: ['storage'] },
    logs: { receivers: ['otlp'], processors: ['memory_limiter', 'redaction'], exporters: ['storage'] },
  });
  assert.deepEqual(defaults.service.extensions, ['query', 'zipkin', 'tempo', 'sampling']);
  assert.deepEqual(
    defaults.extensions['sampling']?.config,
    {
      http: { endpoint: '0.0.0.0:5778' },
      grpc: { endpoint: '0.0.0.0:5779' },
      query_endpoint: '0.0.0.0:16686',
      reload_interval: 10_000,
    },
    'remote sampling is on by default, as in Jaeger (the host binds loopback until auth is configured)',
  );
  assert.deepEqual(defaults.extensions['query']?.config, { endpoint: '0.0.0.0:16686' });
  assert.deepEqual(defaults.extensions['tempo']?.config, { endpoint: '0.0.0.0:3200' });
  assert.equal(
    (defaults.extensions['zipkin']?.config as { endpoint: string }).endpoint,
    '0.0.0.0:9411',
    'the Zipkin API shares the receiver port',
  );
  const movedZipkin = validateConfig({ receivers: { zipkin: { endpoint: '127.0.0.1:9999' } } }, 'f');
  assert.equal((movedZipkin.extensions['zipkin']?.config as { endpoint: string }).endpoint, '127.0.0.1:9999', 'and follows it');
  assert.deepEqual(defaults.extensions['health']?.config, { endpoint: '0.0.0.0:16686' });
  assert.equal(defaults.service.telemetry.metrics.address, '0.0.0.0:8888');

  const noZipkin = validateConfig({ receivers: { zipkin: null }, extensions: { query: { endpoint: '127.0.0.1:1' } } }, 'f');
  assert.deepEqual(noZipkin.service.pipelines['traces']?.receivers, ['otlp']);
  assert.deepEqual(noZipkin.extensions['health']?.config, { endpoint: '127.0.0.1:1' }, 'health follows the query endpoint');
  assert.equal(noZipkin.extensions['zipkin'], undefined, 'no Zipkin API without the Zipkin receiver, unless written');
  const sampling = validateConfig({ extensions: { sampling: {} }, service: { extensions: ['query', 'sampling'] } }, 'f');
  assert.deepEqual(sampling.extensions['sampling']?.config, {
    http: { endpoint: '0.0.0.0:5778' },
    grpc: { endpoint: '0.0.0.0:5779' },
    query_endpoint: '0.0.0.0:16686',
    reload_interval: 10_000,
  });
  const rolesOf = (role: 'collector' | 'query'): string[] =>
    buildServiceGraph(sampling, role, { logger: silent, metrics: new SkeinMetrics() }).nodes.map((node) => node.label);
  assert.ok(rolesOf('collector').includes('extension sampling'), 'SDKs poll collectors');
  assert.ok(!rolesOf('query').includes('extension sampling'));
  assert.deepEqual(noZipkin.service.extensions, ['query', 'tempo', 'sampling']);
  assert.deepEqual(
    validateConfig({ extensions: { sampling: null } }, 'f').service.extensions,
    ['query', 'zipkin', 'tempo'],
    'null removes it',
  );
  assert.match(problemsOf({ exporters: { storage: null } }), /service\.pipelines\.traces\.exporters: a pipeline needs at least one/);

  const two = validateConfig(
    {
      processors: { batch: null },
      exporters: { otlp: { endpoint: 'backend:4317' } },
      service: {
        pipelines: {
          traces: { receivers: ['otlp'], exporters: ['storage'] },
          'traces/b': { receivers: ['otlp', 'zipkin'], processors: ['batch'], exporters: ['otlp', 'storage'] },
        },
      },
    },
    'f',
  );
  assert.deepEqual(Object.keys(two.service.pipelines), ['traces', 'traces/b']);
  assert.deepEqual(two.service.pipelines['traces'], {
    receivers: ['otlp'],
    processors: ['memory_limiter', 'redaction', 'metrics_tap'],
    exporters: ['storage'],
  });
  assert.equal(two.processors['batch']?.id.type, 'batch', 'null is the defaults for a component not defined by default');

  // One instance per receiver and exporter, whatever the number of pipelines using them; start order.
  const graph = buildServiceGraph(two, 'all-in-one', { logger: silent, metrics: new SkeinMetrics() });
  assert.deepEqual(
    graph.nodes.map((node) => node.label),
    [
      'metrics',
      'extension query',
      'extension zipkin',
      'extension tempo',
      'extension sampling',
      'exporter storage',
      'exporter otlp',
      'pipeline traces',
      'pipeline traces/b',
      'receiver otlp',
      'receiver zipkin',
    ],
  );
  const roles = (role: 'collector' | 'query'): string[] =>
    buildServiceGraph(defaults, role, { logger: silent, metrics: new SkeinMetrics() }).nodes.map((node) => node.label);
  assert.deepEqual(roles('collector'), [
    'metrics',
    'extension health',
    'extension sampling',
    'exporter storage',
    'pipeline traces',
    'exporter storage (logs)',
    'pipeline logs',
    'receiver otlp',
    'receiver zipkin',
  ]);
  assert.deepEqual(roles('query'), ['metrics', 'extension query', 'extension zipkin', 'extension tempo']);
});

test('one file for a Kafka deployment: collector runs the pipelines that do not read Kafka, ingester those that do', () => {
  const config = validateConfig(
    {
      receivers: { kafka: { brokers: ['k:9092'] } },
      exporters: { kafka: { brokers: ['k:9092'] } },
      service: {
        pipelines: {
          traces: { receivers: ['otlp'], processors: [], exporters: ['kafka'] },
          'traces/ingest': { receivers: ['kafka'], processors: [], exporters: ['storage'] },
        },
      },
    },
    'skein.yaml',
  );
  const labels = (role: 'collector' | 'ingester' | 'all-in-one'): string[] =>
    buildServiceGraph(config, role, { logger: silent, metrics: new SkeinMetrics() })
      .nodes.map((node) => node.label)
      .filter((label) => label.startsWith('pipeline') || label.startsWith('receiver'));
  assert.deepEqual(labels('collector'), ['pipeline traces', 'receiver otlp']);
  assert.deepEqual(labels('ingester'), ['pipeline traces/ingest', 'receiver kafka']);
  assert.deepEqual(labels('all-in-one'), ['pipeline traces', 'pipeline traces/ingest', 'receiver otlp', 'receiver kafka']);
  assert.throws(
    () => buildServiceGraph(validateConfig({}, 'skein.yaml'), 'ingester', { logger: silent, metrics: new SkeinMetrics() }),
    /skein ingester: no pipeline reads Kafka/,
  );
});

test('the graph starts in order, shuts down in exact reverse, closing each node’s listeners after it; a failed start unwinds', async () => {
  const events: string[] = [];
  const host: GraphHost = {
    viewFor: (owner) => ({ owner }) as unknown as Host,
    closeListenersOf: async (owner) => void events.push(`close listeners of ${owner}`),
  };
  const fake = (label: string, failStart = false): { label: string; component: Component } => ({
    label,
    component: {
      start: async (view) => {
        assert.equal((view as unknown as { owner: string }).owner, label);
        events.push(`start ${label}`);
        if (failStart) throw new Error(`${label} cannot start`);
      },
      shutdown: async () => void events.push(`stop ${label}`),
    },
  });
  const graph = new ServiceGraph([fake('extension'), fake('exporter'), fake('pipeline'), fake('receiver')]);
  await graph.start(host);
  await graph.shutdown(host);
  assert.deepEqual(events, [
    'start extension',
    'start exporter',
    'start pipeline',
    'start receiver',
    'stop receiver',
    'close listeners of receiver',
    'stop pipeline',
    'close listeners of pipeline',
    'stop exporter',
    'close listeners of exporter',
    'stop extension',
    'close listeners of extension',
  ]);
  events.length = 0;
  const failing = new ServiceGraph([fake('a'), fake('b', true), fake('c')]);
  await assert.rejects(failing.start(host), /b cannot start/);
  assert.deepEqual(events, ['start a', 'start b', 'stop b', 'close listeners of b', 'stop a', 'close listeners of a']);
});

test('a forwarding collector never opens storage: no data directory, chDB never loaded', async () => {
  const parent = makeTempDir('forwarding');
  const dataDir = join(parent, 'data');
  const config = validateConfig(
    {
      storage: { data_dir: dataDir },
      receivers: { otlp: { protocols: { grpc: { endpoint: '127.0.0.1:0' }, http: { endpoint: '127.0.0.1:0' } } } },
      exporters: { otlp: { endpoint: '127.0.0.1:1' } },
      extensions: { query: { endpoint: '127.0.0.1:0' } },
      service: { telemetry: { metrics: { address: '127.0.0.1:0' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp'] } } },
    },
    'test',
  );
  try {
    const running = await startSkein(config, 'collector', silent);
    try {
      assert.ok(
        running.ports['otlpGrpc']! > 0 && running.ports['otlpHttp']! > 0 && running.ports['query']! > 0 && running.ports['metrics']! > 0,
      );
      const ready = await fetch(`http://127.0.0.1:${running.ports['query']}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready' });
    } finally {
      await running.stop();
    }
    assert.equal(existsSync(dataDir), false, 'no data directory was made');
    const report = process.report.getReport() as unknown as { sharedObjects: string[] };
    assert.deepEqual(
      report.sharedObjects.filter((path) => /chdb/i.test(path)),
      [],
      'the chDB library was never loaded',
    );
  } finally {
    removeDir(parent);
  }
});
