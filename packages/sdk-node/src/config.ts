import { PROPAGATORS, PROTOCOLS } from './options.js';
import type { OtlpProtocol, PropagatorName, RegisterOptions } from './options.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** How new traces are sampled; `parentBased` makes child spans follow the caller's decision. */
export type SamplerSpec =
  | { type: 'always_on' | 'always_off'; parentBased: boolean }
  | { type: 'ratio'; ratio: number; parentBased: boolean }
  | {
      type: 'remote';
      endpoint: string;
      pollIntervalMs: number;
      initialRatio: number;
      parentBased: boolean;
      /** The implicit default (Skein's sampling API beside the OTLP endpoint): failures are not reported. */
      quiet?: boolean;
      /** The export credential, sent along when the endpoint is on the host the spans go to. */
      headers?: Record<string, string>;
    };

/** Options and environment merged into the one set of decisions `register()` acts on. */
export interface ResolvedConfig {
  protocol: OtlpProtocol;
  tracesUrl: string;
  headers: Record<string, string>;
  sampler: SamplerSpec;
  inject: PropagatorName[];
  extractAllFormats: boolean;
  shutdownOnExit: boolean;
  shutdownTimeoutMs: number;
  /** Environment values that were ignored, with why; printed once at start-up. */
  warnings: string[];
}

const DEFAULT_HTTP_ENDPOINT = 'http://localhost:4318';
const DEFAULT_GRPC_ENDPOINT = 'http://localhost:4317';
const DEFAULT_POLL_INTERVAL_MS = 60_000;

function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function appendTracesPath(base: string): string {
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

function resolveProtocol(options: RegisterOptions, env: Env, warnings: string[]): OtlpProtocol {
  if (options.protocol !== undefined) return options.protocol;
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const value = envValue(env, name);
    if (value === undefined) continue;
    if ((PROTOCOLS as readonly string[]).includes(value)) return value as OtlpProtocol;
    // The OpenTelemetry spec: an invalid environment value is warned about and ignored.
    warnings.push(`${name}=${value} is not one of ${PROTOCOLS.join(', ')}; using http/protobuf`);
    return 'http/protobuf';
  }
  return 'http/protobuf';
}

