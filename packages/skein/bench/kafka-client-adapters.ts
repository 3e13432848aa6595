/**
 * The two pure-JavaScript Kafka clients compared by bench/kafka-client-bench.ts, behind one small
 * interface each for producing and consuming, configured the way the kafka exporter and receiver
 * configure theirs: an idempotent producer with acks = all (-1), one produce request in flight,
 * lz4 by default, retries 2, a 5 s request timeout; a consumer group that starts at the earliest
 * offset, never auto-commits, and commits the last offset of each partition it handed on.
 *
 * kafkajs has no lz4 codec of its own (only gzip; the others are plugins): it is given the one
 * @platformatic/kafka uses (the same WebAssembly lz4 frame code), so the codec's cost is equal
 * and the figures compare the clients, not two lz4 implementations.
 */
import {
  Consumer as PlatformaticConsumer,
  Producer as PlatformaticProducer,
  compressionsAlgorithms,
  type CompressionAlgorithmValue,
  type Message,
} from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { KAFKA_TENANT_HEADER } from '../src/model/kafka-connection.js';
import { RAW_MESSAGE_SERIALIZERS } from '../src/collector/exporters/kafka-exporter.js';

export const KAFKA_CLIENTS = ['@platformatic/kafka', 'kafkajs'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];
export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'lz4'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/** One message as the kafka exporter writes it: OTLP protobuf of one trace, keyed by its trace ID. */
export interface BenchMessage {
  key: Buffer;
  value: Buffer;
  tenant: string;
}

