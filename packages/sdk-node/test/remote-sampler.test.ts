import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { AlwaysOffSampler, SamplingDecision } from '@opentelemetry/sdk-trace';
import { JaegerRemoteSampler, RateLimitingSampler, samplerFromStrategy } from '../src/remote-sampler.js';

const sample = (s: { shouldSample: JaegerRemoteSampler['shouldSample'] }, traceId: string, name = 'op') =>
  s.shouldSample(ROOT_CONTEXT, traceId, name, SpanKind.SERVER, {}, []).decision;
const LOW = '00000000000000000000000000000001';
// OpenTelemetry JS's ratio sampler XORs the four 32-bit words of the trace ID: this one maps to the top.
const HIGH = 'ffffffff000000000000000000000000';

test('reads probabilistic, rate-limiting and per-operation strategies', () => {
  const p = samplerFromStrategy({ strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 0.5 } });
  assert.ok(p);
  assert.equal(sample(p, LOW), SamplingDecision.RECORD_AND_SAMPLED);
  assert.equal(sample(p, HIGH), SamplingDecision.NOT_RECORD);

  const r = samplerFromStrategy({ strategyType: 1, rateLimitingSampling: { maxTracesPerSecond: 2 } });
  assert.ok(r instanceof RateLimitingSampler);
  const decisions = Array.from({ length: 5 }, () => sample(r, HIGH));
  assert.equal(decisions.filter((d) => d === SamplingDecision.RECORD_AND_SAMPLED).length, 2);

  const ops = samplerFromStrategy({
    strategyType: 'PROBABILISTIC',
    operationSampling: {
      defaultSamplingProbability: 0,
      defaultLowerBoundTracesPerSecond: 0,
      perOperationStrategies: [{ operation: 'GET /hot', probabilisticSampling: { samplingRate: 1 } }],
    },
  });
  assert.ok(ops);
  assert.equal(sample(ops, HIGH, 'GET /hot'), SamplingDecision.RECORD_AND_SAMPLED);
  assert.equal(sample(ops, LOW, 'GET /cold'), SamplingDecision.NOT_RECORD);

  // Sampled roots say with which probability (as Jaeger's SDKs do): Skein's adaptive sampling reads it.
  const attributesOf = (s: { shouldSample: JaegerRemoteSampler['shouldSample'] }, traceId: string, name = 'op') =>
    s.shouldSample(ROOT_CONTEXT, traceId, name, SpanKind.SERVER, {}, []).attributes;
  assert.deepEqual(attributesOf(p, LOW), { 'jaeger.sampler.type': 'probabilistic', 'jaeger.sampler.param': 0.5 });
  assert.equal(attributesOf(p, HIGH), undefined);
  assert.deepEqual(attributesOf(ops, HIGH, 'GET /hot'), { 'jaeger.sampler.type': 'probabilistic', 'jaeger.sampler.param': 1 });
  const floored = samplerFromStrategy({
    operationSampling: { defaultSamplingProbability: 0, defaultLowerBoundTracesPerSecond: 1, perOperationStrategies: [{ operation: 'x' }] },
  });
  assert.ok(floored);
  assert.deepEqual(attributesOf(floored, HIGH, 'GET /rare'), { 'jaeger.sampler.type': 'lowerbound', 'jaeger.sampler.param': 0 });
  assert.equal(sample(floored, HIGH, 'GET /rare'), SamplingDecision.NOT_RECORD, 'the floor allows one a second');

  assert.equal(samplerFromStrategy({ strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 3 } }), undefined);
  assert.equal(samplerFromStrategy('nonsense'), undefined);
});

test('polls a real sampling endpoint, keeps the last sampler when it fails', async () => {
  const requests: string[] = [];
  const credentials: Array<string | undefined> = [];
  let answer: { status: number; body: unknown } = {
    status: 200,
    body: { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 1 } },
  };
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    credentials.push(req.headers.authorization);
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const errors: unknown[] = [];
  const sampler = new JaegerRemoteSampler({
    endpoint: `http://127.0.0.1:${port}/`,
    serviceName: 'check out',
    pollIntervalMs: 60_000,
    initialSampler: new AlwaysOffSampler(),
    onError: (e) => errors.push(e),
    headers: { authorization: 'Bearer sdk-token' },
  });
  try {
    assert.equal(sample(sampler, HIGH), SamplingDecision.NOT_RECORD, 'initial sampler before the first answer');
    await sampler.refresh();
    assert.deepEqual(requests, ['/sampling?service=check%20out']);
    assert.deepEqual(credentials, ['Bearer sdk-token'], 'the export credential goes along');
    assert.equal(sample(sampler, HIGH), SamplingDecision.RECORD_AND_SAMPLED);

    answer = { status: 500, body: {} };
    await sampler.refresh();
    assert.equal(errors.length, 1);
    assert.equal(sample(sampler, HIGH), SamplingDecision.RECORD_AND_SAMPLED, 'a failed poll keeps the strategy in force');

    // start() asks at once; its timer is unref'd, so this test file can still end on its own.
    answer = { status: 200, body: { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 0 } } };
    sampler.start();
    await sampler.refresh();
    assert.equal(sample(sampler, LOW), SamplingDecision.NOT_RECORD);
  } finally {
    sampler.shutdown();
    server.close();
  }
});
