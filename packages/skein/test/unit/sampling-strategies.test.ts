import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { ConfigError } from '../../src/model/config-error.js';
import { decodeSamplingParameters, encodeSamplingStrategy, samplingStrategyToJson } from '../../src/model/jaeger-sampling.js';
import { probabilityFor, trueTracesPerSecond, type AdaptiveSamplingConfig } from '../../src/query/sampling/adaptive-sampling.js';
import { probabilityOfThreshold } from '../../src/query/sampling/operation-throughput.js';
import { parseStrategyFile, strategyFromFile, StrategyFileWatcher } from '../../src/query/sampling/strategy-file.js';

const FILE = JSON.stringify({
  default_strategy: {
    type: 'probabilistic',
    param: 0.5,
    operation_strategies: [{ operation: '/health', type: 'probabilistic', param: 0 }],
  },
  service_strategies: [
    {
      service: 'checkout',
      type: 'probabilistic',
      param: 0.8,
      operation_strategies: [
        { operation: 'GET /cart', type: 'probabilistic', param: 0.2 },
        { operation: '/health', type: 'probabilistic', param: 0.01 },
      ],
    },
    { service: 'batch', type: 'ratelimiting', param: 5 },
  ],
});

const Types = protobuf.parse(`syntax = "proto3";
  message P { double samplingRate = 1; }
  message Op { string operation = 1; P probabilisticSampling = 2; }
  message PerOp { double defaultSamplingProbability = 1; double defaultLowerBoundTracesPerSecond = 2; repeated Op perOperationStrategies = 3; double defaultUpperBoundTracesPerSecond = 4; }
  message R { int32 maxTracesPerSecond = 1; }
  message SamplingStrategyResponse { enum T { PROBABILISTIC = 0; RATE_LIMITING = 1; } T strategyType = 1; P probabilisticSampling = 2; R rateLimitingSampling = 3; PerOp operationSampling = 4; }
  message SamplingStrategyParameters { string serviceName = 1; }`).root;

