import { z } from 'zod';
import { availableMemoryBytes } from '../../model/available-memory.js';
import type { Span } from '../../model/span.js';
import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';
import type { AdmissionRequest, Consumer, ConsumeResult } from '../pipeline/consume-result.js';
import { durationNanosSchema } from '../../model/duration-schema.js';
import type { ProcessorFactory } from '../pipeline/component-factories.js';
import type { StageContext } from '../pipeline/span-processor.js';
import { overloaded } from '../pipeline/consume-status.js';

/**
 * `memory_limiter`: refuses data while Skein uses too much memory, so senders back off (and
 * retry) instead of the kernel killing the process, as the OpenTelemetry Collector's
 * memory_limiter does. Put it first in the pipeline.
 *
 * ```yaml
 * processors:
 *   memory_limiter:
 *     check_interval: 1s           # how often memory is measured (> 0)
 *     limit_mib: 1500              # hard limit, MiB of resident memory
 *     spike_limit_mib: 300         # default 20 % of limit_mib; soft limit = limit − spike
 *     # or, relative to the machine (or the cgroup memory limit when one is set);
 *     # neither written: limit_percentage 80 (the default pipeline runs memory_limiter so)
 *     limit_percentage: 75         # used when limit_mib is 0 / absent
 *     spike_limit_percentage: 15   # default 20 % of the resulting limit
 *     min_gc_interval_when_soft_limited: 10s  # forced GCs above the soft limit at most this often
 *     min_gc_interval_when_hard_limited: 0s   # … and above the hard limit
 * ```
 *
 * Every `check_interval` the resident set size is measured. Above the soft limit
 * (`limit − spike`) every batch is refused as retryable 'overloaded' — receivers answer 429 with
 * Retry-After / RESOURCE_EXHAUSTED with RetryInfo — until it falls back below. As in the Collector,
 * a garbage collection is forced above the hard limit (at most every
 * `min_gc_interval_when_hard_limited`) and above the soft limit (at most every
 * `min_gc_interval_when_soft_limited`), and memory is measured again after it — when Node.js
 * exposes GC (`NODE_OPTIONS=--expose-gc`); without it the limiter only refuses, and memory comes
 * down as V8 collects on its own. The spike limit must cover how much memory can grow between two
 * checks, including what already-accepted data still allocates downstream (batches being sent,
 * the storage exporter's queue, the storage engine's insert buffers).
 *
 * Why resident memory (RSS) and not the V8 heap, unlike the Collector (which watches Go's heap):
 * much of Skein's memory is outside the V8 heap — request bodies and decompression buffers are
 * Buffers (external memory), and the embedded chDB engine allocates natively for inserts and
 * merges. The heap would stay small while the process grows toward the OOM killer, and RSS is what
 * the kernel and cgroup limits count. It is also cheap to read (no heap walk).
 */
const MIB = 1024 * 1024;

/** The hard limit of the memory_limiter that the default pipeline runs, in % of available memory. */
export const DEFAULT_LIMIT_PERCENTAGE = 80;

export const memoryLimiterConfigSchema = z
  .object({
    check_interval: durationNanosSchema.default(1_000_000_000n),
    limit_mib: z.number().int().min(0).default(0),
    spike_limit_mib: z.number().int().min(0).default(0),
    limit_percentage: z.number().int().min(0).max(100, 'must be a percentage, 0..100').default(0),
    spike_limit_percentage: z.number().int().min(0).max(100, 'must be a percentage, 0..100').default(0),
    min_gc_interval_when_soft_limited: durationNanosSchema.default(10_000_000_000n),
    min_gc_interval_when_hard_limited: durationNanosSchema.default(0n),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.check_interval <= 0n) context.addIssue({ code: 'custom', path: ['check_interval'], message: 'must be above 0' });
    if (config.limit_mib > 0 && config.spike_limit_mib >= config.limit_mib) {
      context.addIssue({ code: 'custom', path: ['spike_limit_mib'], message: `must be below limit_mib (${config.limit_mib})` });
    }
    if (config.limit_mib === 0 && config.limit_percentage > 0 && config.spike_limit_percentage >= config.limit_percentage) {
      context.addIssue({
        code: 'custom',
        path: ['spike_limit_percentage'],
        message: `must be below limit_percentage (${config.limit_percentage})`,
      });
    }
  })
  .transform((config) => ({
    checkIntervalMillis: Math.max(1, Number(config.check_interval / 1_000_000n)),
    minGcIntervalSoftMillis: Number(config.min_gc_interval_when_soft_limited / 1_000_000n),
    minGcIntervalHardMillis: Number(config.min_gc_interval_when_hard_limited / 1_000_000n),
    limit:
      config.limit_mib > 0
        ? ({ kind: 'fixed', limitBytes: config.limit_mib * MIB, spikeBytes: config.spike_limit_mib * MIB } as const)
        : ({
            kind: 'percentage',
            // Neither written: the default limit, so memory protection is on without a number to guess.
            limitPercent: config.limit_percentage > 0 ? config.limit_percentage : DEFAULT_LIMIT_PERCENTAGE,
            spikePercent: config.spike_limit_percentage,
          } as const),
  }));

