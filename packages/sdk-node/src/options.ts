import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import type { UndiciInstrumentationConfig } from '@opentelemetry/instrumentation-undici';

/** OTLP transports Skein accepts (the values of `OTEL_EXPORTER_OTLP_PROTOCOL`). */
export const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
export type OtlpProtocol = (typeof PROTOCOLS)[number];

/** Propagation formats (the values of `OTEL_PROPAGATORS`, minus the ones Skein has no use for). */
export const PROPAGATORS = ['tracecontext', 'baggage', 'b3', 'b3multi'] as const;
export type PropagatorName = (typeof PROPAGATORS)[number];

export type ResourceAttributeValue = string | number | boolean;

/**
 * Everything `register()` accepts. Every field is optional: the standard `OTEL_*` environment
 * variables fill in what is left out, and a field given here wins over the environment.
 */
export interface RegisterOptions {
  /** `service.name`; else `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, the app's package.json name. */
  serviceName?: string;
  /** `service.version`; else `OTEL_RESOURCE_ATTRIBUTES`, the app's package.json version. */
  serviceVersion?: string;
  /** Extra resource attributes (win over `OTEL_RESOURCE_ATTRIBUTES`). */
  resourceAttributes?: Record<string, ResourceAttributeValue>;
  /**
   * Base URL of the collector, like `OTEL_EXPORTER_OTLP_ENDPOINT`: `/v1/traces` is appended for the
   * HTTP protocols. Default `http://localhost:4318` (`http://localhost:4317` for grpc).
   */
  endpoint?: string;
  /** Full traces URL, like `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (nothing is appended). Wins over `endpoint`. */
  tracesEndpoint?: string;
  /** OTLP transport; default `http/protobuf`. */
  protocol?: OtlpProtocol;
  /** Extra headers on every export request (merged over `OTEL_EXPORTER_OTLP_HEADERS`). */
  headers?: Record<string, string>;
  /** Probability (0..1) of sampling a new trace; child spans follow their parent's decision. */
  sampleRatio?: number;
  /**
   * Base URL of a Jaeger remote sampling API: Skein's `sampling` extension serves one on :5778
   * (adaptive or from a strategies file). Strategies are polled from
   * `${samplingEndpoint}/sampling?service=NAME`; `sampleRatio` applies until the first answer
   * arrives. Default, when no sampler is configured at all (no `sampleRatio`, no
   * `OTEL_TRACES_SAMPLER`): port 5778 of the host the spans go to, sampling everything until (and
   * unless) Skein answers there. `false`: never poll.
   */
  samplingEndpoint?: string | false;
  /** How often to poll `samplingEndpoint`, in milliseconds; default 60000. */
  samplingPollIntervalMs?: number;
  /** Formats written on outgoing requests; default `OTEL_PROPAGATORS`, else `['tracecontext', 'baggage']`. */
  propagators?: PropagatorName[];
  /**
   * Read every known format on incoming requests (W3C, B3 single and multi header), not only the
   * injected ones, so callers using any of them join the trace. Default true.
   */
  extractAllFormats?: boolean;
  /** `http`/`https` instrumentation: false turns it off, an object configures it. Default on. */
  http?: boolean | HttpInstrumentationConfig;
  /** `fetch`/undici instrumentation: false turns it off, an object configures it. Default on. */
  fetch?: boolean | UndiciInstrumentationConfig;
  /** More instrumentations to enable (e.g. from `@opentelemetry/instrumentation-*`). */
  instrumentations?: Instrumentation[];
  /** Flush and shut down on SIGTERM, SIGINT and `beforeExit`. Default true. */
  shutdownOnExit?: boolean;
  /** Longest wait for the final flush, in milliseconds; default 5000. */
  shutdownTimeoutMs?: number;
}

/** Thrown by `register()` for an option it cannot use; the message names the option. */
export class SkeinOptionsError extends TypeError {
  override name = 'SkeinOptionsError';
}

const KNOWN_KEYS: ReadonlySet<string> = new Set<keyof RegisterOptions>([
  'serviceName',
  'serviceVersion',
  'resourceAttributes',
  'endpoint',
  'tracesEndpoint',
  'protocol',
  'headers',
  'sampleRatio',
  'samplingEndpoint',
  'samplingPollIntervalMs',
  'propagators',
  'extractAllFormats',
  'http',
  'fetch',
  'instrumentations',
  'shutdownOnExit',
  'shutdownTimeoutMs',
]);

