import { renameSync, writeFileSync } from 'node:fs';
import { decodeOtlpProtoTraces } from '../model/otlp-proto-decode.js';
import { encodeOtlpJsonTraces } from '../model/otlp-json.js';
import { encodeOtlpProtoTraces } from '../model/otlp-proto-encode.js';
import type { Span } from '../model/span.js';
import { defaultTopology } from './default-topology.js';
import { backoffMillis, type Exporter } from './exporters/export-outcome.js';
import { createGrpcExporter } from './exporters/grpc-exporter.js';
import { createHttpExporter } from './exporters/http-exporter.js';
import { FixtureWriter, readFixture } from './fixture-file.js';
import { LoadStats, percentiles, type LatencySummary } from './load-stats.js';
import type { LoadgenOptions, LoadgenProtocol } from './loadgen-args.js';
import { loadTopologyFile, type Topology } from './topology.js';
import { TraceGenerator } from './trace-generator.js';

export type { LoadgenOptions } from './loadgen-args.js';
export { LOADGEN_USAGE, LoadgenUsageError, parseLoadgenArgs } from './loadgen-args.js';

/** Structurally the CLI's Logger, so the lead can pass it straight in. */
export interface LoadgenLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface LoadgenSummary {
  mode: 'send' | 'write-fixture';
  protocol: LoadgenProtocol;
  endpoint: string;
  /** Target spans per second, or 'max' (unpaced). */
  rate: number | 'max';
  connections: number;
  batchSize: number;
  seed: number;
  topology: string;
  startTimeUnixNano: string;
  seconds: number;
  traces: number;
  /** Spans generated (or read from the fixture). */
  spans: number;
  requests: number;
  sent: number;
  acknowledged: number;
  rejected: number;
  failed: number;
  retried: number;
  /** Acknowledged spans per second (generated+encoded spans per second when writing a fixture). */
  spansPerSecond: number;
  latencyMillis: LatencySummary;
  /** The first distinct rejection/failure reasons. */
  messages: string[];
  fixture?: { path: string; requests: number; bytes: number };
}

/**
 * Unpaced runs space traces 50 µs apart on the virtual clock (20k traces/s, faster than any run
 * here), so no timestamp lies in the future of the wall clock.
 */
export const UNPACED_TRACE_INTERVAL_NANOS = 50_000;

interface Batch {
  body: Uint8Array;
  spans: number;
}

/** Hands out encoded requests; `stopping` asks for what is pending (whole traces) and then the end. */
interface BatchSource {
  next(stopping: boolean): Batch | undefined;
  traces(): number;
  spans(): number;
}

export async function runLoadgen(options: LoadgenOptions, log: LoadgenLog): Promise<LoadgenSummary> {
  const summary = await generateLoad(options, log);
  if (options.summaryJson !== undefined) writeSummaryJson(options.summaryJson, summary);
  return summary;
}

/**
 * Written to a temporary name and renamed into place, so that a process polling for the file
 * (a benchmark driving loadgen as a child process) never reads half of it.
 */
function writeSummaryJson(path: string, summary: LoadgenSummary): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(temporary, path);
}

