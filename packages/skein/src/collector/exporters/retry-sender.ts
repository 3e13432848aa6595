import { CONSUME_SUCCESS, type ConsumeResult } from '../pipeline/consume-result.js';
import { retryWithPolicy, type RetryPolicy } from '../pipeline/retry-policy.js';
import type { RateLimitedWarning } from './exporter-telemetry.js';
import type { ExportPayload } from './otlp-transport.js';
import type { TransportSender } from './transport-sender.js';
import { overloaded, unavailable } from '../pipeline/consume-status.js';

/** How one delivery ended: a result for whoever holds the batch, or cut short (shutdown, retire). */
export type Delivery = ConsumeResult | 'interrupted';

/**
 * The middle link of the sender chain (queue → retry → transport): the exporter's
 * `retry_on_failure`, through the one retry loop (`retryWithPolicy`).
 *
 * A batch only the caller still holds (in-memory queue, no queue) is given up after
 * `max_elapsed_time`, and the caller is told to retry (429 if the destination was throttling, 503
 * otherwise) with the next backoff as hint. A batch already acknowledged upstream (on-disk queue)
 * is retried until the destination takes it or refuses it for good: only this queue has it.
 */
export class RetrySender {
  constructor(
    private readonly name: string,
    private readonly next: TransportSender,
    readonly policy: RetryPolicy,
    /** Aborted by shutdown or retire: cuts a backoff short, the delivery ends `interrupted`. */
    private readonly interrupt: AbortSignal,
    private readonly warning: RateLimitedWarning,
  ) {}

  async send(payload: ExportPayload, acknowledgedUpstream: boolean): Promise<Delivery> {
    const result = await retryWithPolicy(() => this.next.send(payload), this.policy, this.interrupt, {
      untilDone: acknowledgedUpstream,
      onRetry: (error, delayMillis) =>
        this.warning.warn(
          `exporter ${this.name}: sending ${payload.spanCount} spans failed (${error.message}); retrying in ${delayMillis} ms`,
        ),
    });
    switch (result.kind) {
      case 'success':
        return CONSUME_SUCCESS;
      case 'failure':
        return { outcome: 'failure', message: `exporter ${this.name}: ${result.error.message}` };
      case 'gave-up':
        // A throttling destination is passed upstream as throttling (429), anything else as 503.
        return (result.error.throttled ? overloaded : unavailable)(
          `exporter ${this.name}: ${result.error.message}`,
          result.retryAfterMillis,
        );
      case 'interrupted':
        return 'interrupted';
    }
  }
}
