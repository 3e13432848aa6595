import zlib from 'node:zlib';
import { Producer, type CompressionAlgorithmValue, type MessageToProduce } from '@platformatic/kafka';
import { z } from 'zod';
import type { ComponentLogger } from '../../component/component.js';
import { durationMillisSchema } from '../../model/duration-schema.js';
import { KAFKA_CONNECTION_FIELDS, KAFKA_TENANT_HEADER } from '../../model/kafka-connection.js';
import { encodeOtlpProtoTraces } from '../../model/otlp-proto-encode.js';
import type { Span } from '../../model/span.js';
import type { Exporter, ExporterFactory } from '../pipeline/component-factories.js';
import { CONSUME_SUCCESS, type ConsumeResult } from '../pipeline/consume-result.js';
import { unavailable } from '../pipeline/consume-status.js';
import { RateLimitedWarning } from './exporter-telemetry.js';

/** node:zlib's zstd: a function from Node.js 22.15, absent before (a named import would not link). */
const ZSTD_AVAILABLE = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

/**
 * `kafka` exporter, in the OpenTelemetry Collector's kafkaexporter's key names: OTLP protobuf
 * (`encoding: otlp_proto`), one message per trace keyed by its trace ID
 * (`partition_traces_by_id`), so every span of a trace lands on one partition and so on one
 * ingester; `producer.required_acks: -1` (all in-sync replicas) and an idempotent producer.
 */
