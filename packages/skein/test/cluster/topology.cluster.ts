/**
 * Issue 18's topology, every part a real process on loopback, started and stopped here:
 * ZooKeeper + 2 shards × 2 replicas of clickhouse-server, one Kafka broker (KRaft), a front
 * `skein collector` with the loadbalancing exporter (by trace ID) in front of 2 collectors that
 * write to Kafka, 2 `skein ingester`s (Kafka → the cluster) and 2 `skein query` nodes. Under load
 * from `skein loadgen`, one replica, one ingester, one collector and the broker are killed with
 * SIGKILL at different moments (the replica, the collector and the broker are started again).
 * Afterwards every span loadgen saw acknowledged is readable through either query node, and no
 * trace is split across shards.
 *
 * Heavy (about 12 processes): `npm run test:cluster`, not `npm test`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { decodeOtlpProtoTraces } from '../../src/model/otlp-proto-decode.js';
import { readFixture } from '../../src/loadgen/fixture-file.js';
import { ClickHouseEngine } from '../../src/storage/engines/clickhouse-engine.js';
import { CLUSTER_NAME, clusterPrerequisites, startClickHouseCluster, type ClickHouseCluster } from '../support/clickhouse-cluster.js';
import { findClickHouseServer } from '../support/clickhouse-server.js';
import { kafkaJars, startKafkaBroker, type KafkaBroker } from '../support/kafka-broker.js';
import { freePort, waitUntil } from '../support/process-wait.js';
import { makeTempDir, removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';

const PACKAGE_DIR = resolve(import.meta.dirname, '../..');
const TRACES = Number(process.env['SKEIN_TOPOLOGY_TRACES'] ?? 400);
const RATE = Number(process.env['SKEIN_TOPOLOGY_RATE'] ?? 400);
const TOPIC = 'otlp_spans';

const binary = findClickHouseServer();
const missing = clusterPrerequisites(binary);
const jars = missing === undefined ? kafkaJars() : {};
const problem = missing ?? jars.problem;

const processes: SkeinProcess[] = [];
let cluster: ClickHouseCluster | undefined;
let broker: KafkaBroker | undefined;
const dirs: string[] = [];
after(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await broker?.stop();
  await cluster?.stop();
  for (const dir of dirs) removeDir(dir);
});

function storageSection(url: string): string {
  return `storage:
  engine: clickhouse
  url: ${url}
  database: skein
  cluster: { name: ${CLUSTER_NAME}, insert_quorum: 2 }`;
}

/** One file for collectors and ingesters: each role runs its own pipelines (service-graph.ts). */
function tierConfig(storageUrl: string): string {
  return `${storageSection(storageUrl)}
receivers:
  otlp: { protocols: { grpc: { endpoint: 127.0.0.1:0 }, http: { endpoint: 127.0.0.1:0 } } }
  zipkin: null
  kafka: { brokers: [${broker!.bootstrap}], topic: ${TOPIC}, group_id: skein-ingester, session_timeout: 6s, heartbeat_interval: 500ms, lag_interval: 1s }
exporters:
  kafka: { brokers: [${broker!.bootstrap}], topic: ${TOPIC}, timeout: 5s }
  storage: { max_queue_wait: 10s }
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [kafka]
    traces/ingest:
      receivers: [kafka]
      processors: []
      exporters: [storage]
`;
}

function skeinArgs(role: string, config: string, extra: string[] = []): string[] {
  return [role, '-c', config, ...extra];
}

async function run(command: string, args: string[], timeoutMillis: number): Promise<string> {
  const child = spawn(process.execPath, [join(PACKAGE_DIR, 'dist/cli/main.js'), command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`skein ${command} exited ${code}:\n${output.slice(-3000)}`);
  return output;
}

const sleep = (millis: number): Promise<void> => new Promise((r) => setTimeout(r, millis));

async function spanIdsVia(queryUrl: string, traceId: string): Promise<string[] | undefined> {
  const response = await fetch(`${queryUrl}/api/v1/traces/${traceId}?format=otlp`, { signal: AbortSignal.timeout(10_000) });
  if (response.status === 404) return [];
  if (!response.ok) return undefined;
  const body = (await response.json()) as { resourceSpans: { scopeSpans: { spans: { spanId: string }[] }[] }[] };
  return body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((span) => span.spanId))).sort();
}

