import type { Span } from '../../model/span.js';
import type { ConsumeResult } from '../pipeline/consume-result.js';
import { QUEUE_RETRY_AFTER_MILLIS } from './sending-queue.js';
import { unavailable } from '../pipeline/consume-status.js';

/** A batch a retired exporter no longer sends: whoever drains it places it and settles it with the outcome. */
export interface HandedOverBatch {
  readonly spans: Span[];
  /** Must be called once for every batch read (a later call is ignored): the exporter waits for it. */
  settle(result: ConsumeResult): void;
}

/**
 * The batches a retired exporter hands over, in order, to the one reader that drains it (the load
 * balancer, which places them on its current ring). The exporter pushes; the reader pulls, so the
 * exporter never calls back into its owner. Iteration ends once the exporter is done with its
 * queue (everything settled, its on-disk queue deleted) or was shut down.
 */
export class Handover implements AsyncIterable<HandedOverBatch> {
  private readonly ready: HandedOverBatch[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  constructor(private readonly name: string) {}

  /** Hands `spans` over; resolves with what the reader settled it with. */
  offer(spans: Span[]): Promise<ConsumeResult> {
    if (this.ended) {
      return Promise.resolve(unavailable(`exporter ${this.name}: retired, its backend left the set`, QUEUE_RETRY_AFTER_MILLIS));
    }
    return new Promise<ConsumeResult>((resolve) => {
      let settled = false;
      this.ready.push({
        spans,
        settle: (result) => {
          if (settled) return;
          settled = true;
          resolve(result);
        },
      });
      this.wakeReader();
    });
  }

  /** No more batches: the reader's loop ends once it has read what is there. */
  end(): void {
    this.ended = true;
    this.wakeReader();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<HandedOverBatch> {
    for (;;) {
      const next = this.ready.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