describe('sampling strategies from a Jaeger strategies file', () => {
  const file = parseStrategyFile(FILE, 'strategies.json');

  it('serves a service its own strategy, the default operations under its own', () => {
    assert.deepEqual(samplingStrategyToJson(strategyFromFile(file, 'checkout')), {
      strategyType: 'PROBABILISTIC',
      probabilisticSampling: { samplingRate: 0.8 },
      operationSampling: {
        defaultSamplingProbability: 0.8,
        defaultLowerBoundTracesPerSecond: 0,
        perOperationStrategies: [
          { operation: 'GET /cart', probabilisticSampling: { samplingRate: 0.2 } },
          { operation: '/health', probabilisticSampling: { samplingRate: 0.01 } },
        ],
      },
    });
    assert.deepEqual(samplingStrategyToJson(strategyFromFile(file, 'batch')), {
      strategyType: 'RATE_LIMITING',
      rateLimitingSampling: { maxTracesPerSecond: 5 },
    });
    assert.deepEqual(strategyFromFile(file, 'other'), {
      type: 'probabilistic',
      samplingRate: 0.5,
      operations: {
        defaultSamplingProbability: 0.5,
        defaultLowerBoundTracesPerSecond: 0,
        perOperation: [{ operation: '/health', samplingRate: 0 }],
      },
    });
    assert.deepEqual(strategyFromFile(undefined, 'any'), { type: 'probabilistic', samplingRate: 1 });
  });

  it('refuses a bad file naming the key and the value', () => {
    assert.throws(
      () => parseStrategyFile('{', 'f.json'),
      (error: unknown) => error instanceof ConfigError && /f\.json: not JSON/.test(error.message),
    );
    assert.throws(
      () => parseStrategyFile(JSON.stringify({ default_strategy: { type: 'probabilistic', param: 2 }, extra: 1 }), 'f.json'),
      (error: unknown) =>
        error instanceof ConfigError &&
        /default_strategy\.param: a probabilistic param is a probability in 0\.\.1/.test(error.message) &&
        /extra/.test(error.message),
    );
  });

  it('reloads a changed file and keeps the last good strategies after a bad edit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-strategies-'));
    try {
      const path = join(dir, 'strategies.json');
      writeFileSync(path, FILE);
      const warnings: string[] = [];
      const watcher = new StrategyFileWatcher(path, 0, (message) => warnings.push(message));
      await watcher.start();
      assert.deepEqual(watcher.strategyFor('batch'), { type: 'ratelimiting', maxTracesPerSecond: 5 });
      writeFileSync(path, JSON.stringify({ service_strategies: [{ service: 'batch', type: 'probabilistic', param: 0.1 }] }));
      await watcher.reload();
      assert.deepEqual(watcher.strategyFor('batch'), { type: 'probabilistic', samplingRate: 0.1 });
      writeFileSync(path, '{ broken');
      await watcher.reload();
      assert.deepEqual(watcher.strategyFor('batch'), { type: 'probabilistic', samplingRate: 0.1 });
      assert.match(warnings.join('\n'), /not JSON.*serving the last good strategies/);
      watcher.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Jaeger sampling protobuf (SamplingManager over gRPC)', () => {
  const Response = Types.lookupType('SamplingStrategyResponse');
  const decode = (bytes: Uint8Array): unknown => Response.toObject(Response.decode(bytes), { enums: String, defaults: false });

  it('encodes what the JSON says', () => {
    const file = parseStrategyFile(FILE, 'strategies.json');
    assert.deepEqual(decode(encodeSamplingStrategy(strategyFromFile(file, 'checkout'))), {
      probabilisticSampling: { samplingRate: 0.8 },
      operationSampling: {
        defaultSamplingProbability: 0.8,
        perOperationStrategies: [
          { operation: 'GET /cart', probabilisticSampling: { samplingRate: 0.2 } },
          { operation: '/health', probabilisticSampling: { samplingRate: 0.01 } },
        ],
      },
    });
    assert.deepEqual(decode(encodeSamplingStrategy({ type: 'ratelimiting', maxTracesPerSecond: 5 })), {
      strategyType: 'RATE_LIMITING',
      rateLimitingSampling: { maxTracesPerSecond: 5 },
    });
  });

  it('decodes the request parameters', () => {
    const Parameters = Types.lookupType('SamplingStrategyParameters');
    assert.equal(decodeSamplingParameters(Parameters.encode({ serviceName: 'checkout' }).finish()), 'checkout');
    assert.equal(decodeSamplingParameters(new Uint8Array()), '');
    assert.throws(() => decodeSamplingParameters(Uint8Array.of(0x0a, 0x05, 0x61)), /truncated|length/);
  });
});

describe('adaptive sampling arithmetic', () => {
  const config: AdaptiveSamplingConfig = {
    targetTracesPerSecond: 2,
    minSamplingProbability: 0.001,
    maxSamplingProbability: 1,
    initialSamplingProbability: 1,
    lowerBoundTracesPerSecond: 0,
    intervalMillis: 10_000,
    delayMillis: 1_000,
  };

  it("estimates true traffic from each trace's own probability: ot=th, then the sampler's param, then what it was told", () => {
    assert.equal(probabilityOfThreshold('8'), 0.5);
    assert.equal(probabilityOfThreshold('c'), 0.25);
    assert.equal(probabilityOfThreshold('0'), 1);
    assert.equal(probabilityOfThreshold('xyz'), undefined);
    const counts = [
      { serviceName: 's', operation: 'o', threshold: '8', count: 10 }, // 20 traces
      { serviceName: 's', operation: 'o', threshold: '', samplerProbability: 0.1, count: 10 }, // 100
      { serviceName: 's', operation: 'o', threshold: '', count: 10 }, // told 0.01: 1000
    ];
    assert.equal(trueTracesPerSecond(counts, 0.01, 10), 112);
  });

  it('asks for the target within the bounds', () => {
    assert.equal(probabilityFor(200, config), 0.01);
    assert.equal(probabilityFor(1, config), 1);
    assert.equal(probabilityFor(1e9, config), 0.001);
    assert.equal(probabilityFor(0, config), 1);
  });
});
