import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConfigError } from '../model/config-error.js';
import { nanosToMillis, parseGoDurationNanos } from '../model/go-duration.js';

export const LOADGEN_USAGE = `Usage: skein loadgen [options]

Sends realistic tracing traffic (a ~10-service e-commerce system by default) to any OTLP endpoint.

Options:
      --endpoint URL          OTLP endpoint (default http://localhost:4318/v1/traces for HTTP,
                              localhost:4317 for gRPC); an HTTP URL without a path gets /v1/traces
      --protocol P            http/protobuf (default), http/json or grpc
      --rate N                target spans per second, or "max" for as fast as possible (default 1000)
      --connections N         concurrent connections / requests in flight (default 4)
      --batch-size N          spans per export request (default 512)
      --duration D            how long to send: 30s, 2m, 1h, 500ms (default 30s unless --traces)
      --traces N              send this many traces, then stop
      --seed N                random seed: the same seed, start time and topology give identical
                              requests (default: random, printed in the summary)
      --start-time T          timestamp of the first trace: RFC 3339 or Unix nanoseconds (default now)
      --topology FILE         topology in YAML or JSON (default: the built-in e-commerce system)
      --large-trace-share X   share of traces with 1k+ spans, 0..1 (default from the topology, 0.002)
      --header K=V            extra request header / gRPC metadata, repeatable (e.g. authorization)
      --timeout D             per-request timeout (default 10s)
      --max-retries N         retries per request on 429/503/RESOURCE_EXHAUSTED/UNAVAILABLE (default 10)
      --write-fixture FILE    generate --traces traces (default 1000) into FILE as length-prefixed
                              OTLP protobuf requests, without sending anything
      --from-fixture FILE     send the requests of a fixture file instead of generating traffic
      --summary-json FILE     also write the final summary as JSON to FILE (for benchmarks and scripts)
  -h, --help                  show this help
`;

export type LoadgenProtocol = 'http/protobuf' | 'http/json' | 'grpc';

export interface LoadgenOptions {
  help: boolean;
  /** For HTTP the full URL of the traces endpoint; for gRPC host:port or a URL. */
  endpoint: string;
  protocol: LoadgenProtocol;
  /** Target spans per second; undefined means as fast as possible. */
  rate: number | undefined;
  connections: number;
  batchSize: number;
  durationSeconds: number | undefined;
  traces: number | undefined;
  seed: number;
  /** Start of the virtual clock; undefined means a few seconds before the run starts. */
  startTimeUnixNano: bigint | undefined;
  topologyFile: string | undefined;
  largeTraceShare: number | undefined;
  headers: Record<string, string>;
  timeoutMillis: number;
  maxRetries: number;
  writeFixture: string | undefined;
  fromFixture: string | undefined;
  /** Where the final summary is also written as JSON (machine-readable, e.g. for bench/e2e-bench.ts). */
  summaryJson: string | undefined;
  /** How often a progress line is logged (not a flag; tests shorten it). */
  progressIntervalMillis: number;
  /** Stops generating when aborted (e.g. on SIGINT); requests in flight still complete. */
  signal?: AbortSignal;
}

/**
 * A bad `skein loadgen` flag: a ConfigError (flags are configuration), so `main` prints it without
 * a stack; its own name so the usage text can be told apart.
 */
export class LoadgenUsageError extends ConfigError {
  override readonly name: string = 'LoadgenUsageError';
}

const PROTOCOLS: readonly LoadgenProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

