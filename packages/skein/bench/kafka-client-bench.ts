/**
 * Which pure-JavaScript Kafka client the kafka exporter and receiver use, chosen by measurement
 * (issue 18 item 2; step l of `npm run bench`): @platformatic/kafka (the product's) and kafkajs,
 * against one real Kafka broker (KRaft, the jars of test/support/kafka-broker.ts, free ports, a temp
 * directory), each run in a fresh process (bench/kafka-client-worker.ts) on a fresh topic of 4
 * partitions with the same bytes: the loadgen topology's spans as the exporter's messages (one OTLP
 * protobuf message per trace, keyed by trace ID, 512-span export requests), an idempotent producer
 * with acks = all behind the exporter's group commit, then a consumer group reading them back.
 * Runs alternate A B B A … so a machine that gets busier or quieter favours neither; the medians
 * and each run's figures (with the 1-minute load average before and after it) go into the JSON.
 *
 *   node --import tsx bench/kafka-client-bench.ts [--spans 300000] [--rounds 4] [--callers 4]
 *     [--compression lz4] [--flush-each-message] [--json FILE]
 *
 * The broker flushes as a production broker does (by the OS) unless --flush-each-message: the
 * tests' fsync per message would make the disk, not the client, set the pace. Without Java or the
 * broker jars it writes `{ "skipped": "…" }` and exits 0.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { kafkaJars, startKafkaBroker } from '../test/support/kafka-broker.js';
import { formatNumber, markdownTable } from './bench-report.js';
import { KAFKA_CLIENTS, KAFKA_COMPRESSIONS, type KafkaClientName } from './kafka-client-adapters.js';

const { values: options } = parseArgs({
  options: {
    spans: { type: 'string', default: '300000' },
    rounds: { type: 'string', default: '4' },
    callers: { type: 'string', default: '4' },
    compression: { type: 'string', default: 'lz4' },
    'flush-each-message': { type: 'boolean', default: false },
    'timeout-ms': { type: 'string', default: '240000' },
    json: { type: 'string' },
  },
});
if (!(KAFKA_COMPRESSIONS as readonly string[]).includes(options.compression)) {
  throw new Error(`--compression: one of ${KAFKA_COMPRESSIONS.join(', ')}`);
}
const packageDir = resolve(import.meta.dirname, '..');
const out = options.json ?? join(packageDir, 'bench/results/kafka-client-latest.json');
const PARTITIONS = 4;
const load1 = (): number => Number((loadavg()[0] ?? NaN).toFixed(2));

interface WorkerResult {
  client: KafkaClientName;
  digest: string;
  produce: Record<string, number>;
  consume: Record<string, number>;
}

interface RunResult extends WorkerResult {
  round: number;
  loadBefore: number;
  loadAfter: number;
}

/** The installed version (workspaces hoist into the root's node_modules; a package's own wins). */
function versionOf(name: string): string {
  for (const dir of [join(packageDir, 'node_modules'), join(packageDir, '../../node_modules')]) {
    const path = join(dir, name, 'package.json');
    if (existsSync(path)) return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** One worker process; resolves with its JSON line, rejects with its stderr when it fails. */
function runWorker(args: string[]): Promise<WorkerResult> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/kafka-client-worker.ts', ...args], {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // The worker has its own deadline; this one catches a worker that hangs past it.
  const timer = setTimeout(() => child.kill('SIGKILL'), Number(options['timeout-ms']) + 60_000);
  return new Promise((done, fail) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) done(JSON.parse(line) as WorkerResult);
      else fail(new Error(`worker ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

function medians(runs: RunResult[]): Record<string, { produce: Record<string, number>; consume: Record<string, number> }> {
  const byClient: Record<string, { produce: Record<string, number>; consume: Record<string, number> }> = {};
  for (const client of KAFKA_CLIENTS) {
    const mine = runs.filter((run) => run.client === client);
    if (mine.length === 0) continue;
    const phase = (name: 'produce' | 'consume'): Record<string, number> =>
      Object.fromEntries(Object.keys(mine[0]![name]).map((key) => [key, Number(median(mine.map((run) => run[name][key]!)).toFixed(3))]));
    byClient[client] = { produce: phase('produce'), consume: phase('consume') };
  }
  return byClient;
}

/** Each run and the medians as the Markdown table of BENCHMARKS.md. */
function runsTable(runs: RunResult[], byClient: ReturnType<typeof medians>): string {
  const f = (value: number | undefined): string => (value === undefined ? '—' : formatNumber(value));
  const row = (label: string, load: string, produce: Record<string, number>, consume: Record<string, number>): string[] => [
    label,
    load,
    f(produce['spansPerSecond']),
    f(produce['messagesPerSecond']),
    f(produce['megabytesPerSecond']),
    `${f(produce['requestP50Ms'])} / ${f(produce['requestP99Ms'])}`,
    `${f(produce['sendP50Ms'])} / ${f(produce['sendP99Ms'])}`,
    f(produce['cpuSecondsPer100kSpans']),
    f(produce['brokerCpuSecondsPer100kSpans']),
    f(produce['rssGrowthMiB']),
    f(consume['spansPerSecond']),
    f(consume['megabytesPerSecond']),
    f(consume['cpuSecondsPer100kSpans']),
    f(consume['rssGrowthMiB']),
  ];
  return markdownTable(
    [
      'run',
      'load 1 min',
      'produce spans/s',
      'msgs/s',
      'MB/s',
      'request p50 / p99 ms',
      'send p50 / p99 ms',
      'CPU-s / 100k',
      'broker CPU-s / 100k',
      'RSS + MiB',
      'consume spans/s',
      'MB/s',
      'CPU-s / 100k',
      'RSS + MiB',
    ],
    [
      ...runs.map((run) => row(`${run.round}. ${run.client}`, `${run.loadBefore}→${run.loadAfter}`, run.produce, run.consume)),
      ...Object.entries(byClient).map(([client, phases]) => row(`**median ${client}**`, '', phases.produce, phases.consume)),
    ],
    [false, false, ...Array<boolean>(12).fill(true)],
  );
}

async function main(): Promise<void> {
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', ramGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  const jars = kafkaJars();
  if (jars.dir === undefined) {
    console.log(`skipped: ${jars.problem ?? 'no Kafka broker jars'}`);
    writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine, skipped: jars.problem }, null, 2) + '\n');
    return;
  }
  const broker = await startKafkaBroker(jars.dir, PARTITIONS, 90_000, { flushEachMessage: options['flush-each-message'] });
  const runs: RunResult[] = [];
  const rounds = Number(options.rounds);
  try {
    const admin = new Admin({ clientId: 'kafka-client-bench', bootstrapBrokers: [broker.bootstrap] });
    const topics = ['warmup', ...Array.from({ length: rounds * KAFKA_CLIENTS.length }, (_, i) => `bench_${i + 1}`)];
    await admin.createTopics({ topics, partitions: PARTITIONS, replicas: 1 });
    await admin.close();
    const common = [
      '--bootstrap',
      broker.bootstrap,
      '--compression',
      options.compression,
      '--callers',
      options.callers,
      '--broker-pid',
      String(broker.process.pid),
      '--timeout-ms',
      options['timeout-ms'],
    ];
    // The broker's JIT warms up on a short run that counts for nobody.
    console.log(`broker ${broker.bootstrap} up; warm-up run (load ${load1()})`);
    await runWorker(['--client', KAFKA_CLIENTS[0], '--topic', 'warmup', '--spans', '20000', ...common]);
    let topic = 0;
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? KAFKA_CLIENTS : [...KAFKA_CLIENTS].reverse();
      for (const client of order) {
        const loadBefore = load1();
        const result = await runWorker(['--client', client, '--topic', `bench_${++topic}`, '--spans', options.spans, ...common]);
        const run: RunResult = { ...result, round, loadBefore, loadAfter: load1() };
        runs.push(run);
        console.log(
          `round ${round} ${client} (load ${run.loadBefore}→${run.loadAfter}): produce ${run.produce['spansPerSecond']} spans/s, ` +
            `p50/p99 ${run.produce['requestP50Ms']}/${run.produce['requestP99Ms']} ms, ${run.produce['cpuSecondsPer100kSpans']} CPU-s/100k, ` +
            `RSS +${run.produce['rssGrowthMiB']} MiB; consume ${run.consume['spansPerSecond']} spans/s, ${run.consume['cpuSecondsPer100kSpans']} CPU-s/100k`,
        );
      }
    }
  } finally {
    await broker.stop();
  }
  const digests = new Set(runs.map((run) => run.digest));
  if (digests.size !== 1) throw new Error(`the runs sent different payloads: ${[...digests].join(', ')}`);
  const result = {
    date: new Date().toISOString(),
    commit: git('rev-parse', 'HEAD'),
    machine,
    versions: Object.fromEntries(KAFKA_CLIENTS.map((name) => [name, versionOf(name)])),
    broker: { kafka: jars.dir.split('-').pop(), partitions: PARTITIONS, flushEachMessage: options['flush-each-message'] },
    settings: {
      spans: Number(options.spans),
      rounds,
      callers: Number(options.callers),
      compression: options.compression,
      acks: -1,
      idempotent: true,
      payload: 'loadgen default topology, seed 18, 512-span export requests, one OTLP protobuf message per trace keyed by trace ID',
      digest: [...digests][0],
    },
    medians: medians(runs),
    runs,
  };
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`\n${runsTable(runs, result.medians)}\n\nwritten ${out}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
