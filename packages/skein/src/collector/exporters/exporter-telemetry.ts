import type { ComponentLogger } from '../../component/component.js';
import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';
import type { SpanConsumer } from '../pipeline/consume-result.js';

/** The component logger, under the name the exporters have always used for it. */
export type ExporterLogger = ComponentLogger;

/** What an exporter gets from the wiring: where to count, where to log. */
export interface ExporterTelemetry {
  readonly metrics: SkeinMetrics | undefined;
  readonly logger: ExporterLogger;
}

/**
 * An exporter with a life cycle, built by hand (tests, the load balancer's per-backend exporters):
 * started before the receivers listen, shut down after they stop. The registry's `Exporter`
 * (collector/pipeline/component-factories.ts) is the same with a host passed to `start`.
 */
export interface ManagedExporter extends SpanConsumer {
  readonly name: string;
  start(): Promise<void>;
  /** Refuses new work, ends what is under way; resolves when done. */
  shutdown(): Promise<void>;
}

/** A destination that is down fails every batch: one line a second is enough to say so. */
export class RateLimitedWarning {
  private last = 0;

  constructor(
    private readonly logger: ExporterLogger,
    private readonly intervalMillis = 1_000,
  ) {}

  warn(message: string): void {
    const now = Date.now();
    if (now - this.last < this.intervalMillis) return;
    this.last = now;
    this.logger.warn(message);
  }
}
