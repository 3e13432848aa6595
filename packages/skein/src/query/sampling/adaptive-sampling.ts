import type { SamplingStrategy } from '../../model/jaeger-sampling.js';
import { DEFAULT_TENANT, type TenantId } from '../../model/tenant.js';
import type { SamplingProbability, TraceStore } from '../../storage/trace-store.js';
import { probabilityOfThreshold, type OperationCount, type OperationThroughputSource } from './operation-throughput.js';

/**
 * Adaptive sampling: every interval, per operation (service, root span name), the probability that
 * yields `targetTracesPerSecond` sampled traces a second, within [min, max] probability, from the
 * operation's true traffic. The traffic is what reached the collectors, counted by the metrics tap
 * before any tail or probabilistic sampling (operation-throughput.ts), divided by the probability
 * each trace was head-sampled with in its SDK: the `ot=th` threshold it carried, else the
 * probability its Jaeger remote sampler reported (`jaeger.sampler.param`, as OpenTelemetry Go's
 * does), else the probability Skein told that operation's SDKs (the one stored for it; an SDK may
 * still use an older one until it polls). Results go to ClickHouse, so every Skein node serves the
 * same strategies whichever computed them (each node may compute: they read the same counts and
 * the latest write wins).
 */

export interface AdaptiveSamplingConfig {
  targetTracesPerSecond: number;
  minSamplingProbability: number;
  maxSamplingProbability: number;
  /** Served for operations without a computed probability yet (and as the service default). */
  initialSamplingProbability: number;
  /** Jaeger's `defaultLowerBoundTracesPerSecond`, sent to the SDKs. */
  lowerBoundTracesPerSecond: number;
  intervalMillis: number;
  /**
   * How long before now the counted window ends: the tap writes its counts every
   * `metrics_flush_interval`, so the window's last flushes must have landed (from every collector).
   */
  delayMillis: number;
}

/** The estimate of an operation's true traces/s from what arrived in one interval. */
export function trueTracesPerSecond(counts: readonly OperationCount[], toldProbability: number, intervalSeconds: number): number {
  let traces = 0;
  for (const { threshold, samplerProbability, count } of counts) {
    const p = (threshold === '' ? undefined : probabilityOfThreshold(threshold)) ?? samplerProbability ?? toldProbability;
    traces += p > 0 ? count / p : count;
  }
  return traces / intervalSeconds;
}

/** The probability that turns `tracesPerSecond` into the target, within the configured bounds. */
export function probabilityFor(tracesPerSecond: number, config: AdaptiveSamplingConfig): number {
  const wanted = tracesPerSecond > 0 ? config.targetTracesPerSecond / tracesPerSecond : config.maxSamplingProbability;
  return Math.min(config.maxSamplingProbability, Math.max(config.minSamplingProbability, wanted));
}

/** Smoothing of the per-interval rate estimate (one interval's counts are few at low probabilities). */
const RATE_SMOOTHING = 0.5;

export class AdaptiveSampling {
  private timer: NodeJS.Timeout | undefined;
  /** Tenants whose SDKs asked: their probabilities are computed too (the default tenant always). */
  private readonly tenants = new Set<TenantId>([DEFAULT_TENANT]);
  private readonly rates = new Map<string, number>();
  /** Per operation, the probability stored before the last computation: SDKs poll, so some still use it. */
  private readonly previousTold = new Map<string, number>();
  private readonly cache = new Map<TenantId, { at: number; rows: Promise<SamplingProbability[]> }>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: TraceStore,
    private readonly source: OperationThroughputSource,
    readonly config: AdaptiveSamplingConfig,
    private readonly warn: (message: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.recomputeAll(Date.now()).finally(() => (this.running = undefined));
    }, this.config.intervalMillis);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async recomputeAll(nowMillis: number): Promise<void> {
    for (const tenant of this.tenants) {
      try {
        await this.recompute(tenant, nowMillis);
      } catch (error) {
        this.warn(`adaptive sampling for tenant ${tenant}: ${(error as Error).message}; serving the last probabilities`);
      }
    }
  }

  /** One interval for one tenant: counts of the last interval → new probabilities → stored. */
  async recompute(tenant: TenantId, nowMillis: number): Promise<SamplingProbability[]> {
    // The window ends `delay` before now: the collectors' counts of its last moments are written
    // with their next flush.
    const end = BigInt(Math.round(nowMillis - this.config.delayMillis)) * 1_000_000n;
    const start = end - BigInt(this.config.intervalMillis) * 1_000_000n;
    const [counts, stored] = await Promise.all([this.source.countsBetween(tenant, start, end), this.probabilities(tenant, true)]);
    const told = new Map(stored.map((row) => [`${row.serviceName}\u0000${row.operation}`, row.probability]));
    const byOperation = new Map<string, OperationCount[]>();
    for (const count of counts) {
      const key = `${count.serviceName}\u0000${count.operation}`;
      byOperation.set(key, [...(byOperation.get(key) ?? []), count]);
    }
    const rows: SamplingProbability[] = [];
    for (const [key, operationCounts] of byOperation) {
      // An SDK that has not polled since the last computation still samples with the previous
      // probability: the larger of the two keeps the estimate from running away after a drop.
      const rateKey = `${tenant}\u0000${key}`;
      const current = told.get(key) ?? this.config.initialSamplingProbability;
      const toldProbability = Math.max(current, this.previousTold.get(rateKey) ?? current);
      const measured = trueTracesPerSecond(operationCounts, toldProbability, this.config.intervalMillis / 1000);
      const previous = this.rates.get(rateKey);
      const rate = previous === undefined ? measured : previous + RATE_SMOOTHING * (measured - previous);
      this.rates.set(rateKey, rate);
      const { serviceName, operation } = operationCounts[0]!;
      const probability = probabilityFor(rate, this.config);
      this.previousTold.set(rateKey, current);
      rows.push({ tenant, serviceName, operation, probability, computedAtMillis: nowMillis });
    }
    await this.store.writeSamplingProbabilities(rows);
    this.cache.delete(tenant);
    return rows;
  }

  /** The strategy for a service: its operations' stored probabilities, the initial one for others. */
  async strategyFor(tenant: TenantId, service: string): Promise<SamplingStrategy> {
    this.tenants.add(tenant);
    const rows = (await this.probabilities(tenant, false)).filter((row) => row.serviceName === service);
    const initial = this.config.initialSamplingProbability;
    return {
      type: 'probabilistic',
      samplingRate: initial,
      operations: {
        defaultSamplingProbability: initial,
        defaultLowerBoundTracesPerSecond: this.config.lowerBoundTracesPerSecond,
        perOperation: rows.map((row) => ({ operation: row.operation, samplingRate: row.probability })),
      },
    };
  }

  /** Stored probabilities, read at most once per interval (or a few seconds) per tenant. */
  private probabilities(tenant: TenantId, fresh: boolean): Promise<SamplingProbability[]> {
    const cached = this.cache.get(tenant);
    const maxAgeMillis = Math.min(this.config.intervalMillis, 5000);
    if (!fresh && cached !== undefined && Date.now() - cached.at < maxAgeMillis) return cached.rows;
    const rows = this.store.forTenant(tenant).readSamplingProbabilities();
    this.cache.set(tenant, { at: Date.now(), rows });
    rows.catch(() => this.cache.delete(tenant));
    return rows;
  }
}
