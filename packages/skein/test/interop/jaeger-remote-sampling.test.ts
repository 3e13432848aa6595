/**
 * Remote and adaptive sampling with stock clients (issue 13, items 4 and 5): the Go SDK's Jaeger
 * remote sampler (go.opentelemetry.io/contrib/samplers/jaegerremote, in the Go interop client) and
 * the JavaScript one (@opentelemetry/sampler-jaeger-remote, js/jaeger-remote-client.mjs) poll a
 * running Skein's sampling API while starting root spans of two operations, one with 100×
 * the traffic of the other; Skein's adaptive sampling must converge to a ~100× lower probability
 * for the busy one within a few intervals, and the SDK must follow (both sample ~ the target).
 * Also: the gRPC SamplingManager answers what HTTP answers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { credentials, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { GO_CLIENT, INTEROP_DIR, interopSkip } from './interop-support.js';

const JS_CLIENT = `${INTEROP_DIR}/js/jaeger-remote-client.mjs`;

const INTERVAL_SECONDS = 2;
const TARGET_PER_SECOND = 5;
const HOT = 'GET /hot';
const COLD = 'GET /cold';

const SamplingTypes = protobuf.parse(`syntax = "proto3";
  message ProbabilisticSamplingStrategy { double samplingRate = 1; }
  message OperationSamplingStrategy { string operation = 1; ProbabilisticSamplingStrategy probabilisticSampling = 2; }
  message PerOperationSamplingStrategies { double defaultSamplingProbability = 1; double defaultLowerBoundTracesPerSecond = 2;
    repeated OperationSamplingStrategy perOperationStrategies = 3; double defaultUpperBoundTracesPerSecond = 4; }
  message RateLimitingSamplingStrategy { int32 maxTracesPerSecond = 1; }
  message SamplingStrategyResponse { int32 strategyType = 1; ProbabilisticSamplingStrategy probabilisticSampling = 2;
    RateLimitingSamplingStrategy rateLimitingSampling = 3; PerOperationSamplingStrategies operationSampling = 4; }
  message SamplingStrategyParameters { string serviceName = 1; }`).root;

interface Strategy {
  operationSampling?: { perOperationStrategies?: Array<{ operation: string; probabilisticSampling: { samplingRate?: number } }> };
}

function probabilities(strategy: Strategy): Map<string, number> {
  return new Map(
    (strategy.operationSampling?.perOperationStrategies ?? []).map((op) => [op.operation, op.probabilisticSampling.samplingRate ?? 0]),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// The Go and JS clients poll for different services, so they run side by side: the file stays
// well under a minute (~75 s one after the other).
describe('Jaeger remote sampling: stock Go SDK sampler against a running Skein', { skip: interopSkip(['go']), concurrency: true }, () => {
  let skein: SkeinProcess;
  let httpUrl: string;
  let grpcPort: number;
  before(async () => {
    // The tap writes its per-operation counts every 500 ms; the window ends 1 s before now so
    // that they have landed.
    const config = writeConfig(`
processors:
  metrics_tap:
    spanmetrics: { metrics_flush_interval: 500ms }
extensions:
  sampling:
    http: { endpoint: 127.0.0.1:0 }
    grpc: { endpoint: 127.0.0.1:0 }
    adaptive:
      interval: ${INTERVAL_SECONDS}s
      delay: 1s
      target_traces_per_second: ${TARGET_PER_SECOND}
      min_sampling_probability: 0.0001
service:
  extensions: [query, sampling]
`);
    skein = await startSkein({ args: ['--config', config] });
    const http = skein.logs
      .map((line) => /sampling strategies \(adaptive\) on (http:\/\/127\.0\.0\.1:\d+\/sampling)/.exec(line)?.[1])
      .find(Boolean);
    const grpc = skein.logs.map((line) => /SamplingManager\) on 127\.0\.0\.1:(\d+)/.exec(line)?.[1]).find(Boolean);
    assert.ok(http && grpc, skein.logs.join('\n'));
    httpUrl = http;
    grpcPort = Number(grpc);
  });
  after(async () => {
    await skein?.stop();
    if (skein) removeDir(skein.dataDir);
  });

  /**
   * Runs a client (one JSON line a second: `{"sampled": {op: n}}`) while reading Skein's strategy
   * for its service every second; asserts the convergence over the last ~10 seconds.
   */
  async function converges(command: string, args: string[], service: string): Promise<void> {
    // A stuck client is killed (and fails the test) rather than hanging it.
    const client = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    client.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    client.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => client.once('close', (code) => done(code)));

    const ratios: number[] = [];
    const seen: string[] = [];
    for (let second = 0; second < 25; second++) {
      await new Promise((done) => setTimeout(done, 1000));
      const strategy = (await (await fetch(`${httpUrl}?service=${service}`, { signal: AbortSignal.timeout(10_000) })).json()) as Strategy;
      const p = probabilities(strategy);
      seen.push(`${second}s: hot ${p.get(HOT)} cold ${p.get(COLD)}`);
      const hot = p.get(HOT);
      const cold = p.get(COLD);
      if (second >= 14 && hot !== undefined && cold !== undefined && hot > 0) ratios.push(cold / hot);
    }
    assert.equal(await exited, 0, `client failed: ${stderr}`);
    const ratio = median(ratios);
    assert.ok(ratio > 50 && ratio < 200, `cold/hot probability ratio ${ratio} (want ~100)\n${seen.join('\n')}`);

    // The SDK follows: over the last seconds each operation is sampled at about the target rate.
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { sampled: Record<string, number> });
    const tail = lines.slice(-8, -1);
    const perSecond = (op: string): number => tail.reduce((sum, line) => sum + (line.sampled[op] ?? 0), 0) / tail.length;
    for (const op of [HOT, COLD]) {
      const rate = perSecond(op);
      assert.ok(
        rate > TARGET_PER_SECOND / 3 && rate < TARGET_PER_SECOND * 3,
        `${op} sampled ${rate}/s (target ${TARGET_PER_SECOND}/s)\n${seen.join('\n')}\n${stdout}`,
      );
    }
  }

  test('Go (jaegerremote): an operation with 100× the traffic converges to ~100× lower probability, and the SDK follows', () =>
    converges(
      GO_CLIENT,
      [
        'sample',
        '-endpoint',
        `127.0.0.1:${skein.ports.otlpGrpc}`,
        '-sampling-url',
        httpUrl,
        '-service',
        'go-sampled',
        '-rates',
        `${HOT}=2000,${COLD}=20`,
        '-duration',
        '26s',
      ],
      'go-sampled',
    ));

  test('JavaScript (@opentelemetry/sampler-jaeger-remote): the same convergence', () =>
    converges(
      process.execPath,
      [
        JS_CLIENT,
        '--otlp',
        skein.otlpHttpUrl,
        // The JS sampler appends `/sampling` itself.
        '--sampling',
        httpUrl.replace(/\/sampling$/, ''),
        '--service',
        'js-sampled',
        '--rates',
        `${HOT}=2000,${COLD}=20`,
        '--seconds',
        '26',
      ],
      'js-sampled',
    ));

  test('gRPC SamplingManager/GetSamplingStrategy answers what HTTP answers', async () => {
    const Request = SamplingTypes.lookupType('SamplingStrategyParameters');
    const Response = SamplingTypes.lookupType('SamplingStrategyResponse');
    const Client = makeGenericClientConstructor(
      {
        GetSamplingStrategy: {
          path: '/jaeger.api_v2.SamplingManager/GetSamplingStrategy',
          requestStream: false,
          responseStream: false,
          requestSerialize: (value: Buffer) => value,
          requestDeserialize: (value: Buffer) => value,
          responseSerialize: (value: Buffer) => value,
          responseDeserialize: (value: Buffer) => value,
        },
      },
      'SamplingManager',
    );
    // Runs beside the Go client: wait (bounded) until its operations have strategies.
    const fetchStrategy = async (): Promise<Strategy> =>
      (await (await fetch(`${httpUrl}?service=go-sampled`, { signal: AbortSignal.timeout(10_000) })).json()) as Strategy;
    for (const deadline = Date.now() + 40_000; probabilities(await fetchStrategy()).size < 2;) {
      assert.ok(Date.now() < deadline, 'the Go client’s operations got no strategies within 40 s');
      await new Promise((done) => setTimeout(done, 500));
    }
    const client = new Client(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
    type Call = (req: Buffer, options: { deadline: number }, cb: (e: ServiceError | null, r: Buffer) => void) => void;
    const viaGrpc = async (): Promise<Strategy> => {
      const bytes = await new Promise<Buffer>((done, fail) =>
        (client as unknown as { GetSamplingStrategy: Call }).GetSamplingStrategy(
          Buffer.from(Request.encode({ serviceName: 'go-sampled' }).finish()),
          { deadline: Date.now() + 10_000 },
          (error, response) => (error ? fail(error) : done(response)),
        ),
      );
      return Response.toObject(Response.decode(bytes), { defaults: false }) as Strategy;
    };
    try {
      // Adaptive sampling recomputes every interval while the Go client runs: compare a gRPC answer
      // with HTTP answers read just before and after it that agree (no recomputation in between).
      for (let attempt = 0; ; attempt++) {
        const before = probabilities(await fetchStrategy());
        const grpc = probabilities(await viaGrpc());
        const after = probabilities(await fetchStrategy());
        if (JSON.stringify([...before]) !== JSON.stringify([...after]) && attempt < 10) continue;
        assert.deepEqual(grpc, after);
        assert.ok(grpc.size >= 2);
        break;
      }
    } finally {
      client.close();
    }
  });
});