/** Parses `skein loadgen` arguments; every error names the flag and the value it got. */
export function parseLoadgenArgs(argv: readonly string[]): LoadgenOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        endpoint: { type: 'string' },
        protocol: { type: 'string' },
        rate: { type: 'string' },
        connections: { type: 'string' },
        'batch-size': { type: 'string' },
        duration: { type: 'string' },
        traces: { type: 'string' },
        seed: { type: 'string' },
        'start-time': { type: 'string' },
        topology: { type: 'string' },
        'large-trace-share': { type: 'string' },
        header: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        'max-retries': { type: 'string' },
        'write-fixture': { type: 'string' },
        'from-fixture': { type: 'string' },
        'summary-json': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new LoadgenUsageError(`skein loadgen: ${(error as Error).message}`);
  }

  const protocol = (values.protocol ?? 'http/protobuf') as LoadgenProtocol;
  if (!PROTOCOLS.includes(protocol)) fail('--protocol', values.protocol, `one of ${PROTOCOLS.join(', ')}`);

  const rateText = values.rate ?? '1000';
  const rate = rateText === 'max' ? undefined : positiveNumber('--rate', rateText, 'a positive number of spans per second or "max"');
  const traces = values.traces === undefined ? undefined : positiveInteger('--traces', values.traces);
  const durationSeconds = values.duration === undefined ? undefined : parseDuration('--duration', values.duration) / 1000;
  if (values['write-fixture'] !== undefined && values.duration !== undefined) {
    fail('--duration', values.duration, 'no --duration with --write-fixture (it generates --traces traces)');
  }
  if (values['write-fixture'] !== undefined && values['from-fixture'] !== undefined) {
    fail('--from-fixture', values['from-fixture'], 'not both --write-fixture and --from-fixture');
  }
  if (values['from-fixture'] !== undefined && traces !== undefined) {
    fail('--traces', values.traces, 'no --traces with --from-fixture (a fixture is replayed whole, or for --duration)');
  }

  const largeTraceShare = values['large-trace-share'] === undefined ? undefined : Number(values['large-trace-share']);
  if (largeTraceShare !== undefined && !(largeTraceShare >= 0 && largeTraceShare <= 1)) {
    fail('--large-trace-share', values['large-trace-share'], 'a number between 0 and 1');
  }

  const headers: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const at = header.indexOf('=');
    if (at <= 0) fail('--header', header, 'KEY=VALUE');
    headers[header.slice(0, at).trim()] = header.slice(at + 1);
  }

  const seed = values.seed === undefined ? randomInt(0, 2 ** 31) : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail('--seed', values.seed, 'an integer between 0 and 4294967295');

  return {
    help: values.help ?? false,
    endpoint: resolveEndpoint(values.endpoint, protocol),
    protocol,
    rate,
    connections: positiveInteger('--connections', values.connections ?? '4', 1024),
    batchSize: positiveInteger('--batch-size', values['batch-size'] ?? '512', 100_000),
    durationSeconds:
      durationSeconds ??
      (traces === undefined && values['write-fixture'] === undefined && values['from-fixture'] === undefined ? 30 : undefined),
    traces,
    seed,
    startTimeUnixNano: values['start-time'] === undefined ? undefined : parseStartTime(values['start-time']),
    topologyFile: values.topology,
    largeTraceShare,
    headers,
    timeoutMillis: parseDuration('--timeout', values.timeout ?? '10s'),
    maxRetries: nonNegativeInteger('--max-retries', values['max-retries'] ?? '10'),
    writeFixture: values['write-fixture'],
    fromFixture: values['from-fixture'],
    summaryJson: values['summary-json'],
    progressIntervalMillis: 1000,
  };
}

function fail(flag: string, value: string | undefined, expected: string): never {
  throw new LoadgenUsageError(`skein loadgen: ${flag}: expected ${expected}, got ${JSON.stringify(value)}`, flag);
}

function positiveNumber(flag: string, text: string, expected: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) fail(flag, text, expected);
  return n;
}

function positiveInteger(flag: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max) fail(flag, text, `an integer between 1 and ${max}`);
  return n;
}

function nonNegativeInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) fail(flag, text, 'a non-negative integer');
  return Number(text);
}

/**
 * A positive Go duration (`500ms`, `30s`, `2m`, `1m30s`; model/go-duration.ts), in milliseconds: the
 * same parser as every config key. A bare number is refused, as everywhere (it used to be seconds).
 */
export function parseDuration(flag: string, text: string): number {
  const nanos = parseGoDurationNanos(text.trim());
  if (nanos === undefined || nanos <= 0n) fail(flag, text, 'a positive duration such as 500ms, 30s, 2m or 1h');
  return nanosToMillis(nanos);
}

function parseStartTime(text: string): bigint {
  if (/^\d+$/.test(text)) return BigInt(text);
  const millis = Date.parse(text);
  if (Number.isNaN(millis)) fail('--start-time', text, 'an RFC 3339 time (2026-11-23T10:00:00Z) or Unix nanoseconds');
  return BigInt(millis) * 1_000_000n;
}

function resolveEndpoint(endpoint: string | undefined, protocol: LoadgenProtocol): string {
  if (protocol === 'grpc') {
    if (endpoint === undefined) return 'localhost:4317';
    if (endpoint.includes('://')) checkUrl(endpoint);
    return endpoint;
  }
  if (endpoint === undefined) return 'http://localhost:4318/v1/traces';
  const url = checkUrl(endpoint);
  // As OTEL_EXPORTER_OTLP_ENDPOINT: a base URL gets the signal path appended.
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
  return url.toString();
}

function checkUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('--endpoint', text, 'an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('--endpoint', text, 'an http:// or https:// URL');
  return url;
}