export type MemoryLimiterConfig = z.output<typeof memoryLimiterConfigSchema>;

/** Where memory figures come from; tests substitute their own. */
export interface MemoryProbe {
  /** Resident set size of this process, in bytes. */
  residentBytes(): number;
  /** Memory available to this process: the cgroup limit when one is set, else physical memory. */
  totalBytes(): number;
  /** Forces a full garbage collection; false when Node.js does not expose it. */
  collectGarbage(): boolean;
  /** Milliseconds on a monotonic clock. */
  now(): number;
}

export const SYSTEM_MEMORY_PROBE: MemoryProbe = {
  residentBytes: () => process.memoryUsage.rss(),
  totalBytes: availableMemoryBytes,
  collectGarbage: () => {
    // `gc` exists only under `node --expose-gc` (also accepted in NODE_OPTIONS).
    const gc = (globalThis as { gc?: () => void }).gc;
    if (typeof gc !== 'function') return false;
    gc();
    return true;
  },
  now: () => performance.now(),
};

export interface MemoryLimits {
  hardBytes: number;
  softBytes: number;
}

/** The hard and soft limits in bytes, as the Collector computes them (spike defaults to 20 %). */
export function resolveMemoryLimits(config: MemoryLimiterConfig, probe: MemoryProbe): MemoryLimits {
  const { limit } = config;
  const hardBytes = limit.kind === 'fixed' ? limit.limitBytes : Math.floor((probe.totalBytes() * limit.limitPercent) / 100);
  const configuredSpike = limit.kind === 'fixed' ? limit.spikeBytes : Math.floor((probe.totalBytes() * limit.spikePercent) / 100);
  const spikeBytes = configuredSpike > 0 ? configuredSpike : Math.floor(hardBytes / 5);
  return { hardBytes, softBytes: hardBytes - spikeBytes };
}

/** A `SpanStage` in traces pipelines and a `LogsStage` in logs pipelines: it never looks inside the items. */
export class MemoryLimiterProcessor<T = Span> implements Consumer<T> {
  readonly limits: MemoryLimits;
  private refusing = false;
  private lastResidentBytes = 0;
  private lastGcAt = Number.NEGATIVE_INFINITY;
  private readonly timer: NodeJS.Timeout;
  private readonly metrics: SkeinMetrics | undefined;
  private readonly logger: StageContext['logger'] | undefined;

  constructor(
    readonly name: string,
    private readonly config: MemoryLimiterConfig,
    private readonly next: Consumer<T>,
    context?: Partial<Pick<StageContext, 'metrics' | 'logger'>>,
    private readonly probe: MemoryProbe = SYSTEM_MEMORY_PROBE,
  ) {
    this.metrics = context?.metrics;
    this.logger = context?.logger;
    this.limits = resolveMemoryLimits(config, probe);
    const gcExposed = typeof (globalThis as { gc?: unknown }).gc === 'function';
    this.logger?.info(
      `${name}: refusing data while resident memory is above ${toMib(this.limits.softBytes)} MiB ` +
        `(hard limit ${toMib(this.limits.hardBytes)} MiB, checked every ${config.checkIntervalMillis} ms; ` +
        `now ${toMib(probe.residentBytes())} MiB; ${gcExposed ? 'forced GC on' : 'forced GC off: NODE_OPTIONS=--expose-gc enables it'})`,
    );
    this.metrics?.memoryLimiterRefusing.set({ processor: name }, 0);
    this.check();
    this.timer = setInterval(() => this.check(), config.checkIntervalMillis);
    // The check must never keep the process alive on its own.
    this.timer.unref();
  }

