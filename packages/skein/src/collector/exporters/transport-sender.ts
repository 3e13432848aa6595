import type { AttemptResult } from '../pipeline/retry-policy.js';
import type { ExporterTelemetry, RateLimitedWarning } from './exporter-telemetry.js';
import type { ExportPayload, OtlpTransport } from './otlp-transport.js';

/** Why one send did not go through, for the retry loop and for the message sent upstream. */
export interface SendFailure {
  /** The destination was throttling (429 / RESOURCE_EXHAUSTED): upstream hears `overloaded`. */
  readonly throttled: boolean;
  readonly message: string;
}

/**
 * The last link of the sender chain (queue → retry → transport): one send over the OTLP transport,
 * counted into the exporter's metrics, its outcome classified for the retry loop. Partial success
 * is success for the batch (what was refused span by span would be refused again).
 */
export class TransportSender {
  sentSpans = 0;
  failedSpans = 0;

  constructor(
    private readonly name: string,
    private readonly transport: OtlpTransport,
    private readonly telemetry: ExporterTelemetry,
    private readonly warning: RateLimitedWarning,
  ) {}

  get destination(): string {
    return this.transport.destination;
  }

  async send(payload: ExportPayload): Promise<AttemptResult<void, SendFailure>> {
    const outcome = await this.transport.send(payload);
    const metrics = this.telemetry.metrics;
    const exporter = { exporter: this.name };
    if (outcome.kind === 'accepted') {
      const delivered = payload.spanCount - Math.min(payload.spanCount, outcome.rejectedSpans);
      this.sentSpans += delivered;
      metrics?.exportedSpans.inc(exporter, delivered);
      if (outcome.rejectedSpans > 0) {
        this.failedSpans += outcome.rejectedSpans;
        metrics?.exportFailedSpans.inc(exporter, outcome.rejectedSpans);
        this.warning.warn(
          `exporter ${this.name}: ${this.destination} rejected ${outcome.rejectedSpans} of ${payload.spanCount} spans (partial success): ${outcome.errorMessage}`,
        );
      }
      return { kind: 'success', value: undefined };
    }
    this.failedSpans += payload.spanCount;
    metrics?.exportFailedSpans.inc(exporter, payload.spanCount);
    if (outcome.kind === 'failed') {
      return { kind: 'failure', error: { throttled: false, message: `${this.destination} refused the batch: ${outcome.message}` } };
    }
    return { kind: 'retryable', error: { throttled: outcome.throttled, message: outcome.message }, hintMillis: outcome.retryAfterMillis };
  }

  close(): void {
    this.transport.close();
  }
}