async function generateLoad(options: LoadgenOptions, log: LoadgenLog): Promise<LoadgenSummary> {
  const topology = options.topologyFile === undefined ? defaultTopology() : loadTopologyFile(options.topologyFile);
  // A few seconds in the past: spans arrive after they ended, as they would from an SDK.
  const startTimeUnixNano = options.startTimeUnixNano ?? (BigInt(Date.now()) - 5000n) * 1_000_000n;
  if (options.writeFixture !== undefined) return writeFixture(options, topology, startTimeUnixNano, log);

  const source =
    options.fromFixture === undefined
      ? generatorSource(options, topology, startTimeUnixNano)
      : fixtureSource(options.fromFixture, options.protocol);
  const exporter = createExporter(options);
  const stats = new LoadStats();
  const started = performance.now();
  const deadline = options.durationSeconds === undefined ? Infinity : started + options.durationSeconds * 1000;
  const pace = pacer(options.rate);
  log.info(
    `loadgen: ${options.protocol} to ${options.endpoint}, ${options.rate === undefined ? 'as fast as possible' : `${options.rate} spans/s`}, ` +
      `${options.connections} connections, ${options.batchSize} spans per request, seed ${options.seed}, topology ${topology.name}`,
  );
  const progress = setInterval(() => log.info(stats.progressLine((performance.now() - started) / 1000)), options.progressIntervalMillis);
  const stopping = (): boolean => performance.now() >= deadline || options.signal?.aborted === true;

  const worker = async (connection: number): Promise<void> => {
    for (;;) {
      const batch = source.next(stopping());
      if (batch === undefined) return;
      await pace(batch.spans);
      stats.sent += batch.spans;
      await exportWithRetries(exporter, batch, connection, options, stats, log);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, (_, i) => worker(i)));
  } finally {
    clearInterval(progress);
    exporter.close();
  }

  const seconds = (performance.now() - started) / 1000;
  const summary: LoadgenSummary = {
    mode: 'send',
    protocol: options.protocol,
    endpoint: options.endpoint,
    rate: options.rate ?? 'max',
    connections: options.connections,
    batchSize: options.batchSize,
    seed: options.seed,
    topology: options.fromFixture === undefined ? topology.name : `fixture ${options.fromFixture}`,
    startTimeUnixNano: String(startTimeUnixNano),
    seconds: round(seconds),
    traces: source.traces(),
    spans: source.spans(),
    requests: stats.requests,
    sent: stats.sent,
    acknowledged: stats.acknowledged,
    rejected: stats.rejected,
    failed: stats.failed,
    retried: stats.retried,
    spansPerSecond: Math.round(stats.acknowledged / seconds),
    latencyMillis: percentiles(stats.latencies),
    messages: stats.messages,
  };
  logSummary(summary, log);
  return summary;
}

async function exportWithRetries(
  exporter: Exporter,
  batch: Batch,
  connection: number,
  options: LoadgenOptions,
  stats: LoadStats,
  log: LoadgenLog,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const t0 = performance.now();
    const outcome = await exporter.export(batch.body, connection);
    stats.recordLatency(performance.now() - t0);
    stats.requests++;
    if (outcome.kind === 'accepted') {
      const rejected = Math.min(batch.spans, outcome.rejectedSpans);
      stats.rejected += rejected;
      stats.acknowledge(batch.spans - rejected);
      if (rejected > 0 && stats.note(`partial success: ${outcome.errorMessage}`))
        log.warn(`loadgen: ${rejected} spans rejected: ${outcome.errorMessage}`);
      return;
    }
    const giveUp = outcome.kind === 'failed' || attempt >= options.maxRetries || options.signal?.aborted === true;
    if (giveUp) {
      stats.failed += batch.spans;
      const why = outcome.kind === 'failed' ? outcome.reason : `gave up after ${attempt + 1} attempts: ${outcome.reason}`;
      if (stats.note(why)) log.warn(`loadgen: request of ${batch.spans} spans failed: ${why}`);
      return;
    }
    stats.retried++;
    await sleep(outcome.delayMillis ?? backoffMillis(attempt));
  }
}

function createExporter(options: LoadgenOptions): Exporter {
  const common = { connections: options.connections, timeoutMillis: options.timeoutMillis, headers: options.headers };
  if (options.protocol === 'grpc') return createGrpcExporter({ target: options.endpoint, ...common });
  return createHttpExporter({ url: options.endpoint, encoding: options.protocol === 'http/json' ? 'json' : 'protobuf', ...common });
}

function encoderFor(protocol: LoadgenProtocol): (spans: readonly Span[]) => Uint8Array {
  if (protocol === 'http/json') return (spans) => Buffer.from(JSON.stringify(encodeOtlpJsonTraces(spans)));
  return encodeOtlpProtoTraces;
}

/**
 * Generated traffic cut into requests of `batchSize` spans. Traces are kept whole across the cut
 * (a big trace spans several requests), and on stop the pending rest is still sent so every
 * generated trace arrives complete.
 */
function generatorSource(options: LoadgenOptions, topology: Topology, startTimeUnixNano: bigint): BatchSource {
  const largeTraceShare = options.largeTraceShare;
  // Space traces on the virtual clock as they will be sent, so span times track the wall clock.
  const meanTraceIntervalNanos =
    options.rate === undefined
      ? UNPACED_TRACE_INTERVAL_NANOS
      : (TraceGenerator.meanSpansPerTrace(topology, 300, largeTraceShare) / options.rate) * 1e9;
  const generator = new TraceGenerator(topology, {
    seed: options.seed,
    startTimeUnixNano,
    meanTraceIntervalNanos,
    ...(largeTraceShare === undefined ? {} : { largeTraceShare }),
  });
  const encode = encoderFor(options.protocol);
  let pending: Span[] = [];
  return {
    next(stopping) {
      const more = (): boolean => !stopping && (options.traces === undefined || generator.tracesGenerated < options.traces);
      while (pending.length < options.batchSize && more()) {
        for (const span of generator.nextTrace()) pending.push(span);
      }
      if (pending.length === 0) return undefined;
      const spans = pending.length <= options.batchSize ? pending : pending.slice(0, options.batchSize);
      pending = pending.length <= options.batchSize ? [] : pending.slice(options.batchSize);
      return { body: encode(spans), spans: spans.length };
    },
    traces: () => generator.tracesGenerated,
    spans: () => generator.spansGenerated,
  };
}