  /** Whether batches are being refused now (memory above the soft limit at the last check). */
  get isRefusing(): boolean {
    return this.refusing;
  }

  /** Measures memory (collecting garbage when over a limit) and updates the refusing state; runs every check_interval. */
  check(): void {
    let resident = this.probe.residentBytes();
    if (resident > this.limits.hardBytes && this.gcAllowed(this.config.minGcIntervalHardMillis))
      resident = this.collectAndMeasure(resident);
    if (resident > this.limits.softBytes && this.gcAllowed(this.config.minGcIntervalSoftMillis))
      resident = this.collectAndMeasure(resident);
    this.lastResidentBytes = resident;
    const refusing = resident > this.limits.softBytes;
    if (refusing !== this.refusing) {
      if (refusing) this.logger?.warn(`${this.name}: resident memory ${toMib(resident)} MiB is above the soft limit: refusing data`);
      else this.logger?.info(`${this.name}: resident memory ${toMib(resident)} MiB is below the soft limit again: accepting data`);
      this.refusing = refusing;
      this.metrics?.memoryLimiterRefusing.set({ processor: this.name }, refusing ? 1 : 0);
    }
  }

  consume(spans: T[]): Promise<ConsumeResult> {
    this.metrics?.processorIncomingSpans.inc({ processor: this.name }, spans.length);
    if (this.refusing) return Promise.resolve(this.refusal());
    this.metrics?.processorOutgoingSpans.inc({ processor: this.name }, spans.length);
    return this.next.consume(spans);
  }

  admission(request?: AdmissionRequest): ConsumeResult | undefined {
    return this.refusing ? this.refusal() : this.next.admission?.(request);
  }

  private refusal(): ConsumeResult {
    return overloaded(
      `memory usage ${toMib(this.lastResidentBytes)} MiB is above the soft limit of ${toMib(this.limits.softBytes)} MiB (${this.name})`,
      // Memory is measured once per interval, so retrying sooner cannot succeed; 1 s to 1 min.
      Math.min(60_000, Math.max(1_000, this.config.checkIntervalMillis)),
    );
  }

  shutdown(): Promise<void> {
    clearInterval(this.timer);
    return Promise.resolve();
  }

  private gcAllowed(minIntervalMillis: number): boolean {
    return this.probe.now() - this.lastGcAt >= minIntervalMillis;
  }

  private collectAndMeasure(resident: number): number {
    if (!this.probe.collectGarbage()) return resident;
    this.lastGcAt = this.probe.now();
    return this.probe.residentBytes();
  }
}

function toMib(bytes: number): number {
  return Math.round(bytes / MIB);
}

export const memoryLimiterProcessorFactory: ProcessorFactory<MemoryLimiterConfig> = {
  kind: 'processor',
  type: 'memory_limiter',
  configSchema: memoryLimiterConfigSchema,
  // On by default (issue 20): it is in the default pipeline with 80 % of the machine's or cgroup's
  // memory as the hard limit and 64 % as the soft one (spike 20 % of the limit). Unlike the
  // Collector's, a section without limit_mib or limit_percentage gets that default too.
  createDefaultConfig: () => ({
    checkIntervalMillis: 1_000,
    minGcIntervalSoftMillis: 10_000,
    minGcIntervalHardMillis: 0,
    limit: { kind: 'percentage', limitPercent: DEFAULT_LIMIT_PERCENTAGE, spikePercent: 0 },
  }),
  create: (settings, config) => ({
    kind: 'stage',
    name: settings.id.text,
    connect: (next, context) => new MemoryLimiterProcessor(settings.id.text, config, next, context),
  }),
  // Its own check in a logs pipeline (same limits: it measures the one process); the span
  // counters stay the traces pipelines'.
  createLogs: (settings, config) => ({
    kind: 'stage',
    name: settings.id.text,
    connect: (next, context) => new MemoryLimiterProcessor(`${settings.id.text} (logs)`, config, next, { logger: context.logger }),
  }),
};
