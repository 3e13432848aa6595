/**
 * Per-tier figures for docs/scaling.md's sizing table (issue 18 item 7), each tier alone on this
 * machine with real engines: a Kafka broker (KRaft, jars from Maven Central) and a ClickHouse
 * cluster of one shard × one replica on Debian's clickhouse-server 18.16 with ZooKeeper (the
 * cluster variant of the schema: Replicated + Distributed tables, sync inserts).
 *
 * 1. collector → Kafka: `skein loadgen`'s spans (pre-generated) through the kafka exporter in
 *    512-span batches, 4 in flight: spans/s and Skein CPU-s per 100k spans (this process).
 * 2. Kafka bytes per span: the broker's own segment bytes (DescribeLogDirs) / spans (lz4), with
 *    what explains them (kafka-topic-bytes.ts): messages sent vs records appended, batches and
 *    their codec, and the partition folders' apparent vs allocated bytes.
 * 3. Kafka → ingester → ClickHouse: the kafka receiver and the storage exporter draining the topic
 *    into the cluster: spans/s, Skein CPU-s per 100k and clickhouse-server CPU-s per 100k.
 * 4. ClickHouse bytes per span after OPTIMIZE FINAL (18.16: no codecs, no LowCardinality).
 *
 *   node --import tsx bench/cluster-tiers-bench.ts [--spans 100000] [--json file]
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Admin, type MessageToProduce } from '@platformatic/kafka';
import { KafkaExporter, kafkaExporterConfigSchema, kafkaMessagesOf } from '../src/collector/exporters/kafka-exporter.js';
import { StorageExporter } from '../src/collector/exporters/storage-exporter.js';
import { KafkaReceiver, kafkaReceiverConfigSchema } from '../src/collector/receivers/kafka-receiver.js';
import { defaultTopology } from '../src/loadgen/default-topology.js';
import { TraceGenerator } from '../src/loadgen/trace-generator.js';
import type { Span } from '../src/model/span.js';
import { ClickHouseEngine } from '../src/storage/engines/clickhouse-engine.js';
import { openTraceStore } from '../src/storage/open-trace-store.js';
import { CLUSTER_NAME, startClickHouseCluster } from '../test/support/clickhouse-cluster.js';
import { findClickHouseServer } from '../test/support/clickhouse-server.js';
import { kafkaJars, startKafkaBroker } from '../test/support/kafka-broker.js';
import { kafkaTopicBytes, recordBatchBytesPerSpan } from './kafka-topic-bytes.js';
import { processUsage } from './process-usage.js';

const { values: options } = parseArgs({ options: { spans: { type: 'string', default: '100000' }, json: { type: 'string' } } });
const totalSpans = Number(options.spans);
const logger = { info: () => undefined, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

async function main(): Promise<void> {
  const binary = findClickHouseServer();
  const jars = kafkaJars();
  if (binary === undefined || jars.dir === undefined) throw new Error(`needs clickhouse-server and Kafka jars: ${jars.problem ?? ''}`);
  console.log(`machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadavg()[0]!.toFixed(1)}`);
  const generator = new TraceGenerator(defaultTopology(), { seed: 18, startTimeUnixNano: BigInt(Date.now() - 600_000) * 1_000_000n });
  const batches: Span[][] = [];
  let pending: Span[] = [];
  let generated = 0;
  while (generated < totalSpans) {
    pending.push(...generator.nextTrace());
    if (pending.length >= 512) {
      generated += pending.length;
      batches.push(pending);
      pending = [];
    }
  }
  const broker = await startKafkaBroker(jars.dir, 4);
  const cluster = await startClickHouseCluster(binary, 1, 1);
  const results: Record<string, number> = {};
  try {
    const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [broker.bootstrap] });
    await admin.createTopics({ topics: ['bench_spans'], partitions: 4, replicas: 1 });
    await admin.close();

    // 1. collector → Kafka
    const exporter = new KafkaExporter(
      kafkaExporterConfigSchema.parse({ brokers: [broker.bootstrap], topic: 'bench_spans' }),
      'kafka',
      () => undefined,
      () => undefined,
      logger,
    );
    await exporter.consume(batches[0]!.slice(0, 1)); // connect outside the timing
    let messagesSent = 1;
    let valueBytes = 0;
    const spansPerMessage = new Map<MessageToProduce<Buffer, Buffer, string, string>, number>();
    for (const batch of batches) {
      const spansPerTrace = new Map<string, number>();
      for (const span of batch) spansPerTrace.set(span.traceId, (spansPerTrace.get(span.traceId) ?? 0) + 1);
      for (const message of kafkaMessagesOf(batch, 'bench_spans', true)) {
        messagesSent++;
        valueBytes += message.value?.length ?? 0;
        spansPerMessage.set(message, spansPerTrace.get(message.key!.toString('hex'))!);
      }
    }
    let cpu = cpuSeconds();
    let started = performance.now();
    let next = 0;
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        while (next < batches.length) {
          const result = await exporter.consume(batches[next++]!);
          if (result.outcome !== 'success') throw new Error(JSON.stringify(result));
        }
      }),
    );
    let seconds = (performance.now() - started) / 1000;
    results['produceSpansPerSecond'] = Math.round(generated / seconds);
    results['produceCpuSecondsPer100k'] = ((cpuSeconds() - cpu) / generated) * 100_000;
    await exporter.shutdown();
    // 2. What the broker holds: records, its own segment bytes, files by kind, batches as stored.
    const held = await kafkaTopicBytes(broker.bootstrap, broker.dataDir, jars.dir, 'bench_spans');
    results['kafkaMessagesSent'] = messagesSent;
    results['kafkaRecordsOnBroker'] = held.records;
    results['kafkaBatches'] = held.batches;
    results['kafkaCompressedBatches'] = held.codecs['lz4'] ?? 0;
    results['kafkaValueBytesPerSpan'] = valueBytes / generated;
    results['kafkaBytesPerSpan'] = held.brokerLogBytes / generated;
    results['kafkaBatchBytesPerSpan'] = held.batchBytes / generated;
    const apparent = Object.values(held.files).reduce((sum, file) => sum + file.apparent, 0);
    const allocated = Object.values(held.files).reduce((sum, file) => sum + file.allocated, 0);
    results['kafkaDuApparentBytesPerSpan'] = apparent / generated;
    results['kafkaAllocatedBytesPerSpan'] = allocated / generated;
    console.log(
      `1/2. kafka exporter: ${results['produceSpansPerSecond']} spans/s, ${results['produceCpuSecondsPer100k']!.toFixed(2)} CPU-s/100k; ` +
        `${messagesSent} messages sent (${(valueBytes / generated).toFixed(1)} B/span of OTLP protobuf), ${held.records} records on the broker ` +
        `in ${held.batches} batches (codecs ${JSON.stringify(held.codecs)}), ${results['kafkaBytesPerSpan']!.toFixed(1)} B/span of segments (broker's figure)`,
    );
    for (const [kind, file] of Object.entries(held.files)) {
      console.log(`     .${kind}: ${file.apparent} B apparent (du -b), ${file.allocated} B allocated (du)`);
    }
    console.log(
      `     all files: ${(apparent / generated).toFixed(1)} B/span apparent (what du -cb counted), ${(allocated / generated).toFixed(1)} B/span allocated`,
    );

    // 2b. The same messages in record batches of n traces, per codec (in-process, no broker).
    const messages = [...spansPerMessage.keys()];
    for (const codec of ['none', 'gzip', 'snappy', 'lz4'] as const) {
      const row = [1, 5, 25, 100].map((traces) => {
        const bytes = recordBatchBytesPerSpan(messages, (m) => spansPerMessage.get(m)!, traces, codec);
        results[`recordBatchBytesPerSpan_${codec}_${traces}`] = bytes;
        return `${traces} traces: ${bytes.toFixed(1)}`;
      });
      console.log(`     record batches, ${codec}, B/span by traces per batch: ${row.join(', ')}`);
    }

    // 3. Kafka → ingester → ClickHouse
    const url = cluster.nodes[0]!.url;
    const store = await openTraceStore({ engine: 'clickhouse', url, database: 'bench', cluster: { name: CLUSTER_NAME } });
    const storage = new StorageExporter(store, {
      maxBatchSpans: 20_000,
      maxQueuedSpans: 200_000,
      maxConcurrentWrites: 2,
      retryAfterMillis: 500,
    });
    let stored = 0;
    const receiver = new KafkaReceiver(
      kafkaReceiverConfigSchema.parse({ brokers: [broker.bootstrap], topic: 'bench_spans', group_id: 'bench', max_batch_spans: 20_000 }),
      'kafka',
      {
        consume: async (spans) => {
          const result = await storage.consume(spans);
          if (result.outcome === 'success') stored += spans.length;
          return result;
        },
      },
      logger,
      undefined,
    );
    const serverPid = cluster.nodes[0]!.process.pid!;
    const serverCpu = processUsage(serverPid)!.cpuSeconds;
    cpu = cpuSeconds();
    started = performance.now();
    await receiver.start();
    while (stored < generated) await new Promise((r) => setTimeout(r, 100));
    seconds = (performance.now() - started) / 1000;
    results['ingestSpansPerSecond'] = Math.round(generated / seconds);
    results['ingestCpuSecondsPer100k'] = ((cpuSeconds() - cpu) / generated) * 100_000;
    results['clickhouseCpuSecondsPer100k'] = ((processUsage(serverPid)!.cpuSeconds - serverCpu) / generated) * 100_000;
    console.log(
      `3. kafka receiver → storage (cluster 1x1, 18.16): ${results['ingestSpansPerSecond']} spans/s (incl. group join), ${results['ingestCpuSecondsPer100k']!.toFixed(2)} Skein CPU-s/100k, ${results['clickhouseCpuSecondsPer100k']!.toFixed(2)} clickhouse-server CPU-s/100k`,
    );
    await receiver.shutdown();
    await storage.shutdown();
    await store.close();

    // 4. bytes per span on disk
    const engine = await ClickHouseEngine.open(url, 'bench');
    for (const table of ['trace_spans_v3_local', 'trace_index_v12_local', 'resources_v3_local', 'scopes_v3_local', 'operations_v3_local']) {
      await engine.command(`OPTIMIZE TABLE bench.${table} FINAL`);
    }
    const rows = await engine.query<{ bytes: string }>(
      "SELECT toString(sum(bytes_on_disk)) AS bytes FROM system.parts WHERE database = 'bench' AND active",
    );
    results['clickhouseBytesPerSpan'] = Number(rows[0]?.bytes) / generated;
    await engine.close();
    console.log(
      `4. clickhouse-server 18.16 bytes/span after OPTIMIZE FINAL (one replica): ${results['clickhouseBytesPerSpan']!.toFixed(1)}`,
    );
    results['spans'] = generated;
    results['loadAverage'] = loadavg()[0]!;
    if (options.json !== undefined) writeFileSync(options.json, `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await cluster.stop();
    await broker.stop();
  }
}

await main();