/** A fixture replayed once in order (or until --duration); JSON requests are re-encoded up front. */
function fixtureSource(path: string, protocol: LoadgenProtocol): BatchSource {
  const encode = encoderFor(protocol);
  const traceIds = new Set<string>();
  const batches: Batch[] = readFixture(path).map((request) => {
    const spans = decodeOtlpProtoTraces(request);
    for (const span of spans) traceIds.add(span.traceId);
    return { body: protocol === 'http/json' ? encode(spans) : request, spans: spans.length };
  });
  let index = 0;
  let spans = 0;
  return {
    next(stopping) {
      if (stopping || index >= batches.length) return undefined;
      const batch = batches[index++]!;
      spans += batch.spans;
      return batch;
    },
    traces: () => traceIds.size,
    spans: () => spans,
  };
}

function writeFixture(options: LoadgenOptions, topology: Topology, startTimeUnixNano: bigint, log: LoadgenLog): LoadgenSummary {
  const path = options.writeFixture!;
  const traces = options.traces ?? 1000;
  const source = generatorSource({ ...options, protocol: 'http/protobuf', traces }, topology, startTimeUnixNano);
  const writer = new FixtureWriter(path);
  const started = performance.now();
  try {
    for (let batch = source.next(false); batch !== undefined; batch = source.next(false)) writer.write(batch.body);
  } finally {
    writer.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const summary: LoadgenSummary = {
    mode: 'write-fixture',
    protocol: 'http/protobuf',
    endpoint: '',
    rate: 'max',
    connections: 0,
    batchSize: options.batchSize,
    seed: options.seed,
    topology: topology.name,
    startTimeUnixNano: String(startTimeUnixNano),
    seconds: round(seconds),
    traces: source.traces(),
    spans: source.spans(),
    requests: writer.requests,
    sent: 0,
    acknowledged: 0,
    rejected: 0,
    failed: 0,
    retried: 0,
    spansPerSecond: Math.round(source.spans() / seconds),
    latencyMillis: percentiles([]),
    messages: [],
    fixture: { path, requests: writer.requests, bytes: writer.bytes },
  };
  log.info(
    `loadgen: wrote ${summary.traces} traces, ${summary.spans} spans in ${writer.requests} requests (${writer.bytes} bytes) to ${path} ` +
      `in ${summary.seconds} s (${summary.spansPerSecond} spans/s generated and encoded); seed ${options.seed}, start time ${startTimeUnixNano}`,
  );
  return summary;
}

function logSummary(s: LoadgenSummary, log: LoadgenLog): void {
  log.info(
    `loadgen done in ${s.seconds} s: ${s.traces} traces, ${s.spans} spans; sent ${s.sent}, acknowledged ${s.acknowledged}, ` +
      `rejected ${s.rejected}, failed ${s.failed}; ${s.requests} requests, ${s.retried} retries; ${s.spansPerSecond} spans/s; ` +
      `export latency p50 ${s.latencyMillis.p50} ms, p90 ${s.latencyMillis.p90} ms, p99 ${s.latencyMillis.p99} ms, max ${s.latencyMillis.max} ms; ` +
      `seed ${s.seed}, start time ${s.startTimeUnixNano}`,
  );
  for (const message of s.messages) log.warn(`loadgen: ${message}`);
}

/**
 * Token-bucket pacing in spans: each request reserves its slot on a shared schedule. A schedule
 * that fell behind (slow endpoint) is not caught up in a burst, only resumed.
 */
function pacer(rate: number | undefined): (spans: number) => Promise<void> {
  if (rate === undefined) return () => Promise.resolve();
  let nextAt = performance.now();
  return async (spans) => {
    const now = performance.now();
    if (nextAt < now - 1000) nextAt = now;
    const at = nextAt;
    nextAt += (spans * 1000) / rate;
    if (at > now) await sleep(at - now);
  };
}

function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