function resolveTracesUrl(options: RegisterOptions, env: Env, protocol: OtlpProtocol): string {
  // gRPC has no per-signal path: its endpoint is used as given.
  const forHttp = (base: string): string => (protocol === 'grpc' ? base : appendTracesPath(base));
  if (options.tracesEndpoint !== undefined) return options.tracesEndpoint;
  if (options.endpoint !== undefined) return forHttp(options.endpoint);
  const tracesEnv = envValue(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (tracesEnv !== undefined) return tracesEnv;
  const baseEnv = envValue(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (baseEnv !== undefined) return forHttp(baseEnv);
  return protocol === 'grpc' ? DEFAULT_GRPC_ENDPOINT : appendTracesPath(DEFAULT_HTTP_ENDPOINT);
}

function parseRatio(raw: string | undefined, name: string, warnings: string[]): number {
  if (raw === undefined) return 1;
  const ratio = Number(raw);
  if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) return ratio;
  warnings.push(`${name}=${raw} is not a number from 0 to 1; using 1`);
  return 1;
}

/** Parses the spec's `endpoint=URL,pollingIntervalMs=N,initialSamplingRate=R` argument of jaeger_remote. */
function parseRemoteArg(raw: string | undefined, parentBased: boolean, warnings: string[]): SamplerSpec {
  const fields = new Map<string, string>();
  for (const part of (raw ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const poll = Number(fields.get('pollingIntervalMs') ?? DEFAULT_POLL_INTERVAL_MS);
  return {
    type: 'remote',
    endpoint: fields.get('endpoint') ?? 'http://localhost:5778',
    pollIntervalMs: Number.isInteger(poll) && poll > 0 ? poll : DEFAULT_POLL_INTERVAL_MS,
    initialRatio: parseRatio(fields.get('initialSamplingRate'), 'OTEL_TRACES_SAMPLER_ARG initialSamplingRate', warnings),
    parentBased,
  };
}

/** Skein's sampling API (`extensions.sampling`, :5778) on the host the spans go to. */
function skeinSamplingEndpoint(tracesUrl: string): string | undefined {
  try {
    const url = new URL(tracesUrl);
    return `${url.protocol}//${url.hostname}:5778`; // an IPv6 hostname keeps its brackets
  } catch {
    return undefined;
  }
}

/** `k=v,k2=v2` with URL-encoded values, as the OTLP exporter spec writes `OTEL_EXPORTER_OTLP_HEADERS`. */
function parseHeaderList(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    try {
      headers[pair.slice(0, eq).trim().toLowerCase()] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      // A malformed value is the exporter's to report; the sampler simply does without it.
    }
  }
  return headers;
}

/**
 * Skein authenticates its sampling API like its receivers (an ingest token suffices), so the
 * sampler sends the credential the spans are exported with: `Authorization` and the tenant header,
 * from `headers` over `OTEL_EXPORTER_OTLP_TRACES_HEADERS` over `OTEL_EXPORTER_OTLP_HEADERS`. Only
 * to the host the spans go to: a credential never leaves for another host.
 */
function withCredential(spec: SamplerSpec, options: RegisterOptions, env: Env, tracesUrl: string): SamplerSpec {
  if (spec.type !== 'remote') return spec;
  try {
    if (new URL(spec.endpoint).hostname !== new URL(tracesUrl).hostname) return spec;
  } catch {
    return spec;
  }
  const merged: Record<string, string> = {
    ...parseHeaderList(envValue(env, 'OTEL_EXPORTER_OTLP_HEADERS')),
    ...parseHeaderList(envValue(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS')),
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) merged[name.toLowerCase()] = value;
  const headers: Record<string, string> = {};
  for (const name of ['authorization', 'x-scope-orgid']) if (merged[name] !== undefined) headers[name] = merged[name];
  return Object.keys(headers).length === 0 ? spec : { ...spec, headers };
}

function resolveSampler(options: RegisterOptions, env: Env, warnings: string[], tracesUrl: string): SamplerSpec {
  if (options.samplingEndpoint === false) {
    return options.sampleRatio === undefined
      ? { type: 'always_on', parentBased: true }
      : { type: 'ratio', ratio: options.sampleRatio, parentBased: true };
  }
  if (options.samplingEndpoint !== undefined) {
    return {
      type: 'remote',
      endpoint: options.samplingEndpoint,
      pollIntervalMs: options.samplingPollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      initialRatio: options.sampleRatio ?? 1,
      parentBased: true,
    };
  }
  if (options.sampleRatio !== undefined) return { type: 'ratio', ratio: options.sampleRatio, parentBased: true };
  const name = envValue(env, 'OTEL_TRACES_SAMPLER');
  const arg = envValue(env, 'OTEL_TRACES_SAMPLER_ARG');
  switch (name) {
    case undefined: {
      // Nothing configured: follow the strategies of the Skein the spans go to, sampling everything
      // until it answers (and for good when it serves none: polling failures stay quiet).
      const endpoint = skeinSamplingEndpoint(tracesUrl);
      if (endpoint === undefined) return { type: 'always_on', parentBased: true };
      return { type: 'remote', endpoint, pollIntervalMs: DEFAULT_POLL_INTERVAL_MS, initialRatio: 1, parentBased: true, quiet: true };
    }
    case 'parentbased_always_on':
      return { type: 'always_on', parentBased: true };
    case 'always_on':
      return { type: 'always_on', parentBased: false };
    case 'always_off':
      return { type: 'always_off', parentBased: false };
    case 'parentbased_always_off':
      return { type: 'always_off', parentBased: true };
    case 'traceidratio':
      return { type: 'ratio', ratio: parseRatio(arg, 'OTEL_TRACES_SAMPLER_ARG', warnings), parentBased: false };
    case 'parentbased_traceidratio':
      return { type: 'ratio', ratio: parseRatio(arg, 'OTEL_TRACES_SAMPLER_ARG', warnings), parentBased: true };
    case 'jaeger_remote':
      return parseRemoteArg(arg, false, warnings);
    case 'parentbased_jaeger_remote':
      return parseRemoteArg(arg, true, warnings);
    default:
      warnings.push(`OTEL_TRACES_SAMPLER=${name} is not supported; using parentbased_always_on`);
      return { type: 'always_on', parentBased: true };
  }
}

function resolvePropagators(options: RegisterOptions, env: Env, warnings: string[]): PropagatorName[] {
  if (options.propagators !== undefined) return [...new Set(options.propagators)];
  const raw = envValue(env, 'OTEL_PROPAGATORS');
  if (raw === undefined) return ['tracecontext', 'baggage'];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.includes('none')) return [];
  const known: PropagatorName[] = [];
  for (const name of names) {
    if ((PROPAGATORS as readonly string[]).includes(name)) known.push(name as PropagatorName);
    else warnings.push(`OTEL_PROPAGATORS entry "${name}" is not supported (${PROPAGATORS.join(', ')}); ignored`);
  }
  return [...new Set(known)];
}

/** Merges validated options over the `OTEL_*` environment: an option always wins over the environment. */
export function resolveConfig(options: RegisterOptions, env: Env): ResolvedConfig {
  const warnings: string[] = [];
  const protocol = resolveProtocol(options, env, warnings);
  const tracesUrl = resolveTracesUrl(options, env, protocol);
  return {
    protocol,
    tracesUrl,
    headers: { ...options.headers },
    sampler: withCredential(resolveSampler(options, env, warnings, tracesUrl), options, env, tracesUrl),
    inject: resolvePropagators(options, env, warnings),
    extractAllFormats: options.extractAllFormats ?? true,
    shutdownOnExit: options.shutdownOnExit ?? true,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5000,
    warnings,
  };
}
