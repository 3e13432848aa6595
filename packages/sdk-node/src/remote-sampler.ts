import { context } from '@opentelemetry/api';
import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace';

/**
 * A client of the Jaeger remote sampling API (`GET {endpoint}/sampling?service=NAME`), as Skein's
 * `sampling` extension serves it on :5778 (a Jaeger collector serves the same API).
 *
 * Written here rather than taken from `@opentelemetry/sampler-jaeger-remote` (0.222, experimental):
 * that one pins an older `@opentelemetry/sdk-trace`, first asks only after a whole poll interval,
 * and its timer is neither unref'd nor ever cleared, so an app that uses it cannot exit by itself.
 * It also lacks the rate-limiting strategy.
 */
export interface RemoteSamplerOptions {
  endpoint: string;
  serviceName: string;
  pollIntervalMs: number;
  /** Used until the first strategy arrives, and kept when the endpoint cannot be reached. */
  initialSampler: Sampler;
  /** Sent with every poll (Skein's sampling API wants the export credential when auth is on). */
  headers?: Record<string, string>;
  /** Per-request time limit; default 5000 ms. */
  requestTimeoutMs?: number;
  /** Told about failed polls (the SDK must never throw into the app for this). */
  onError?: (error: unknown) => void;
}

interface Probabilistic {
  samplingRate?: number;
}
interface OperationStrategy {
  operation?: string;
  probabilisticSampling?: Probabilistic;
}
/** The JSON shape of Jaeger's `SamplingStrategyResponse` (enum as name or number). */
interface StrategyResponse {
  strategyType?: string | number;
  probabilisticSampling?: Probabilistic;
  rateLimitingSampling?: { maxTracesPerSecond?: number };
  operationSampling?: {
    defaultSamplingProbability?: number;
    defaultLowerBoundTracesPerSecond?: number;
    perOperationStrategies?: OperationStrategy[];
  };
}

/** Samples at most `maxPerSecond` new traces a second (token bucket, burst of one second's worth). */
export class RateLimitingSampler implements Sampler {
  readonly #maxPerSecond: number;
  #credits: number;
  #last = performance.now();

  constructor(maxPerSecond: number) {
    this.#maxPerSecond = Math.max(0, maxPerSecond);
    this.#credits = Math.max(1, this.#maxPerSecond);
  }

