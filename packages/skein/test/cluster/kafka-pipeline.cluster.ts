import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { KafkaExporter, kafkaExporterConfigSchema, kafkaMessagesOf } from '../../src/collector/exporters/kafka-exporter.js';
import { KafkaReceiver, kafkaReceiverConfigSchema } from '../../src/collector/receivers/kafka-receiver.js';
import { CONSUME_SUCCESS, type ConsumeResult, type SpanConsumer } from '../../src/collector/pipeline/consume-result.js';
import { unavailable } from '../../src/collector/pipeline/consume-status.js';
import type { Span } from '../../src/model/span.js';
import { parseTenantId } from '../../src/model/tenant.js';
import { SkeinMetrics } from '../../src/telemetry/skein-metrics.js';
import { kafkaJars, startKafkaBroker, type KafkaBroker } from '../support/kafka-broker.js';
import { waitUntil } from '../support/process-wait.js';
import { makeResource, makeSpan, randomTraceId } from '../support/span-factory.js';

/**
 * The kafka exporter and receiver against a real broker (KRaft, jars from Maven Central): what the
 * exporter acknowledged arrives downstream with its tenant, a trace's spans share one partition, the
 * receiver commits only after the downstream said success (a refused batch is re-read), and the lag
 * is on /metrics.
 */
const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const jars = kafkaJars();

/** A downstream that records what it took, and refuses while `refusing` is set. */
class Downstream implements SpanConsumer {
  readonly spans: Span[] = [];
  refusing = false;
  refusals = 0;
  async consume(spans: Span[]): Promise<ConsumeResult> {
    if (this.refusing) {
      this.refusals++;
      return unavailable('storage is down (test)', 100);
    }
    this.spans.push(...spans);
    return CONSUME_SUCCESS;
  }
}

if (jars.dir === undefined) {
  if (process.env['CI'] === 'true') test('the Kafka broker is available in CI', () => assert.fail(jars.problem));
  else test('kafka exporter and receiver', { skip: jars.problem ?? 'no Kafka' }, () => {});
} else {
  let broker: KafkaBroker | undefined;
  let topicCounter = 0;
  before(async () => {
    broker = await startKafkaBroker(jars.dir!);
  });
  after(async () => {
    await broker?.stop();
  });

  const newTopic = async (): Promise<string> => {
    const topic = `spans_${process.pid}_${++topicCounter}`;
    const admin = new Admin({ clientId: 'test', bootstrapBrokers: [broker!.bootstrap] });
    try {
      await admin.createTopics({ topics: [topic], partitions: 4, replicas: 1 });
    } finally {
      await admin.close();
    }
    return topic;
  };
  const exporterFor = (topic: string): KafkaExporter =>
    new KafkaExporter(
      kafkaExporterConfigSchema.parse({ brokers: [broker!.bootstrap], topic }),
      'kafka',
      () => undefined,
      () => undefined,
      logger,
    );
  const receiverFor = (topic: string, next: SpanConsumer, metrics?: SkeinMetrics): KafkaReceiver =>
    new KafkaReceiver(
      kafkaReceiverConfigSchema.parse({
        brokers: [broker!.bootstrap],
        topic,
        group_id: `group_${topic}`,
        lag_interval: '500ms',
        session_timeout: '6s',
        heartbeat_interval: '500ms',
      }),
      'kafka',
      next,
      logger,
      metrics,
    );

  test('what the exporter acknowledged arrives downstream, tenants kept; one message per trace, keyed by its ID', async () => {
    const topic = await newTopic();
    const exporter = exporterFor(topic);
    const downstream = new Downstream();
    const metrics = new SkeinMetrics();
    const receiver = receiverFor(topic, downstream, metrics);
    try {
      const tenant = parseTenantId('acme');
      const traces = Array.from({ length: 20 }, () => randomTraceId());
      const spans = traces.flatMap((traceId, t) =>
        [0, 1, 2].map(() => makeSpan({ traceId, resource: { ...makeResource(`svc-${t % 3}`), ...(t % 2 === 0 && { tenant }) } })),
      );
      const messages = kafkaMessagesOf(spans, topic, true);
      assert.deepStrictEqual(messages.map((m) => m.key?.toString('hex')).sort(), [...traces].sort());
      assert.deepStrictEqual(await exporter.consume(spans), CONSUME_SUCCESS);
      await receiver.start();
      await waitUntil(
        () => downstream.spans.length >= spans.length,
        30_000,
        () => `${downstream.spans.length} of ${spans.length} spans arrived`,
      );
      const byId = (list: Span[]): Span[] => [...list].sort((a, b) => a.spanId.localeCompare(b.spanId));
      assert.deepStrictEqual(byId(downstream.spans), byId(spans), 'every span, byte for byte, with its tenant');
      await waitUntil(
        async () => /skein_kafka_receiver_lag_messages\{[^}]*partition="\d"\} 0/.test((await metrics.render()).body),
        20_000,
        () => 'the lag gauge did not reach 0',
      );
    } finally {
      await receiver.shutdown();
      await exporter.shutdown();
    }
  });

  test('offsets are committed only after the downstream write: a refused batch is re-read by the next consumer', async () => {
    const topic = await newTopic();
    const exporter = exporterFor(topic);
    const spans = Array.from({ length: 10 }, () => makeSpan());
    assert.deepStrictEqual(await exporter.consume(spans), CONSUME_SUCCESS);
    await exporter.shutdown();

    const refusing = new Downstream();
    refusing.refusing = true;
    const first = receiverFor(topic, refusing);
    await first.start();
    try {
      await waitUntil(
        () => refusing.refusals >= 2,
        30_000,
        () => 'the receiver never delivered',
      );
    } finally {
      await first.shutdown(); // stops with the batch unwritten: nothing committed
    }
    const downstream = new Downstream();
    const second = receiverFor(topic, downstream);
    await second.start();
    try {
      await waitUntil(
        () => downstream.spans.length >= spans.length,
        30_000,
        () => `${downstream.spans.length} of ${spans.length} re-read`,
      );
      assert.equal(refusing.spans.length, 0);
      assert.equal(downstream.spans.length, spans.length);
    } finally {
      await second.shutdown();
    }
  });

  test('with the broker down the exporter answers unavailable (the SDK retries), and works again after a restart', async () => {
    const topic = await newTopic();
    const exporter = new KafkaExporter(
      kafkaExporterConfigSchema.parse({ brokers: [broker!.bootstrap], topic, timeout: '2s' }),
      'kafka',
      () => undefined,
      () => undefined,
      logger,
    );
    try {
      assert.deepStrictEqual(await exporter.consume([makeSpan()]), CONSUME_SUCCESS);
      await broker!.process.kill('SIGKILL');
      const down = await exporter.consume([makeSpan()]);
      assert.equal(down.outcome, 'retryable');
      await broker!.restart();
      await waitUntil(
        async () => (await exporter.consume([makeSpan()])).outcome === 'success',
        60_000,
        () => 'no success after restart',
      );
    } finally {
      await exporter.shutdown();
    }
  });
}
