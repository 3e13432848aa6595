import { z } from 'zod';
import { durationMillisSchema, durationNanosSchema } from '../../model/duration-schema.js';

/**
 * The `metrics_tap` processor's configuration: the OpenTelemetry Collector's `spanmetrics` and
 * `servicegraph` connectors' keys, one section each, in one tap (one pass over each batch).
 *
 * ```yaml
 * processors:
 *   metrics_tap:
 *     spanmetrics:
 *       dimensions: [{ name: http.request.method, default: GET }]  # span attribute, then resource attribute
 *       exclude_dimensions: []                   # of the defaults: span.kind, status.code
 *       histogram:
 *         unit: s                                # s | ms (Prometheus names: _duration_seconds / _milliseconds)
 *         explicit: { buckets: [2ms, 4ms, …] }   # or exponential: { max_size: 160 }, not both
 *       metrics_flush_interval: 15s              # how often minutes are written to storage
 *       resource_metrics_key_attributes: []      # resource attributes that split series (e.g. service.instance.id)
 *       exemplars: { enabled: true, max_per_data_point: 1 }
 *       aggregation_cardinality_limit: 5000      # series per tenant; beyond it: one otel.metric.overflow=true series
 *       sanitize_span_names: true                # /users/123/orders → /users/{id}/orders
 *     servicegraph:
 *       store: { ttl: 2s, max_items: 100000 }
 *       virtual_node_peer_attributes: [peer.service, db.namespace, server.address, messaging.destination.name]
 *       latency_histogram_buckets: [2ms, 4ms, …]
 *     enabled: true                              # false, or `metrics_tap: null`, turns the tap off
 * ```
 */

/** The Collector spanmetrics connector's default explicit buckets. */
const DEFAULT_BUCKETS = [
  '2ms',
  '4ms',
  '6ms',
  '8ms',
  '10ms',
  '50ms',
  '100ms',
  '200ms',
  '400ms',
  '800ms',
  '1s',
  '1400ms',
  '2s',
  '5s',
  '10s',
  '15s',
];

const bucketsSchema = z
  .array(durationNanosSchema)
  .min(1)
  .refine((buckets) => buckets.every((bound, index) => index === 0 || bound > buckets[index - 1]!), 'buckets must be strictly increasing');

const spanMetricsSchema = z
  .object({
    dimensions: z.array(z.object({ name: z.string().min(1), default: z.string().optional() }).strict()).default([]),
    exclude_dimensions: z.array(z.enum(['span.kind', 'status.code', 'span.name'])).default([]),
    histogram: z
      .object({
        unit: z.enum(['s', 'ms']).default('s'),
        explicit: z
          .object({ buckets: bucketsSchema.prefault(DEFAULT_BUCKETS) })
          .strict()
          .optional(),
        exponential: z
          .object({ max_size: z.number().int().min(1).max(1000).default(160) })
          .strict()
          .optional(),
      })
      .strict()
      .refine((histogram) => !(histogram.explicit && histogram.exponential), 'use either explicit or exponential, not both')
      .prefault({}),
    metrics_flush_interval: durationMillisSchema.prefault('15s').refine((millis) => millis >= 100, 'must be at least 100ms'),
    resource_metrics_key_attributes: z.array(z.string().min(1)).default([]),
    exemplars: z
      .object({ enabled: z.boolean().default(true), max_per_data_point: z.number().int().min(1).max(100).default(1) })
      .strict()
      .prefault({}),
    aggregation_cardinality_limit: z.number().int().min(1).max(1_000_000).default(5000),
    sanitize_span_names: z.boolean().default(true),
  })
  .strict();

const serviceGraphSchema = z
  .object({
    enabled: z.boolean().default(true),
    dimensions: z.array(z.string().min(1)).default([]),
    store: z
      .object({
        ttl: durationMillisSchema.prefault('2s'),
        // The Collector defaults to 1000; at this repository's benchmark load (tens of thousands of
        // spans a second, 2 s wait) that drops most pairs, so Skein keeps more (≈ 200 B each).
        max_items: z.number().int().min(1).max(10_000_000).default(100_000),
      })
      .strict()
      .prefault({}),
    virtual_node_peer_attributes: z
      .array(z.string().min(1))
      .default(['peer.service', 'db.namespace', 'db.name', 'server.address', 'net.peer.name', 'messaging.destination.name', 'db.system']),
    latency_histogram_buckets: bucketsSchema.prefault(DEFAULT_BUCKETS),
  })
  .strict();

export const metricsTapConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    spanmetrics: spanMetricsSchema.prefault({}),
    servicegraph: serviceGraphSchema.prefault({}),
  })
  .strict();

export type MetricsTapConfig = z.output<typeof metricsTapConfigSchema>;
export type SpanMetricsConfig = MetricsTapConfig['spanmetrics'];
export type ServiceGraphConfig = MetricsTapConfig['servicegraph'];
