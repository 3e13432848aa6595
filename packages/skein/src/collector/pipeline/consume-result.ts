import type { Span } from '../../model/span.js';

/**
 * What a pipeline stage answers for a batch. Every receiver maps it to its protocol with
 * `statusOf` (consume-status.ts): success → 200 / OK; retryable → 429 or 503 with Retry-After /
 * RESOURCE_EXHAUSTED or UNAVAILABLE with RetryInfo; failure → 500 / INTERNAL (the data is fine,
 * Skein could not take it). Build retryable results with `overloaded()` / `unavailable()` there.
 */
export type ConsumeResult =
  | {
      readonly outcome: 'success';
      /**
       * Spans of the batch refused one by one while the rest was taken (a tenant's
       * max_spans_per_trace): receivers report them as OTLP partial success. Lost through a
       * batch processor, whose callers share one answer.
       */
      readonly rejectedSpans?: number;
      readonly rejectedMessage?: string;
    }
  | {
      readonly outcome: 'retryable';
      /** 'overloaded': a bounded queue is full (429). 'unavailable': storage is down (503). */
      readonly reason: 'overloaded' | 'unavailable';
      readonly message: string;
      readonly retryAfterMillis: number;
    }
  | { readonly outcome: 'failure'; readonly message: string };

export const CONSUME_SUCCESS: ConsumeResult = Object.freeze({ outcome: 'success' });

/**
 * Anything that takes a signal's items (spans, log records): an exporter, a processor chain, a
 * whole pipeline. Stages that do not look inside the items (memory_limiter, batch, the storage
 * queue) are written once against it and serve every signal.
 */
export interface Consumer<T> {
  consume(items: T[]): Promise<ConsumeResult>;
  /** See {@link SpanConsumer.admission}. */
  admission?(request?: AdmissionRequest): ConsumeResult | undefined;
}

/**
 * A request asking to be admitted when its headers have arrived, before its body is read
 * (`admission-ticket.ts` is the one implementation). A consumer that admits it and predicts its
 * own wait from the work coming its way (the storage queue) counts the request as arriving work
 * with `hold`: without it, the many requests admitted together while their bodies are read and
 * decoded all see the same short queue, and the surplus is decoded only to be refused (or to
 * wait past the bound) once it reaches the queue.
 */
export interface AdmissionRequest {
  /** Body bytes the request declares (Content-Length); undefined when unknown (chunked, gRPC). */
  readonly declaredBytes: number | undefined;
  /**
   * `onSettled` runs once: with the number of items the request handed to `consume()` (called
   * just before that call, so the consumer never counts them twice), or with undefined when it
   * was refused, failed to decode or was abandoned.
   */
  hold(onSettled: (items: number | undefined) => void): void;
}

/** Anything that takes spans: an exporter, a processor chain, the whole pipeline. */
export interface SpanConsumer extends Consumer<Span> {
  consume(spans: Span[]): Promise<ConsumeResult>;
  /**
   * The refusal this consumer would answer any batch with right now (memory above the limit, a
   * storage queue longer than its bounded wait), or undefined when it may take one. Receivers ask
   * before reading and decoding a body, so an overloaded Skein spends no CPU on data it refuses,
   * which is what keeps accepted throughput near capacity under overload (issue 20). Optional: a
   * consumer without it is asked nothing and answers through consume(). Forwarders pass `request`
   * on unchanged; without it (a consumer asking for itself) nothing is held.
   */
  admission?(request?: AdmissionRequest): ConsumeResult | undefined;
}
