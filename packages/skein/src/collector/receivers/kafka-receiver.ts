import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import { z } from 'zod';
import type { Component, ComponentLogger } from '../../component/component.js';
import { durationMillisSchema } from '../../model/duration-schema.js';
import { KAFKA_CONNECTION_FIELDS, KAFKA_TENANT_HEADER } from '../../model/kafka-connection.js';
import { decodeOtlpProtoTraces } from '../../model/otlp-proto-decode.js';
import type { Span } from '../../model/span.js';
import { DEFAULT_TENANT, isTenantId } from '../../model/tenant.js';
import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';
import type { ReceiverFactory } from '../pipeline/component-factories.js';
import type { SpanConsumer } from '../pipeline/consume-result.js';
import { exportTraces } from './export-traces.js';
import { ReceiverTelemetry } from './receiver-telemetry.js';

const { brokers, topic, encoding, client_id } = KAFKA_CONNECTION_FIELDS;

/** `kafka` receiver, in the OpenTelemetry Collector's kafkareceiver's key names where it has them. */
export const kafkaReceiverConfigSchema = z
  .object({
    brokers,
    topic,
    encoding,
    group_id: z.string().min(1).default('skein-ingester'),
    client_id,
    // Where a new consumer group starts: `earliest` reads what collectors wrote before any ingester ran.
    initial_offset: z.enum(['earliest', 'latest']).default('earliest'),
    // A batch handed to the pipeline: messages until this many spans, or what arrived within max_batch_wait.
    max_batch_spans: z.number().int().positive().default(10_000),
    max_batch_wait: durationMillisSchema.default(200),
    session_timeout: durationMillisSchema.default(10_000),
    heartbeat_interval: durationMillisSchema.default(1_000),
    lag_interval: durationMillisSchema.default(5_000),
  })
  .strict();

export type KafkaReceiverConfig = z.output<typeof kafkaReceiverConfigSchema>;

type KafkaMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/** Spans of one message, with the tenant the exporter wrote in its header. */
export function spansOfMessage(message: KafkaMessage): Span[] {
  const header =
    message.headers.get(Buffer.from(KAFKA_TENANT_HEADER)) ??
    [...message.headers].find(([key]) => key.toString() === KAFKA_TENANT_HEADER)?.[1];
  const text = header?.toString() ?? DEFAULT_TENANT;
  if (!isTenantId(text)) throw new Error(`invalid ${KAFKA_TENANT_HEADER} header ${JSON.stringify(text.slice(0, 80))}`);
  return decodeOtlpProtoTraces(message.value, text);
}

/**
 * Consumes the topic in a consumer group and commits a partition's offset only after the spans
 * before it were written downstream (the pipeline answered success): a crash between the write and
 * the commit re-reads those messages, and the ReplacingMergeTree collapses the copies. A retryable
 * answer (storage down, overload) holds the batch and tries again after the hinted delay, so the
 * lag grows in Kafka instead of spans being lost. A message that cannot be decoded is counted
 * (`decode_error`) and skipped: it would never decode on a retry either.
 */
export class KafkaReceiver implements Component {
  private consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  private pending: KafkaMessage[] = [];
  private pendingSpansEstimate = 0;
  private wake: (() => void) | undefined;
  private readonly stopped = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly telemetry: ReceiverTelemetry;
  private readonly lagPartitions = new Set<string>();
  private lastProgressMillis = Date.now();
  private lagErrors = 0;
  private delivering = false;
  private reconnecting: Promise<void> | undefined;

  constructor(
    private readonly config: KafkaReceiverConfig,
    private readonly id: string,
    private readonly next: SpanConsumer,
    private readonly logger: ComponentLogger,
    private readonly metrics: SkeinMetrics | undefined,
  ) {
    this.telemetry = new ReceiverTelemetry(metrics, 'kafka', 'kafka');
  }