export const kafkaExporterConfigSchema = z
  .object({
    ...KAFKA_CONNECTION_FIELDS,
    partition_traces_by_id: z.boolean().default(true),
    timeout: durationMillisSchema.default(5_000),
    // Retry-After handed to the SDK when Kafka did not acknowledge: it resends the request then.
    retry_after: durationMillisSchema.default(1_000),
    producer: z
      .object({
        compression: z
          .enum(['none', 'gzip', 'snappy', 'lz4', 'zstd'])
          .default('lz4')
          // The client compresses zstd with node:zlib, which has it from Node.js 22.15: on older
          // runtimes every send would fail, so the configuration is refused at start instead.
          .refine((codec) => codec !== 'zstd' || ZSTD_AVAILABLE, {
            message: `zstd needs Node.js 22.15 or later (this is ${process.version}); use lz4`,
          }),
        // -1 = all in-sync replicas. Anything weaker could lose a span the SDK was told is safe.
        required_acks: z.literal(-1).default(-1),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type KafkaExporterConfig = z.output<typeof kafkaExporterConfigSchema>;

type KafkaMessage = MessageToProduce<Buffer, Buffer, string, string>;

/** One message per trace (or one per tenant when not partitioning by trace), values OTLP protobuf. */
export function kafkaMessagesOf(
  spans: readonly Span[],
  topic: string,
  byTraceId: boolean,
): MessageToProduce<Buffer, Buffer, string, string>[] {
  const groups = new Map<string, Span[]>();
  for (const span of spans) {
    const key = `${span.resource.tenant}\u0000${byTraceId ? span.traceId : ''}`;
    const group = groups.get(key);
    if (group) group.push(span);
    else groups.set(key, [span]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    return {
      topic,
      ...(byTraceId && { key: Buffer.from(first.traceId, 'hex') }),
      value: Buffer.from(encodeOtlpProtoTraces(group)),
      headers: new Map([[KAFKA_TENANT_HEADER, first.resource.tenant]]),
    };
  });
}

/**
 * Sends each batch and answers success only once Kafka acknowledged every message of it (acks
 * from all in-sync replicas): only then has the span reached a durable buffer (ARCHITECTURE
 * decision 4). Any failure answers `unavailable`, so the sender retries; Kafka's idempotent
 * producer and the storage's ReplacingMergeTree absorb what a retry repeats.
 */
/** Keys and values are our own bytes (trace ID, OTLP protobuf); header keys and values UTF-8 text. */
export const RAW_MESSAGE_SERIALIZERS = {
  key: (key?: Buffer) => key,
  value: (value?: Buffer) => value,
  headerKey: (key?: string) => (key === undefined ? undefined : Buffer.from(key)),
  headerValue: (value?: string) => (value === undefined ? undefined : Buffer.from(value)),
};

export class KafkaExporter implements Exporter {
  private producer: Producer<Buffer, Buffer, string, string>;
  private readonly warning: RateLimitedWarning;
  private waiting: { messages: KafkaMessage[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private sending = false;

  constructor(
    private readonly config: KafkaExporterConfig,
    private readonly id: string,
    private readonly onSent: (spans: number) => void,
    private readonly onFailed: (spans: number) => void,
    logger: ComponentLogger,
  ) {
    this.warning = new RateLimitedWarning(logger);
    this.producer = this.newProducer();
  }

  private newProducer(): Producer<Buffer, Buffer, string, string> {
    const config = this.config;
    return new Producer({
      clientId: config.client_id,
      bootstrapBrokers: config.brokers,
      acks: config.producer.required_acks,
      idempotent: true,
      compression: config.producer.compression as CompressionAlgorithmValue,
      timeout: config.timeout,
      retries: 2,
      serializers: RAW_MESSAGE_SERIALIZERS,
    });
  }

  /**
   * After a failed send the producer starts over with a new producer ID: the idempotent session's
   * sequence numbers no longer match the broker's after a broker restart (measured: every later
   * send refused with OUT_OF_ORDER_SEQUENCE_NUMBER, for good). The failed requests were answered
   * `unavailable`, so their resends may store copies, which the ReplacingMergeTree collapses.
   */
  private replaceProducer(): void {
    const old = this.producer;
    this.producer = this.newProducer();
    old.close(true, () => undefined);
  }

  async start(): Promise<void> {
    // Nothing to open: the producer connects on first send, so a collector starts while Kafka is
    // down and answers 503 until it is back.
  }

  async consume(spans: Span[]): Promise<ConsumeResult> {
    if (spans.length === 0) return CONSUME_SUCCESS;
    try {
      await this.send(kafkaMessagesOf(spans, this.config.topic, this.config.partition_traces_by_id));
      this.onSent(spans.length);
      return CONSUME_SUCCESS;
    } catch (error) {
      this.onFailed(spans.length);
      const message = `exporter ${this.id}: Kafka did not acknowledge ${spans.length} spans: ${describeKafkaError(error)}`;
      this.warning.warn(message);
      return unavailable(message, this.config.retry_after);
    }
  }

  /**
   * Group commit: one produce request in flight at a time, carrying every request that arrived
   * meanwhile. The idempotent producer numbers each partition's batches; two concurrent sends
   * reach the broker out of order and are refused (OUT_OF_ORDER_SEQUENCE_NUMBER, measured here
   * with 4 concurrent requests: 60 of 80 failed), and fewer, larger batches compress better.
   */
  private send(messages: KafkaMessage[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ messages, resolve, reject });
      if (!this.sending) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.sending = true;
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      try {
        await this.producer.send({ messages: group.flatMap((request) => request.messages) });
        for (const request of group) request.resolve();
      } catch (error) {
        this.replaceProducer();
        for (const request of group) request.reject(error);
      }
    }
    this.sending = false;
  }

  async shutdown(): Promise<void> {
    await new Promise<void>((resolve) => this.producer.close(true, () => resolve()));
  }
}

/** The client wraps the broker's answer in `errors`: its first one says what went wrong. */
function describeKafkaError(error: unknown): string {
  const outer = error as Error & { errors?: unknown[] };
  const inner = outer.errors?.[0] as (Error & { errors?: unknown[] }) | undefined;
  const innermost = inner?.errors?.[0] as Error | undefined;
  return [outer.message, inner?.message, innermost?.message].filter((m) => m !== undefined).join(': ');
}

export const kafkaExporterFactory: ExporterFactory<KafkaExporterConfig> = {
  kind: 'exporter',
  type: 'kafka',
  configSchema: kafkaExporterConfigSchema,
  createDefaultConfig: () => kafkaExporterConfigSchema.parse({}),
  create: (settings, config): Exporter =>
    new KafkaExporter(
      config,
      settings.id.text,
      (n) => settings.metrics.exportedSpans.inc({ exporter: settings.id.text }, n),
      (n) => settings.metrics.exportFailedSpans.inc({ exporter: settings.id.text }, n),
      settings.logger,
    ),
};