function fail(key: string, expected: string, value: unknown): never {
  throw new SkeinOptionsError(`@skein/sdk-node: option "${key}" must be ${expected}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkString(key: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') fail(key, 'a non-empty string', value);
}

function checkUrl(key: string, value: unknown): void {
  checkString(key, value);
  let url: URL;
  try {
    url = new URL(value as string);
  } catch {
    fail(key, 'an absolute URL such as "http://localhost:4318"', value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(key, 'an http:// or https:// URL', value);
}

function checkBoolean(key: string, value: unknown): void {
  if (typeof value !== 'boolean') fail(key, 'true or false', value);
}

function checkPositiveInt(key: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) fail(key, 'a positive integer', value);
}

/**
 * Checks `options` at call time, so a typo or a wrong type fails loudly at start-up instead of
 * silently sending spans nowhere (plain JavaScript callers get no help from the types).
 */
export function validateOptions(options: unknown): RegisterOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) fail('options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) {
      throw new SkeinOptionsError(`@skein/sdk-node: unknown option "${key}"; known options: ${[...KNOWN_KEYS].join(', ')}`);
    }
  }
  const o = options;
  // An explicit `undefined` counts as "not given", as it does for any optional parameter.
  const has = (key: keyof RegisterOptions): boolean => o[key] !== undefined;

  if (has('serviceName')) checkString('serviceName', o.serviceName);
  if (has('serviceVersion')) checkString('serviceVersion', o.serviceVersion);
  if (has('resourceAttributes')) {
    if (!isPlainObject(o.resourceAttributes)) fail('resourceAttributes', 'an object of attribute values', o.resourceAttributes);
    for (const [name, value] of Object.entries(o.resourceAttributes)) {
      const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
      if (!ok) fail(`resourceAttributes.${name}`, 'a string, finite number or boolean', value);
    }
  }
  if (has('endpoint')) checkUrl('endpoint', o.endpoint);
  if (has('tracesEndpoint')) checkUrl('tracesEndpoint', o.tracesEndpoint);
  if (has('protocol') && !(PROTOCOLS as readonly unknown[]).includes(o.protocol)) {
    fail('protocol', `one of ${PROTOCOLS.map((p) => `"${p}"`).join(', ')}`, o.protocol);
  }
  if (has('headers')) {
    if (!isPlainObject(o.headers)) fail('headers', 'an object of header names to string values', o.headers);
    for (const [name, value] of Object.entries(o.headers)) {
      if (typeof value !== 'string') fail(`headers.${name}`, 'a string', value);
    }
  }
  if (has('sampleRatio')) {
    const r = o.sampleRatio;
    if (typeof r !== 'number' || !Number.isFinite(r) || r < 0 || r > 1) fail('sampleRatio', 'a number from 0 to 1', r);
  }
  if (has('samplingEndpoint') && o.samplingEndpoint !== false) checkUrl('samplingEndpoint', o.samplingEndpoint);
  if (has('samplingPollIntervalMs')) checkPositiveInt('samplingPollIntervalMs', o.samplingPollIntervalMs);
  if (has('propagators')) {
    const list = o.propagators;
    if (!Array.isArray(list)) fail('propagators', `an array of ${PROPAGATORS.join(', ')}`, list);
    for (const [i, name] of list.entries()) {
      if (!(PROPAGATORS as readonly unknown[]).includes(name)) fail(`propagators[${i}]`, `one of ${PROPAGATORS.join(', ')}`, name);
    }
  }
  if (has('extractAllFormats')) checkBoolean('extractAllFormats', o.extractAllFormats);
  for (const key of ['http', 'fetch'] as const) {
    if (has(key) && typeof o[key] !== 'boolean' && !isPlainObject(o[key]))
      fail(key, 'true, false or an instrumentation config object', o[key]);
  }
  if (has('instrumentations')) {
    const list = o.instrumentations;
    if (!Array.isArray(list)) fail('instrumentations', 'an array of OpenTelemetry instrumentations', list);
    for (const [i, item] of list.entries()) {
      if (!isPlainObject(item) || typeof item['enable'] !== 'function')
        fail(`instrumentations[${i}]`, 'an OpenTelemetry instrumentation', item);
    }
  }
  if (has('shutdownOnExit')) checkBoolean('shutdownOnExit', o.shutdownOnExit);
  if (has('shutdownTimeoutMs')) checkPositiveInt('shutdownTimeoutMs', o.shutdownTimeoutMs);
  return o as RegisterOptions;
}