  async start(): Promise<void> {
    await this.open();
    this.loop = this.run();
    this.logger.info(
      `receiver ${this.id}: consuming ${this.config.topic} from ${this.config.brokers.join(',')} as group ${this.config.group_id}`,
    );
  }

  /** A consumer in the group and its stream, wired to the batch loop. */
  private async open(): Promise<void> {
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      groupId: this.config.group_id,
      clientId: this.config.client_id,
      bootstrapBrokers: this.config.brokers,
      sessionTimeout: this.config.session_timeout,
      heartbeatInterval: this.config.heartbeat_interval,
      retries: 5,
      retryDelay: 500,
    });
    this.consumer = consumer;
    this.lastProgressMillis = Date.now();
    this.lagErrors = 0;
    consumer.on('consumer:lag', (lag: Map<string, bigint[]>) => this.recordLag(lag));
    consumer.on('consumer:lag:error', () => {
      // The broker is unreachable: the last lag stays; a consumer that keeps failing is replaced.
      if (++this.lagErrors >= 3) this.reconnect('the lag cannot be read');
    });
    let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
    try {
      stream = await consumer.consume({
        topics: [this.config.topic],
        mode: 'committed',
        fallbackMode: this.config.initial_offset,
        autocommit: false,
        maxWaitTime: 500,
        sessionTimeout: this.config.session_timeout,
        heartbeatInterval: this.config.heartbeat_interval,
      });
    } catch (error) {
      consumer.close(true, () => undefined);
      throw error;
    }
    this.stream = stream;
    stream.on('data', (message: KafkaMessage) => {
      this.lastProgressMillis = Date.now();
      this.pending.push(message);
      // ~100 B of protobuf per span: enough to bound a batch without decoding it twice.
      this.pendingSpansEstimate += Math.max(1, Math.floor(message.value.length / 100));
      if (this.pendingSpansEstimate >= this.config.max_batch_spans) stream.pause();
      this.wake?.();
    });
    stream.on('error', (error: Error) => this.reconnect(error.message));
    consumer.startLagMonitoring({ topics: [this.config.topic] }, this.config.lag_interval);
  }

  /**
   * Replaces the consumer and its stream. After a broker restart the client's stream stops
   * fetching without an error (measured with Kafka 4.1: the lag stays above 0, no message comes),
   * so a consumer that errs, cannot read its lag, or sees lag without progress is replaced; it
   * re-joins the group and continues from the committed offsets (what it held uncommitted is read
   * again and collapses in storage).
   */
  private reconnect(why: string): void {
    if (this.reconnecting !== undefined || this.stopped.signal.aborted) return;
    this.logger.warn(`receiver ${this.id}: reconnecting to Kafka (${why})`);
    const [oldConsumer, oldStream] = [this.consumer, this.stream];
    this.consumer = undefined;
    this.stream = undefined;
    this.reconnecting = (async () => {
      oldConsumer?.stopLagMonitoring();
      oldStream?.removeAllListeners('data');
      oldStream?.on('error', () => undefined);
      oldConsumer?.close(true, () => undefined);
      while (!this.stopped.signal.aborted) {
        try {
          await this.open();
          return;
        } catch (error) {
          this.logger.warn(`receiver ${this.id}: Kafka unavailable: ${(error as Error).message}`);
          await this.sleep(1_000);
        }
      }
    })().finally(() => (this.reconnecting = undefined));
  }

  private async run(): Promise<void> {
    while (!this.stopped.signal.aborted) {
      if (this.pending.length === 0) {
        const signal = this.stopped.signal;
        await new Promise<void>((resolve) => {
          const done = (): void => {
            signal.removeEventListener('abort', done);
            resolve();
          };
          this.wake = done;
          signal.addEventListener('abort', done, { once: true });
        });
        this.wake = undefined;
        continue;
      }
      // Let a batch fill for max_batch_wait unless it is full already.
      if (this.pendingSpansEstimate < this.config.max_batch_spans) await this.sleep(this.config.max_batch_wait);
      const batch = this.pending;
      this.pending = [];
      this.pendingSpansEstimate = 0;
      this.delivering = true;
      await this.deliver(batch);
      this.delivering = false;
      this.lastProgressMillis = Date.now();
      if (this.stream?.isPaused() === true) this.stream.resume();
    }
  }

  /** Writes the batch downstream (retrying until it succeeds or Skein stops), then commits it. */
  private async deliver(batch: KafkaMessage[]): Promise<void> {
    const spans: Span[] = [];
    for (const message of batch) {
      try {
        spans.push(...spansOfMessage(message));
      } catch (error) {
        this.telemetry.refused('decode_error');
        this.logger.warn(`receiver ${this.id}: skipped message ${message.partition}/${message.offset}: ${(error as Error).message}`);
      }
    }
    while (spans.length > 0) {
      const outcome = await exportTraces(spans, this.next, this.telemetry);
      if (outcome.outcome === 'accepted') break;
      // Not written: keep the offsets where they are. Stopping now leaves the batch uncommitted,
      // so the group's next consumer reads it again.
      if (this.stopped.signal.aborted) return;
      const delay = outcome.outcome === 'retryable' ? outcome.retryAfterMillis : 1_000;
      this.logger.warn(`receiver ${this.id}: downstream refused ${spans.length} spans (${outcome.message}); retrying in ${delay} ms`);
      await this.sleep(delay);
    }
    await this.commit(batch);
  }

  /** Commits the last offset of each partition in the batch (Kafka stores last + 1). */
  private async commit(batch: readonly KafkaMessage[]): Promise<void> {
    const last = new Map<string, KafkaMessage>();
    for (const message of batch) last.set(`${message.topic}/${message.partition}`, message);
    for (const message of last.values()) {
      try {
        await message.commit();
      } catch (error) {
        // A rebalance took the partition away: its new owner re-reads from the last commit.
        this.logger.warn(`receiver ${this.id}: commit of ${message.partition}/${message.offset} failed: ${(error as Error).message}`);
      }
    }
  }

  private recordLag(lag: Map<string, bigint[]>): void {
    this.lagErrors = 0;
    let total = 0n;
    for (const [topic, partitions] of lag) {
      partitions.forEach((value, partition) => {
        const labels = { receiver: this.id, topic, partition: String(partition) };
        this.lagPartitions.add(JSON.stringify(labels));
        this.metrics?.kafkaReceiverLag.set(labels, Number(value < 0n ? 0n : value));
        if (value > 0n) total += value;
      });
    }
    const stalledMillis = Date.now() - this.lastProgressMillis;
    if (total > 0n && !this.delivering && this.pending.length === 0 && stalledMillis > Math.max(10_000, 3 * this.config.lag_interval)) {
      this.reconnect(`${total} messages behind and none received for ${Math.round(stalledMillis / 1000)} s`);
    }
  }

  /** Waits `millis`, or less when Skein stops. */
  private sleep(millis: number): Promise<void> {
    const signal = this.stopped.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, millis);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async shutdown(): Promise<void> {
    this.stopped.abort();
    this.consumer?.stopLagMonitoring();
    await this.loop;
    await this.reconnecting;
    await this.stream?.close().catch(() => undefined);
    const consumer = this.consumer;
    if (consumer !== undefined) await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
    for (const labels of this.lagPartitions) this.metrics?.kafkaReceiverLag.remove(JSON.parse(labels) as Record<string, string>);
  }
}

export const kafkaReceiverFactory: ReceiverFactory<KafkaReceiverConfig> = {
  kind: 'receiver',
  type: 'kafka',
  configSchema: kafkaReceiverConfigSchema,
  createDefaultConfig: () => kafkaReceiverConfigSchema.parse({}),
  create: (settings, config, next) => new KafkaReceiver(config, settings.id.text, next, settings.logger, settings.metrics),
};
