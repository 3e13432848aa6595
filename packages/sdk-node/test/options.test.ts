import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SkeinOptionsError, validateOptions } from '../src/options.js';

test('accepts no options and a full valid set', () => {
  assert.deepEqual(validateOptions(undefined), {});
  const options = {
    serviceName: 'checkout',
    serviceVersion: '1.2.3',
    resourceAttributes: { 'deployment.environment.name': 'prod', shard: 3, canary: false },
    endpoint: 'http://skein:4318',
    protocol: 'grpc',
    headers: { authorization: 'Bearer x' },
    sampleRatio: 0.25,
    samplingEndpoint: 'http://skein:5778',
    samplingPollIntervalMs: 30_000,
    propagators: ['tracecontext', 'b3'],
    extractAllFormats: false,
    http: { ignoreIncomingRequestHook: () => false },
    fetch: false,
    shutdownOnExit: false,
    shutdownTimeoutMs: 1000,
  };
  assert.equal(validateOptions(options), options);
});

test('names the bad option and what it must be', () => {
  const cases: [unknown, RegExp][] = [
    ['not an object', /option "options" must be an object, got "not an object"/],
    [{ sampleRatio: 1.5 }, /option "sampleRatio" must be a number from 0 to 1, got 1.5/],
    [{ sampleRatio: '0.5' }, /"sampleRatio".*got "0.5"/],
    [{ protocol: 'http' }, /option "protocol" must be one of "http\/protobuf", "http\/json", "grpc", got "http"/],
    [{ endpoint: 'localhost:4318' }, /option "endpoint" must be an (absolute URL|http:\/\/ or https:\/\/ URL)/],
    [{ endpoint: 'ftp://x' }, /option "endpoint" must be an http:\/\/ or https:\/\/ URL/],
    [{ propagators: ['tracecontext', 'jaeger'] }, /option "propagators\[1\]" must be one of/],
    [{ headers: { a: 1 } }, /option "headers.a" must be a string, got 1/],
    [{ resourceAttributes: { a: { nested: true } } }, /option "resourceAttributes.a" must be a string, finite number or boolean/],
    [{ samplingPollIntervalMs: 0 }, /"samplingPollIntervalMs" must be a positive integer/],
    [{ instrumentations: [{}] }, /"instrumentations\[0\]" must be an OpenTelemetry instrumentation/],
    [{ serviceName: '' }, /"serviceName" must be a non-empty string/],
    [{ sampleRate: 0.5 }, /unknown option "sampleRate"; known options: serviceName, /],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => validateOptions(input),
      (e: unknown) => e instanceof SkeinOptionsError && message.test(e.message),
      JSON.stringify(input),
    );
  }
});

test('an explicit undefined counts as not given', () => {
  assert.doesNotThrow(() => validateOptions({ serviceName: undefined, sampleRatio: undefined }));
});