test(
  'topology: kills under load lose no acknowledged span, and no trace is split across shards',
  { skip: problem ?? false, timeout: 600_000 },
  async () => {
    const work = makeTempDir('topology');
    dirs.push(work);
    // Traffic first: a fixture, so the test knows every span ID that will be sent.
    const fixture = join(work, 'traffic.bin');
    await run('loadgen', ['--write-fixture', fixture, '--traces', String(TRACES), '--seed', '18', '--large-trace-share', '0'], 120_000);
    const expected = new Map<string, string[]>();
    for (const request of readFixture(fixture)) {
      for (const span of decodeOtlpProtoTraces(request)) expected.set(span.traceId, [...(expected.get(span.traceId) ?? []), span.spanId]);
    }
    const spanCount = [...expected.values()].reduce((n, ids) => n + ids.length, 0);

    cluster = await startClickHouseCluster(binary!, 2, 2);
    broker = await startKafkaBroker(jars.dir!, 4);
    const admin = new Admin({ clientId: 'topology', bootstrapBrokers: [broker.bootstrap] });
    await admin.createTopics({ topics: [TOPIC], partitions: 4, replicas: 1 });
    await admin.close();
    const node = (i: number): string => cluster!.nodes[i]!.url;

    // Query nodes first (they create the schema ON CLUSTER), on different shards' nodes.
    const started = async (role: string, storageUrl: string, extra: string[] = []): Promise<SkeinProcess> => {
      const config = writeConfig(tierConfig(storageUrl));
      dirs.push(dirname(config));
      const skein = await startSkein({ built: true, args: skeinArgs(role, config, extra), timeoutMillis: 90_000 });
      processes.push(skein);
      return skein;
    };
    const queryA = await started('query', node(0));
    const queryB = await started('query', node(3));
    const ingesters = [await started('ingester', node(1)), await started('ingester', node(2))];
    const collectorPorts = [await freePort(), await freePort()];
    const collectors = await Promise.all(
      collectorPorts.map((port, i) => started('collector', node(i), ['--otlp-grpc-port', String(port)])),
    );
    const frontConfig = writeConfig(`receivers:
  otlp: { protocols: { grpc: { endpoint: 127.0.0.1:0 }, http: { endpoint: 127.0.0.1:0 } } }
  zipkin: null
exporters:
  loadbalancing:
    routing_key: traceID
    protocol:
      otlp:
        tls: { insecure: true }
        timeout: 10s
        sending_queue: { enabled: false }
        retry_on_failure: { enabled: false }
    resolver:
      static:
        hostnames: [${collectorPorts.map((p) => `127.0.0.1:${p}`).join(', ')}]
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [loadbalancing]
`);
    dirs.push(dirname(frontConfig));
    const front = await startSkein({ built: true, args: ['collector', '-c', frontConfig], timeoutMillis: 60_000 });
    processes.push(front);

    // Load: the fixture at RATE spans/s; every refused request is retried, so "acknowledged" = all.
    const summaryFile = join(work, 'summary.json');
    const load = run(
      'loadgen',
      [
        '--endpoint',
        front.otlpHttpUrl,
        '--from-fixture',
        fixture,
        '--rate',
        String(RATE),
        '--connections',
        '4',
        '--max-retries',
        '10000',
        '--timeout',
        '15s',
        '--summary-json',
        summaryFile,
      ],
      420_000,
    );
    const seconds = spanCount / RATE;
    const at = (share: number): Promise<void> => sleep(seconds * share * 1000);
    const kills = (async () => {
      await at(0.15);
      const replica = cluster!.nodes[1]!; // shard 1, replica 2
      await replica.process.kill('SIGKILL');
      await at(0.1);
      await ingesters[0]!.kill(); // the other ingester takes its partitions over
      await at(0.1);
      await collectors[1]!.kill();
      await at(0.1);
      collectors[1] = await started('collector', node(1), ['--otlp-grpc-port', String(collectorPorts[1])]);
      await replica.restart();
      await at(0.1);
      await broker!.process.kill('SIGKILL');
      await sleep(2_000);
      await broker!.restart();
    })();
    await Promise.all([load, kills]);
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { acknowledged: number; failed: number; rejected: number };
    assert.equal(summary.failed, 0, `loadgen gave up on requests: ${JSON.stringify(summary)}`);
    assert.equal(summary.acknowledged, spanCount, 'every span of the fixture was acknowledged');

    // Every acknowledged span, through either query node (the ingester catches up from Kafka).
    const missingVia = async (queryUrl: string): Promise<string[]> => {
      const missingTraces: string[] = [];
      for (const [traceId, ids] of expected) {
        const got = await spanIdsVia(queryUrl, traceId);
        if (got === undefined || got.length < ids.length || !ids.every((id) => got.includes(id))) missingTraces.push(traceId);
      }
      return missingTraces;
    };
    let lastMissing: string[] = [];
    await waitUntil(
      async () => (lastMissing = await missingVia(queryA.queryUrl)).length === 0,
      180_000,
      () => `${lastMissing.length} of ${expected.size} traces incomplete through query node A, e.g. ${lastMissing.slice(0, 3).join(', ')}`,
    );
    assert.deepStrictEqual(await missingVia(queryB.queryUrl), [], 'query node B reads the same');

    // The UI through either query node: its page, and the same answer to its first API call.
    const servicesVia = async (queryUrl: string): Promise<unknown> => {
      const page = await fetch(`${queryUrl}/search`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(page.status, 200, `${queryUrl} serves the UI page`);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      await page.arrayBuffer();
      const response = await fetch(`${queryUrl}/api/v1/services`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(response.status, 200);
      return ((await response.json()) as { services: string[] }).services.sort();
    };
    const services = await servicesVia(queryA.queryUrl);
    assert.ok(Array.isArray(services) && services.length > 0, 'the services of the traffic are listed');
    assert.deepStrictEqual(await servicesVia(queryB.queryUrl), services, 'query node B lists the same services');

    // No trace on two shards: one replica of each shard, local tables.
    const tracesOf = async (url: string): Promise<Set<string>> => {
      const engine = await ClickHouseEngine.open(url, 'skein');
      try {
        return new Set(
          (await engine.query<{ t: string }>('SELECT DISTINCT trace_id AS t FROM skein.trace_spans_v3_local')).map((r) => r.t),
        );
      } finally {
        await engine.close();
      }
    };
    const [shard1, shard2] = [await tracesOf(node(0)), await tracesOf(node(2))];
    const split = [...shard1].filter((t) => shard2.has(t));
    assert.deepStrictEqual(split, [], 'no trace is split across shards');
    assert.equal(shard1.size + shard2.size, expected.size, 'every trace on exactly one shard');
    console.log(`topology: ${spanCount} spans in ${expected.size} traces, all readable; loadgen ${JSON.stringify(summary)}`);
  },
);
