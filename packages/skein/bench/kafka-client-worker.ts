/**
 * One run of bench/kafka-client-bench.ts: one Kafka client in a fresh process (so its CPU time,
 * heap and RSS are its own), producing the loadgen topology's spans into an empty topic and then
 * reading them back through a consumer group. Started by the bench, not by hand:
 *
 *   node --import tsx bench/kafka-client-worker.ts --client kafkajs --bootstrap 127.0.0.1:PORT --topic T
 *     [--spans 300000] [--batch-spans 512] [--callers 4] [--compression lz4] [--broker-pid PID] [--seed 18]
 *
 * Payload: `skein loadgen`'s default topology (seeded, so every run sends the same bytes: the
 * digest is printed to prove it), cut into 512-span export requests, each turned into the kafka
 * exporter's messages (kafkaMessagesOf: one OTLP protobuf message per trace, keyed by trace ID,
 * tenant header) before the clock starts, so encoding costs nobody anything.
 *
 * Produce: `--callers` concurrent export requests feed the exporter's group commit (one produce
 * call in flight carrying every request that waited), as KafkaExporter.send does. Latency is a
 * request's, from its submission until Kafka acknowledged it (what the SDK waits for), and the
 * produce call's own round trip. Consume: a new group reads the topic from the earliest offset,
 * committing each partition's last offset every 200 ms (the receiver's batch wait) and at the end.
 * CPU is process.cpuUsage() of this process (the client's JavaScript, its codec and the I/O);
 * the broker's CPU over each phase is read from /proc when --broker-pid is given.
 *
 * Prints one JSON line (the result) on stdout.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { kafkaMessagesOf } from '../src/collector/exporters/kafka-exporter.js';
import { defaultTopology } from '../src/loadgen/default-topology.js';
import { percentiles } from '../src/loadgen/load-stats.js';
import { TraceGenerator } from '../src/loadgen/trace-generator.js';
import type { Span } from '../src/model/span.js';
import {
  KAFKA_CLIENTS,
  KAFKA_COMPRESSIONS,
  createConsumer,
  createProducer,
  type BenchMessage,
  type ClientSettings,
  type KafkaClientName,
  type KafkaCompression,
} from './kafka-client-adapters.js';
import { processUsage } from './process-usage.js';

const { values: options } = parseArgs({
  options: {
    client: { type: 'string' },
    bootstrap: { type: 'string' },
    topic: { type: 'string' },
    spans: { type: 'string', default: '300000' },
    'batch-spans': { type: 'string', default: '512' },
    callers: { type: 'string', default: '4' },
    compression: { type: 'string', default: 'lz4' },
    'broker-pid': { type: 'string' },
    seed: { type: 'string', default: '18' },
    'start-ms': { type: 'string' },
    'timeout-ms': { type: 'string', default: '300000' },
  },
});

const client = options.client as KafkaClientName;
if (!KAFKA_CLIENTS.includes(client)) throw new Error(`--client: one of ${KAFKA_CLIENTS.join(', ')}`);
const compression = options.compression as KafkaCompression;
if (!KAFKA_COMPRESSIONS.includes(compression)) throw new Error(`--compression: one of ${KAFKA_COMPRESSIONS.join(', ')}`);
if (options.bootstrap === undefined || options.topic === undefined) throw new Error('--bootstrap and --topic are required');
const bootstrap = options.bootstrap;
const topic = options.topic;
const brokerPid = options['broker-pid'] === undefined ? undefined : Number(options['broker-pid']);
const deadline = Date.now() + Number(options['timeout-ms']);

interface Request {
  messages: BenchMessage[];
  spans: number;
}

/** The same requests in every run: seeded spans, fixed start time, the exporter's message shape. */
function buildRequests(): { requests: Request[]; spans: number; valueBytes: number; digest: string } {
  const startMs = options['start-ms'] === undefined ? 1_764_900_000_000 : Number(options['start-ms']);
  const generator = new TraceGenerator(defaultTopology(), { seed: Number(options.seed), startTimeUnixNano: BigInt(startMs) * 1_000_000n });
  const batchSpans = Number(options['batch-spans']);
  const hash = createHash('sha256');
  const requests: Request[] = [];
  let spans = 0;
  let valueBytes = 0;
  let pending: Span[] = [];
  const flush = (): void => {
    const messages = kafkaMessagesOf(pending, topic, true).map((m) => ({
      key: m.key!,
      value: m.value!,
      tenant: (m.headers as Map<string, string>).values().next().value!,
    }));
    for (const message of messages) {
      hash.update(message.key).update(message.value);
      valueBytes += message.value.length;
    }
    requests.push({ messages, spans: pending.length });
    spans += pending.length;
    pending = [];
  };
  while (spans < Number(options.spans)) {
    pending.push(...generator.nextTrace());
    if (pending.length >= batchSpans) flush();
  }
  return { requests, spans, valueBytes, digest: hash.digest('hex').slice(0, 16) };
}

const cpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};
const brokerCpu = (): number => (brokerPid === undefined ? NaN : (processUsage(brokerPid)?.cpuSeconds ?? NaN));
const rssMiB = (): number => process.memoryUsage.rss() / 2 ** 20;
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** Peak RSS over a phase, sampled every 50 ms (the kernel's VmHWM would include the payload build). */
function rssSampler(): { stop: () => number } {
  let peak = rssMiB();
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB())), 50);
  return {
    stop: () => {
      clearInterval(timer);
      return round(Math.max(peak, rssMiB()), 1);
    },
  };
}

async function produce(settings: ClientSettings, requests: Request[], spans: number): Promise<Record<string, unknown>> {
  const producer = await createProducer(client, settings);
  // Connect, fetch metadata and the producer ID outside the timing (the exporter does it once).
  await producer.send(topic, requests[0]!.messages.slice(0, 1));
  let waiting: { messages: BenchMessage[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let sending = false;
  const sendMillis: number[] = [];
  const messagesPerSend: number[] = [];
  // KafkaExporter's group commit: one produce call in flight, carrying every request that waited.
  const flush = async (): Promise<void> => {
    sending = true;
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      const messages = group.flatMap((request) => request.messages);
      const started = performance.now();
      try {
        await producer.send(topic, messages);
        sendMillis.push(performance.now() - started);
        messagesPerSend.push(messages.length);
        for (const request of group) request.resolve();
      } catch (error) {
        for (const request of group) request.reject(error);
      }
    }
    sending = false;
  };
  const submit = (messages: BenchMessage[]): Promise<void> =>
    new Promise((resolve, reject) => {
      waiting.push({ messages, resolve, reject });
      if (!sending) void flush();
    });

  global.gc?.();
  const rssBefore = round(rssMiB(), 1);
  const rss = rssSampler();
  const requestMillis: number[] = [];
  const [cpu, broker, started] = [cpuSeconds(), brokerCpu(), performance.now()];
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(options.callers) }, async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        const submitted = performance.now();
        await submit(request.messages);
        requestMillis.push(performance.now() - submitted);
        if (Date.now() > deadline) throw new Error('produce: --timeout-ms passed');
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuUsed = cpuSeconds() - cpu;
  const brokerUsed = brokerCpu() - broker;
  const peakRss = rss.stop();
  await producer.close();
  const messages = requests.reduce((sum, r) => sum + r.messages.length, 0);
  const bytes = requests.reduce((sum, r) => sum + r.messages.reduce((s, m) => s + m.value.length + m.key.length, 0), 0);
  const request = percentiles(requestMillis);
  const send = percentiles(sendMillis);
  return {
    seconds: round(seconds, 3),
    messagesPerSecond: Math.round(messages / seconds),
    spansPerSecond: Math.round(spans / seconds),
    megabytesPerSecond: round(bytes / seconds / 1e6),
    requestP50Ms: request.p50,
    requestP99Ms: request.p99,
    sendP50Ms: send.p50,
    sendP99Ms: send.p99,
    sends: sendMillis.length,
    messagesPerSendMean: round(messages / sendMillis.length, 1),
    cpuSecondsPer100kSpans: round((cpuUsed / spans) * 100_000, 3),
    brokerCpuSecondsPer100kSpans: round((brokerUsed / spans) * 100_000, 3),
    rssBeforeMiB: rssBefore,
    peakRssMiB: peakRss,
    rssGrowthMiB: round(peakRss - rssBefore, 1),
  };
}

