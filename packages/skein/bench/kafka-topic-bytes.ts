/**
 * What a Kafka broker holds for one topic, told apart the ways that matter for sizing disks
 * (cluster-tiers-bench, docs/scaling.md): the records the broker appended, the segment bytes it
 * reports itself (DescribeLogDirs, what `kafka-log-dirs.sh` prints), the files of the partition
 * folders by kind with their apparent and allocated sizes, and the record batches as the broker
 * stored them (`kafka.tools.DumpLogSegments`: records per batch, compression codec, bytes).
 *
 * Why all of these: `du -b` of the partition folders counts the apparent size of the offset and
 * time index files, which the broker preallocates at `segment.index.bytes` (10 MiB each) for the
 * active segment and trims only when the segment rolls. They are sparse (a few KiB allocated),
 * so they are neither data nor disk use, but `du -b` reports 20 MiB per partition for them.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, createRecordsBatch, type CompressionAlgorithmValue, type MessageToProduce } from '@platformatic/kafka';

export interface KafkaFileBytes {
  /** Size as `ls -l` and `du -b` report it. */
  apparent: number;
  /** Blocks the filesystem allocated (`du` without -b). */
  allocated: number;
}

export interface KafkaTopicBytes {
  /** Records the broker appended (sum of the partitions' end offsets; the topic starts at 0). */
  records: number;
  /** The broker's own figure: the partitions' segment sizes summed (DescribeLogDirs). */
  brokerLogBytes: number;
  /** Files of the topic's partition folders by suffix (`.log`, `.index`, `.timeindex`, other). */
  files: Record<string, KafkaFileBytes>;
  /** Record batches stored, and how many of them carry each compression codec. */
  batches: number;
  codecs: Record<string, number>;
  /** Bytes of the stored batches (headers included) as DumpLogSegments lists them. */
  batchBytes: number;
}

function suffixOf(file: string): string {
  const match = /\.(log|index|timeindex)$/.exec(file);
  return match ? match[1]! : 'other';
}

/** Reads `topic` on the broker at `bootstrap` whose log directory is `dataDir` (same machine). */
export async function kafkaTopicBytes(bootstrap: string, dataDir: string, jarDir: string, topic: string): Promise<KafkaTopicBytes> {
  const folders = readdirSync(dataDir).filter((name) => name.startsWith(`${topic}-`) && /-\d+$/.test(name));
  const partitions = folders.map((name) => Number(name.slice(topic.length + 1)));
  const admin = new Admin({ clientId: 'bench-bytes', bootstrapBrokers: [bootstrap] });
  let records = 0;
  let brokerLogBytes = 0;
  try {
    const offsets = await admin.listOffsets({
      topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) }],
    });
    for (const listed of offsets) for (const partition of listed.partitions) records += Number(partition.offset);
    const dirs = await admin.describeLogDirs({ topics: [{ name: topic, partitions }] });
    for (const broker of dirs)
      for (const result of broker.results)
        for (const described of result.topics)
          if (described.name === topic) for (const partition of described.partitions) brokerLogBytes += Number(partition.partitionSize);
  } finally {
    await admin.close();
  }

  const files: Record<string, KafkaFileBytes> = {};
  const segments: string[] = [];
  for (const folder of folders) {
    for (const file of readdirSync(join(dataDir, folder))) {
      const path = join(dataDir, folder, file);
      const stat = statSync(path);
      const kind = suffixOf(file);
      const entry = (files[kind] ??= { apparent: 0, allocated: 0 });
      entry.apparent += stat.size;
      entry.allocated += stat.blocks * 512;
      if (kind === 'log') segments.push(path);
    }
  }

  let batches = 0;
  let batchBytes = 0;
  const codecs: Record<string, number> = {};
  if (segments.length > 0) {
    const dump = execFileSync(
      '/usr/bin/java',
      ['-Xmx256m', '-cp', `${jarDir}/*`, 'kafka.tools.DumpLogSegments', '--files', segments.join(',')],
      { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    for (const line of dump.split('\n')) {
      if (!line.startsWith('baseOffset:')) continue;
      batches++;
      batchBytes += Number(/\bsize: (\d+)/.exec(line)?.[1] ?? 0);
      const codec = /\bcompresscodec: (\w+)/.exec(line)?.[1] ?? 'unknown';
      codecs[codec] = (codecs[codec] ?? 0) + 1;
    }
  }
  return { records, brokerLogBytes, files, batches, codecs, batchBytes };
}

/**
 * Bytes per span of the record batches the client would send (and the broker store: it keeps a
 * producer's batches as they come) when each batch to one partition holds `tracesPerBatch`
 * messages, in the client's own batch encoding: per-record and per-batch overhead included.
 * Computed in-process, so codecs and batch sizes compare without a broker.
 */
export function recordBatchBytesPerSpan(
  messages: readonly MessageToProduce<Buffer, Buffer, string, string>[],
  spansOf: (message: MessageToProduce<Buffer, Buffer, string, string>) => number,
  tracesPerBatch: number,
  codec: CompressionAlgorithmValue,
): number {
  let bytes = 0;
  let spans = 0;
  for (let i = 0; i < messages.length; i += tracesPerBatch) {
    const batch = messages.slice(i, i + tracesPerBatch);
    const records = batch.map((message) => ({
      topic: message.topic,
      value: message.value!,
      ...(message.key !== undefined && { key: message.key }),
      headers: new Map([...((message.headers as Map<string, string> | undefined) ?? [])].map(([k, v]) => [Buffer.from(k), Buffer.from(v)])),
    }));
    bytes += createRecordsBatch(records, { compression: codec }).length;
    spans += batch.reduce((sum, message) => sum + spansOf(message), 0);
  }
  return bytes / spans;
}