  shouldSample(): SamplingResult {
    return { decision: this.tryTake() ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
  }

  tryTake(): boolean {
    const now = performance.now();
    const cap = Math.max(1, this.#maxPerSecond);
    this.#credits = Math.min(cap, this.#credits + ((now - this.#last) / 1000) * this.#maxPerSecond);
    this.#last = now;
    if (this.#credits < 1) return false;
    this.#credits -= 1;
    return true;
  }

  toString(): string {
    return `RateLimitingSampler{${this.#maxPerSecond}/s}`;
  }
}

/**
 * A ratio sampler that says, on the root spans it samples, with which probability: the span
 * attributes Jaeger's SDKs and OpenTelemetry Go's remote sampler set (`jaeger.sampler.type`,
 * `jaeger.sampler.param`). Skein's adaptive sampling divides each trace it counts by that
 * probability, so its estimate of an operation's traffic does not depend on when this SDK polled.
 */
function reportingRatioSampler(ratio: number): Sampler {
  const ratioSampler = new TraceIdRatioBasedSampler(ratio);
  const attributes = { 'jaeger.sampler.type': 'probabilistic', 'jaeger.sampler.param': ratio };
  return {
    shouldSample: (ctx, traceId) => {
      const result = ratioSampler.shouldSample(ctx, traceId);
      return result.decision === SamplingDecision.RECORD_AND_SAMPLED ? { ...result, attributes } : result;
    },
    toString: () => ratioSampler.toString(),
  };
}

/** Jaeger's per-operation strategy: a ratio per span name, with a guaranteed lower-bound rate. */
class PerOperationSampler implements Sampler {
  readonly #byOperation = new Map<string, Sampler>();
  readonly #defaultRatio: number;
  readonly #lowerBound: number;

  constructor(defaultRatio: number, lowerBound: number, strategies: OperationStrategy[]) {
    this.#defaultRatio = defaultRatio;
    this.#lowerBound = lowerBound;
    for (const s of strategies) {
      const rate = s.probabilisticSampling?.samplingRate;
      if (typeof s.operation === 'string' && isRatio(rate)) this.#byOperation.set(s.operation, this.#guaranteed(rate));
    }
  }

  #guaranteed(ratio: number): Sampler {
    const ratioSampler = reportingRatioSampler(ratio);
    if (this.#lowerBound <= 0) return ratioSampler;
    const floor = new RateLimitingSampler(this.#lowerBound);
    // Jaeger's SDKs mark a trace the floor let through as `lowerbound`: it is not 1 in 1/ratio.
    const lowerBound = { 'jaeger.sampler.type': 'lowerbound', 'jaeger.sampler.param': ratio };
    return {
      shouldSample: (ctx, traceId, name, kind, attrs, links) => {
        const r = ratioSampler.shouldSample(ctx, traceId, name, kind, attrs, links);
        if (r.decision === SamplingDecision.RECORD_AND_SAMPLED) return r;
        const f = floor.shouldSample();
        return f.decision === SamplingDecision.RECORD_AND_SAMPLED ? { ...f, attributes: lowerBound } : f;
      },
      toString: () => `GuaranteedThroughput{${ratio}, ${this.#lowerBound}/s}`,
    };
  }

  shouldSample(ctx: Context, traceId: string, name: string, kind: SpanKind, attrs: Attributes, links: Link[]): SamplingResult {
    let sampler = this.#byOperation.get(name);
    if (sampler === undefined) {
      // Bounded like Jaeger's SDKs: unknown names share one default instead of growing the map forever.
      sampler = this.#byOperation.get('') ?? this.#guaranteed(this.#defaultRatio);
      if (!this.#byOperation.has('')) this.#byOperation.set('', sampler);
    }
    return sampler.shouldSample(ctx, traceId, name, kind, attrs, links);
  }

  toString(): string {
    return `PerOperationSampler{default=${this.#defaultRatio}, operations=${this.#byOperation.size}}`;
  }
}

function isRatio(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
}

/** Turns a strategy response into a sampler; undefined when the response holds nothing usable. */
export function samplerFromStrategy(response: unknown): Sampler | undefined {
  if (typeof response !== 'object' || response === null) return undefined;
  const r = response as StrategyResponse;
  const ops = r.operationSampling;
  if (ops && Array.isArray(ops.perOperationStrategies) && ops.perOperationStrategies.length > 0) {
    const defaultRatio = isRatio(ops.defaultSamplingProbability) ? ops.defaultSamplingProbability : 1;
    const lowerBound = typeof ops.defaultLowerBoundTracesPerSecond === 'number' ? ops.defaultLowerBoundTracesPerSecond : 0;
    return new PerOperationSampler(defaultRatio, lowerBound, ops.perOperationStrategies);
  }
  const type = r.strategyType ?? 'PROBABILISTIC';
  if (type === 'RATE_LIMITING' || type === 1) {
    const max = r.rateLimitingSampling?.maxTracesPerSecond;
    return typeof max === 'number' && Number.isFinite(max) && max >= 0 ? new RateLimitingSampler(max) : undefined;
  }
  if (type === 'PROBABILISTIC' || type === 0) {
    const rate = r.probabilisticSampling?.samplingRate;
    return isRatio(rate) ? reportingRatioSampler(rate) : undefined;
  }
  return undefined;
}

export class JaegerRemoteSampler implements Sampler {
  readonly #options: RemoteSamplerOptions;
  readonly #url: string;
  #current: Sampler;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(options: RemoteSamplerOptions) {
    this.#options = options;
    this.#current = options.initialSampler;
    this.#url = `${options.endpoint.replace(/\/+$/, '')}/sampling?service=${encodeURIComponent(options.serviceName)}`;
  }

  /** Asks at once, then every poll interval; the timer never keeps the process alive. */
  start(): void {
    if (this.#timer !== undefined) return;
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#options.pollIntervalMs);
    this.#timer.unref();
  }

  /** Fetches the strategy once; failures keep the current sampler and go to `onError`. */
  refresh(): Promise<void> {
    // One request at a time: a slow endpoint must not pile up requests.
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #fetch(): Promise<void> {
    try {
      // Suppressed so the fetch instrumentation does not trace the sampler's own polling.
      const response = await context.with(suppressTracing(context.active()), () =>
        fetch(this.#url, {
          headers: this.#options.headers ?? {},
          signal: AbortSignal.timeout(this.#options.requestTimeoutMs ?? 5000),
        }),
      );
      if (!response.ok) throw new Error(`sampling endpoint ${this.#url} answered ${response.status}`);
      const sampler = samplerFromStrategy(await response.json());
      if (sampler === undefined) throw new Error(`sampling endpoint ${this.#url} sent no usable strategy`);
      this.#current = sampler;
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  shouldSample(ctx: Context, traceId: string, name: string, kind: SpanKind, attrs: Attributes, links: Link[]): SamplingResult {
    return this.#current.shouldSample(ctx, traceId, name, kind, attrs, links);
  }

  shutdown(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  toString(): string {
    return `JaegerRemoteSampler{${this.#url}, ${this.#current.toString()}}`;
  }
}