async function consume(settings: ClientSettings, expectedMessages: number, spans: number): Promise<Record<string, unknown>> {
  global.gc?.();
  const rssBefore = round(rssMiB(), 1);
  const rss = rssSampler();
  const [cpu, broker, started] = [cpuSeconds(), brokerCpu(), performance.now()];
  let received = 0;
  let bytes = 0;
  let withoutTenant = 0;
  let firstAt: number | undefined;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  const consumer = await createConsumer(client, settings, topic, `bench-${client}-${topic}`, (message) => {
    firstAt ??= performance.now();
    received++;
    bytes += message.valueBytes;
    if (message.tenant === undefined) withoutTenant++;
    if (received === expectedMessages) done();
  });
  // The receiver commits after each batch it wrote downstream, at most every max_batch_wait (200 ms).
  let committing = Promise.resolve();
  const committer = setInterval(() => (committing = committing.then(() => consumer.commit())), 200);
  const timeout = setTimeout(done, Math.max(1, deadline - Date.now()));
  await all;
  clearTimeout(timeout);
  const lastAt = performance.now();
  clearInterval(committer);
  await committing;
  await consumer.commit();
  const cpuUsed = cpuSeconds() - cpu;
  const brokerUsed = brokerCpu() - broker;
  const peakRss = rss.stop();
  await consumer.close();
  if (received !== expectedMessages) throw new Error(`consume: ${received} of ${expectedMessages} messages before --timeout-ms`);
  if (withoutTenant > 0) throw new Error(`consume: ${withoutTenant} messages without the tenant header`);
  const drainSeconds = (lastAt - (firstAt ?? lastAt)) / 1000;
  return {
    joinSeconds: round(((firstAt ?? lastAt) - started) / 1000, 3),
    // From the consumer's creation: includes joining the group and the first fetch.
    spansPerSecondWithJoin: Math.round(spans / ((lastAt - started) / 1000)),
    drainSeconds: round(drainSeconds, 3),
    messagesPerSecond: Math.round(received / drainSeconds),
    spansPerSecond: Math.round(spans / drainSeconds),
    megabytesPerSecond: round(bytes / drainSeconds / 1e6),
    cpuSecondsPer100kSpans: round((cpuUsed / spans) * 100_000, 3),
    brokerCpuSecondsPer100kSpans: round((brokerUsed / spans) * 100_000, 3),
    rssBeforeMiB: rssBefore,
    peakRssMiB: peakRss,
    rssGrowthMiB: round(peakRss - rssBefore, 1),
  };
}

async function main(): Promise<void> {
  const { requests, spans, valueBytes, digest } = buildRequests();
  const settings: ClientSettings = { bootstrap, compression, timeoutMillis: 5_000 };
  const messages = requests.reduce((sum, r) => sum + r.messages.length, 0);
  const produced = await produce(settings, requests, spans);
  // The connect message of produce() is on the topic too.
  const consumed = await consume(settings, messages + 1, spans);
  const result = {
    client,
    topic,
    spans,
    messages,
    requests: requests.length,
    valueBytesPerSpan: round(valueBytes / spans, 1),
    digest,
    produce: produced,
    consume: consumed,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
