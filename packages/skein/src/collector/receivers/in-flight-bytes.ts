import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';

/**
 * Admission control on request bodies: bytes being read, decoded or waiting for the pipeline's
 * answer, across all requests of the receivers sharing the budget. Without it, N clients each
 * sending a body up to the size limit (64 MiB) hold N × 64 MiB before any stage can refuse.
 * Reservations grow chunk by chunk as a body arrives, so a request is refused (429 /
 * RESOURCE_EXHAUSTED) as soon as the budget runs out, not after it has been buffered.
 *
 * A request alone in the budget may always grow (up to the body size limit), so one request
 * larger than the budget is still served when nothing else is in flight, and in-flight bytes stay
 * below `limitBytes` + one maximum-size body.
 */
export class InFlightBytes {
  private usedBytes = 0;

  constructor(
    readonly limitBytes: number,
    private readonly receiver: string,
    private readonly metrics?: SkeinMetrics,
  ) {}

  get used(): number {
    return this.usedBytes;
  }

  /** At or past the limit: a request of unknown size (gRPC before its message) would be refused. */
  get spent(): boolean {
    return this.usedBytes >= this.limitBytes;
  }

  reserve(): BodyReservation {
    return new BodyReservation(this);
  }

  /** @internal used by BodyReservation */
  tryAdd(bytes: number, heldByCaller: number): boolean {
    const alone = this.usedBytes === heldByCaller;
    if (!alone && this.usedBytes + bytes > this.limitBytes) return false;
    this.usedBytes += bytes;
    this.metrics?.receiverInFlightBytes.set({ receiver: this.receiver }, this.usedBytes);
    return true;
  }

  /** @internal used by BodyReservation */
  remove(bytes: number): void {
    this.usedBytes -= bytes;
    this.metrics?.receiverInFlightBytes.set({ receiver: this.receiver }, this.usedBytes);
  }
}

/** One request's share of an {@link InFlightBytes} budget; release it once the request is answered. */
export class BodyReservation {
  private heldBytes = 0;
  private released = false;

  constructor(private readonly budget: InFlightBytes) {}

  /** Adds bytes to this request's share; false (and nothing added) when the budget is spent. */
  grow(bytes: number): boolean {
    if (this.released) throw new Error('BodyReservation.grow after release');
    if (!this.budget.tryAdd(bytes, this.heldBytes)) return false;
    this.heldBytes += bytes;
    return true;
  }

  /** Grows this share to at least `totalBytes` (a body's declared size, then its decoded bytes so far). */
  growTo(totalBytes: number): boolean {
    return totalBytes <= this.heldBytes || this.grow(totalBytes - this.heldBytes);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.remove(this.heldBytes);
    this.heldBytes = 0;
  }
}

/** Retry hint for a request refused by the budget: in-flight requests finish within about a second. */
export const IN_FLIGHT_RETRY_AFTER_MILLIS = 1_000;
