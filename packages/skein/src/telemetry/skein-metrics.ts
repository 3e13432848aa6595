import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Skein's own metrics (served as Prometheus text on :8888/metrics). Every family is declared
 * here, once, with a fixed label set, so dashboards can rely on the names; the parts get this
 * object and count into it. Refusals and drops are counted under the fixed reason lists below
 * (as Tempo does), never under free-form strings, so label cardinality stays bounded.
 */

/** Why a receiver refused spans (the caller got an error or a partial success). */
export const REFUSAL_REASONS = [
  'invalid_span', // rejected individually (partial_success)
  'decode_error', // the whole request could not be decoded
  'too_large', // body above the configured limit
  'overloaded', // back-pressure: a queue or the memory limit was full (429 / RESOURCE_EXHAUSTED)
  'unavailable', // storage or a downstream was down, or Skein is shutting down (503 / UNAVAILABLE)
  'internal', // a bug or an unexpected storage failure (500 / INTERNAL)
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Why a pipeline stage dropped spans on purpose (the sender was told success). */
export const DROP_REASONS = [
  'filtered', // filter processor conditions matched
  'head_sampled_out', // probabilistic_sampler decided not to keep the trace
  'tail_sampled_out', // tail_sampling decided not to keep the trace
  'tail_late_span_dropped', // a span arriving after its trace was decided "drop"
  'trace_too_large', // the storage exporter: the span's trace reached its tenant's max_spans_per_trace
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export class SkeinMetrics {
  readonly registry = new Registry();

  /** Spans that arrived at a receiver, valid or not. */
  readonly receivedSpans = new Counter({
    name: 'skein_receiver_received_spans_total',
    help: 'Spans received, per receiver and transport, before validation.',
    labelNames: ['receiver', 'transport'] as const,
    registers: [this.registry],
  });
  /** Spans a receiver handed to the pipeline and got a success for. */
  readonly acceptedSpans = new Counter({
    name: 'skein_receiver_accepted_spans_total',
    help: 'Spans acknowledged to the sender, per receiver and transport.',
    labelNames: ['receiver', 'transport'] as const,
    registers: [this.registry],
  });
  readonly refusedSpans = new Counter({
    name: 'skein_receiver_refused_spans_total',
    help: `Spans not acknowledged, per receiver, transport and reason (${REFUSAL_REASONS.join(', ')}).`,
    labelNames: ['receiver', 'transport', 'reason'] as const,
    registers: [this.registry],
  });
  /**
   * Whole requests refused, per reason. An undecodable or oversized request has no span count, so
   * `decode_error` and `too_large` refusals show up here (and not in the spans counter).
   */
  readonly refusedRequests = new Counter({
    name: 'skein_receiver_refused_requests_total',
    help: `Requests refused as a whole, per receiver, transport and reason (${REFUSAL_REASONS.filter((r) => r !== 'invalid_span').join(', ')}).`,
    labelNames: ['receiver', 'transport', 'reason'] as const,
    registers: [this.registry],
  });
  /** Bytes of request bodies being read, decoded or waiting for the pipeline's answer. */
  readonly receiverInFlightBytes = new Gauge({
    name: 'skein_receiver_in_flight_bytes',
    help: 'Request body bytes held by a receiver (read, decoded or waiting for the pipeline), per receiver.',
    labelNames: ['receiver'] as const,
    registers: [this.registry],
  });

  readonly processorIncomingSpans = new Counter({
    name: 'skein_processor_incoming_spans_total',
    help: 'Spans entering each processor.',
    labelNames: ['processor'] as const,
    registers: [this.registry],
  });
  readonly processorOutgoingSpans = new Counter({
    name: 'skein_processor_outgoing_spans_total',
    help: 'Spans leaving each processor (passed on, possibly later for stateful stages).',
    labelNames: ['processor'] as const,
    registers: [this.registry],
  });
  readonly droppedSpans = new Counter({
    name: 'skein_processor_dropped_spans_total',
    help: `Spans dropped on purpose, per processor and reason (${DROP_REASONS.join(', ')}).`,
    labelNames: ['processor', 'reason'] as const,
    registers: [this.registry],
  });

  readonly droppedLogRecords = new Counter({
    name: 'skein_processor_dropped_log_records_total',
    help: 'Log records dropped on purpose, per processor and reason (filtered, tail_sampled_out: their trace was not sampled).',
    labelNames: ['processor', 'reason'] as const,
    registers: [this.registry],
  });

  readonly batchSends = new Counter({
    name: 'skein_processor_batch_sends_total',
    help: 'Batches the batch processor sent, by what triggered the send (size, timeout, shutdown).',
    labelNames: ['processor', 'trigger'] as const,
    registers: [this.registry],
  });
  readonly batchSendSpans = new Histogram({
    name: 'skein_processor_batch_send_spans',
    help: 'Spans per batch sent by the batch processor.',
    labelNames: ['processor'] as const,
    buckets: [10, 100, 500, 1_000, 2_000, 5_000, 8_192, 10_000, 20_000, 50_000],
    registers: [this.registry],
  });
  /** 1 while memory_limiter refuses data (memory above its soft limit), else 0. */
  readonly memoryLimiterRefusing = new Gauge({
    name: 'skein_memory_limiter_refusing',
    help: 'Whether memory_limiter is refusing data (1: resident memory above the soft limit).',
    labelNames: ['processor'] as const,
    registers: [this.registry],
  });

  readonly samplerDecisions = new Counter({
    name: 'skein_sampler_decisions_total',
    help: 'Tail sampling decisions per trace, by the policy that decided and the decision (sampled / not_sampled).',
    labelNames: ['processor', 'policy', 'decision'] as const,
    registers: [this.registry],
  });
  readonly samplerTracesBuffered = new Gauge({
    name: 'skein_sampler_traces_buffered',
    help: 'Traces waiting for a tail sampling decision.',
    labelNames: ['processor'] as const,
    registers: [this.registry],
  });
  readonly samplerSpansBuffered = new Gauge({
    name: 'skein_sampler_spans_buffered',
    help: 'Spans held by the tail sampler until their trace is decided.',
    labelNames: ['processor'] as const,
    registers: [this.registry],
  });

  /** Spans waiting in a bounded queue (processor or exporter), and the queue's capacity. */
  readonly queueSpans = new Gauge({
    name: 'skein_queue_spans',
    help: 'Spans waiting in a bounded queue, per queue.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  readonly queueCapacitySpans = new Gauge({
    name: 'skein_queue_capacity_spans',
    help: 'Capacity of each bounded queue, in spans.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  /** Messages a Kafka receiver's group has not committed yet, per partition (updated every lag_interval). */
  readonly kafkaReceiverLag = new Gauge({
    name: 'skein_kafka_receiver_lag_messages',
    help: "Messages behind the end of each partition for the kafka receiver's consumer group (end offset minus committed offset).",
    labelNames: ['receiver', 'topic', 'partition'] as const,
    registers: [this.registry],
  });

  readonly exportedSpans = new Counter({
    name: 'skein_exporter_sent_spans_total',
    help: 'Spans an exporter delivered (stored, or acknowledged by the downstream).',
    labelNames: ['exporter'] as const,
    registers: [this.registry],
  });
  readonly exportFailedSpans = new Counter({
    name: 'skein_exporter_send_failed_spans_total',
    help: 'Spans an exporter could not deliver on one attempt (they are retried or refused upstream).',
    labelNames: ['exporter'] as const,
    registers: [this.registry],
  });
  readonly storageWriteSeconds = new Histogram({
    name: 'skein_storage_write_duration_seconds',
    help: 'Time per storage insert (one group-committed batch).',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly storageWriteSpans = new Histogram({
    name: 'skein_storage_write_spans',
    help: 'Spans per storage insert.',
    buckets: [1, 10, 100, 500, 1_000, 5_000, 10_000, 20_000, 50_000],
    registers: [this.registry],
  });

  /**
   * Node.js process metrics (CPU, resident memory, heap, event-loop lag, GC) under `skein_`, in
   * the same registry. Called once by the CLI, not in the constructor: tests build many instances.
   */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'skein_' });
  }

  /** Prometheus text exposition of every family. */
  private readonly expositions = new Set<(openMetrics: boolean) => string>();

  /**
   * Adds text rendered by someone else to every scrape (the metrics tap's span metrics and service
   * graph, in their own exposition code because their series change shape at run time); returns
   * the function that removes it.
   */
  addExposition(render: (openMetrics: boolean) => string): () => void {
    this.expositions.add(render);
    return () => this.expositions.delete(render);
  }

  /**
   * Prometheus text 0.0.4, or OpenMetrics 1.0 when `openMetrics` (the scraper's Accept header
   * asked for it): only OpenMetrics carries exemplars.
   */
  async render(openMetrics = false): Promise<{ contentType: string; body: string }> {
    const extra = [...this.expositions].map((render) => render(openMetrics)).join('');
    if (!openMetrics) return { contentType: this.registry.contentType, body: (await this.registry.metrics()) + extra };
    // A throwaway registry over the same metric objects, typed for OpenMetrics (prom-client types
    // a registry by its content type; merge() builds the default kind).
    const registry = Registry.merge([this.registry]) as unknown as Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>;
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const own = (await registry.metrics()).replace(/# EOF\n?$/, '');
    return { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body: `${own}${extra}# EOF\n` };
  }
}
