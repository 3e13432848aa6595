import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../src/config.js';

test("defaults: http/protobuf to localhost:4318, Skein's sampling strategies (always-on until it answers), W3C injection, extract all", () => {
  const c = resolveConfig({}, {});
  assert.equal(c.protocol, 'http/protobuf');
  assert.equal(c.tracesUrl, 'http://localhost:4318/v1/traces');
  assert.deepEqual(c.sampler, {
    type: 'remote',
    endpoint: 'http://localhost:5778',
    pollIntervalMs: 60_000,
    initialRatio: 1,
    parentBased: true,
    quiet: true,
  });
  assert.equal((resolveConfig({ endpoint: 'https://[::1]:4318' }, {}).sampler as { endpoint: string }).endpoint, 'https://[::1]:5778');
  assert.deepEqual(resolveConfig({ samplingEndpoint: false }, {}).sampler, { type: 'always_on', parentBased: true });
  assert.deepEqual(resolveConfig({}, { OTEL_TRACES_SAMPLER: 'parentbased_always_on' }).sampler, { type: 'always_on', parentBased: true });
  assert.deepEqual(c.inject, ['tracecontext', 'baggage']);
  assert.equal(c.extractAllFormats, true);
  assert.deepEqual(c.warnings, []);
  assert.equal(resolveConfig({ protocol: 'grpc' }, {}).tracesUrl, 'http://localhost:4317');
});

test('environment variables are read', () => {
  const c = resolveConfig(
    {},
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://skein:4318/',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
      OTEL_PROPAGATORS: 'b3multi,baggage',
    },
  );
  assert.equal(c.protocol, 'http/json');
  assert.equal(c.tracesUrl, 'http://skein:4318/v1/traces');
  assert.deepEqual(c.sampler, { type: 'ratio', ratio: 0.1, parentBased: true });
  assert.deepEqual(c.inject, ['b3multi', 'baggage']);
  // The per-signal variables win over the general ones, and their URL is used as given.
  const s = resolveConfig(
    {},
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/custom',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
    },
  );
  assert.equal(s.tracesUrl, 'http://b:9999/custom');
  assert.equal(s.protocol, 'http/protobuf');
});

test('options win over the environment', () => {
  const env = {
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env:4318/v1/traces',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_TRACES_SAMPLER: 'always_off',
    OTEL_PROPAGATORS: 'b3',
  };
  const c = resolveConfig({ endpoint: 'http://opt:4317', protocol: 'grpc', sampleRatio: 0.5, propagators: ['tracecontext'] }, env);
  assert.equal(c.protocol, 'grpc');
  assert.equal(c.tracesUrl, 'http://opt:4317');
  assert.deepEqual(c.sampler, { type: 'ratio', ratio: 0.5, parentBased: true });
  assert.deepEqual(c.inject, ['tracecontext']);
  assert.equal(resolveConfig({ tracesEndpoint: 'http://t/x', endpoint: 'http://e' }, env).tracesUrl, 'http://t/x');
});

test('remote sampling from options or from the spec’s jaeger_remote variables', () => {
  assert.deepEqual(resolveConfig({ samplingEndpoint: 'http://skein:5778', sampleRatio: 0.2 }, {}).sampler, {
    type: 'remote',
    endpoint: 'http://skein:5778',
    pollIntervalMs: 60_000,
    initialRatio: 0.2,
    parentBased: true,
  });
  const env = {
    OTEL_TRACES_SAMPLER: 'parentbased_jaeger_remote',
    OTEL_TRACES_SAMPLER_ARG: 'endpoint=http://skein:5778,pollingIntervalMs=5000,initialSamplingRate=0.25',
  };
  assert.deepEqual(resolveConfig({}, env).sampler, {
    type: 'remote',
    endpoint: 'http://skein:5778',
    pollIntervalMs: 5000,
    initialRatio: 0.25,
    parentBased: true,
  });
});

test('invalid environment values are warned about and ignored, as the OpenTelemetry spec asks', () => {
  const c = resolveConfig(
    {},
    {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'udp',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '7',
      OTEL_PROPAGATORS: 'xray,tracecontext',
    },
  );
  assert.equal(c.protocol, 'http/protobuf');
  assert.deepEqual(c.sampler, { type: 'ratio', ratio: 1, parentBased: false });
  assert.deepEqual(c.inject, ['tracecontext']);
  assert.equal(c.warnings.length, 3);
  assert.match(c.warnings.join('\n'), /OTEL_EXPORTER_OTLP_PROTOCOL=udp/);
  assert.deepEqual(resolveConfig({}, { OTEL_PROPAGATORS: 'none' }).inject, []);
});

test('the remote sampler carries the export credential, only to the host the spans go to', () => {
  const env = { OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20env-token,x-other=1' };
  const headersOf = (options: Parameters<typeof resolveConfig>[0], e: Record<string, string> = env) =>
    (resolveConfig(options, e).sampler as { headers?: Record<string, string> }).headers;
  assert.deepEqual(headersOf({ endpoint: 'http://skein:4318' }), { authorization: 'Bearer env-token' });
  assert.deepEqual(
    headersOf({ endpoint: 'http://skein:4318', headers: { Authorization: 'Bearer opt', 'X-Scope-OrgID': 'team-a' } }),
    { authorization: 'Bearer opt', 'x-scope-orgid': 'team-a' },
    'options win over the environment',
  );
  assert.deepEqual(headersOf({ endpoint: 'http://skein:4318' }, { OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=t' }), {
    authorization: 't',
  });
  assert.equal(headersOf({ endpoint: 'http://skein:4318', samplingEndpoint: 'http://elsewhere:5778' }), undefined, 'never to another host');
  assert.equal(headersOf({ endpoint: 'http://skein:4318' }, {}), undefined, 'no credential, no headers');
});