export interface ProducerUnderTest {
  /** Resolves once Kafka acknowledged every message (acks from all in-sync replicas). */
  send(topic: string, messages: readonly BenchMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** What the consumer saw of one message: where it was and how big its value was. */
export interface ConsumedMessage {
  partition: number;
  valueBytes: number;
  tenant: string | undefined;
}

export interface ConsumerUnderTest {
  /** Commits, per partition, the last message handed to `onMessage` (Kafka stores last + 1). */
  commit(): Promise<void>;
  close(): Promise<void>;
}

export interface ClientSettings {
  bootstrap: string;
  compression: KafkaCompression;
  timeoutMillis: number;
}

const CLIENT_ID = 'skein-kafka-client-bench';

export function createProducer(client: KafkaClientName, settings: ClientSettings): Promise<ProducerUnderTest> {
  return client === 'kafkajs' ? kafkajsProducer(settings) : Promise.resolve(platformaticProducer(settings));
}

export function createConsumer(
  client: KafkaClientName,
  settings: ClientSettings,
  topic: string,
  groupId: string,
  onMessage: (message: ConsumedMessage) => void,
): Promise<ConsumerUnderTest> {
  return client === 'kafkajs'
    ? kafkajsConsumer(settings, topic, groupId, onMessage)
    : platformaticConsumer(settings, topic, groupId, onMessage);
}

/** As kafka-exporter.ts builds its producer (one send in flight: the exporter's group commit). */
function platformaticProducer(settings: ClientSettings): ProducerUnderTest {
  const producer = new PlatformaticProducer<Buffer, Buffer, string, string>({
    clientId: CLIENT_ID,
    bootstrapBrokers: [settings.bootstrap],
    acks: -1,
    idempotent: true,
    compression: settings.compression as CompressionAlgorithmValue,
    timeout: settings.timeoutMillis,
    retries: 2,
    serializers: RAW_MESSAGE_SERIALIZERS,
  });
  return {
    async send(topic, messages) {
      await producer.send({
        messages: messages.map((m) => ({ topic, key: m.key, value: m.value, headers: new Map([[KAFKA_TENANT_HEADER, m.tenant]]) })),
      });
    },
    close: () => new Promise<void>((resolve) => producer.close(true, () => resolve())),
  };
}

/** As kafka-receiver.ts consumes: a committed-offset stream, no autocommit, 500 ms fetch wait. */
async function platformaticConsumer(
  settings: ClientSettings,
  topic: string,
  groupId: string,
  onMessage: (message: ConsumedMessage) => void,
): Promise<ConsumerUnderTest> {
  const consumer = new PlatformaticConsumer<Buffer, Buffer, Buffer, Buffer>({
    groupId,
    clientId: CLIENT_ID,
    bootstrapBrokers: [settings.bootstrap],
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    retries: 5,
    retryDelay: 500,
  });
  const stream = await consumer.consume({
    topics: [topic],
    mode: 'committed',
    fallbackMode: 'earliest',
    autocommit: false,
    maxWaitTime: 500,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const last = new Map<number, Message<Buffer, Buffer, Buffer, Buffer>>();
  stream.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
    last.set(message.partition, message);
    const tenant = [...message.headers].find(([key]) => key.toString() === KAFKA_TENANT_HEADER)?.[1].toString();
    onMessage({ partition: message.partition, valueBytes: message.value.length, tenant });
  });
  return {
    async commit() {
      const messages = [...last.values()];
      last.clear();
      for (const message of messages) await message.commit();
    },
    async close() {
      await stream.close().catch(() => undefined);
      await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
    },
  };
}

let kafkajsLz4Registered = false;

/** kafkajs's codec interface (compress an Encoder's buffer, decompress a Buffer), backed by platformatic's lz4. */
function registerKafkajsLz4(): void {
  if (kafkajsLz4Registered) return;
  const lz4 = compressionsAlgorithms.lz4;
  kafkajs.CompressionCodecs[kafkajs.CompressionTypes.LZ4] = () => ({
    compress: async (encoder: { buffer: Buffer }) => lz4.compressSync(encoder.buffer),
    decompress: async (buffer: Buffer) => lz4.decompressSync(buffer),
  });
  kafkajsLz4Registered = true;
}

function kafkajsClient(settings: ClientSettings): kafkajs.Kafka {
  if (settings.compression === 'lz4') registerKafkajsLz4();
  return new kafkajs.Kafka({
    clientId: CLIENT_ID,
    brokers: [settings.bootstrap],
    logLevel: kafkajs.logLevel.ERROR,
    requestTimeout: settings.timeoutMillis,
  });
}

const KAFKAJS_COMPRESSION: Record<KafkaCompression, kafkajs.CompressionTypes> = {
  none: kafkajs.CompressionTypes.None,
  gzip: kafkajs.CompressionTypes.GZIP,
  lz4: kafkajs.CompressionTypes.LZ4,
};

async function kafkajsProducer(settings: ClientSettings): Promise<ProducerUnderTest> {
  const producer = kafkajsClient(settings).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // The Java client's murmur2 partitioner, as @platformatic/kafka's default: keys spread alike.
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
    retry: { retries: 2 },
  });
  await producer.connect();
  const compression = KAFKAJS_COMPRESSION[settings.compression];
  return {
    async send(topic, messages) {
      await producer.send({
        topic,
        acks: -1,
        timeout: settings.timeoutMillis,
        compression,
        messages: messages.map((m) => ({ key: m.key, value: m.value, headers: { [KAFKA_TENANT_HEADER]: m.tenant } })),
      });
    },
    close: () => producer.disconnect(),
  };
}

/** eachBatch (the receiver works in batches too), offsets resolved as handed on, commits by us. */
async function kafkajsConsumer(
  settings: ClientSettings,
  topic: string,
  groupId: string,
  onMessage: (message: ConsumedMessage) => void,
): Promise<ConsumerUnderTest> {
  const consumer = kafkajsClient(settings).consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const last = new Map<number, string>();
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const tenant = message.headers?.[KAFKA_TENANT_HEADER]?.toString();
        onMessage({ partition: batch.partition, valueBytes: message.value?.length ?? 0, tenant });
        last.set(batch.partition, message.offset);
      }
    },
  });
  return {
    async commit() {
      const offsets = [...last].map(([partition, offset]) => ({ topic, partition, offset: String(BigInt(offset) + 1n) }));
      last.clear();
      if (offsets.length > 0) await consumer.commitOffsets(offsets);
    },
    close: () => consumer.disconnect(),
  };
}
