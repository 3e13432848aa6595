import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ManagedProcess } from './clickhouse-cluster.js';
import { freePort, waitUntil } from './process-wait.js';

/**
 * One Apache Kafka broker in KRaft mode (broker and controller in one process) for tests, run from
 * the broker jars on Maven Central (`.ci/fetch-kafka.sh` fetches and caches them) with the
 * machine's Java 17: its own temp directory, free loopback ports, restartable on the same data.
 */
export interface KafkaBroker {
  readonly bootstrap: string;
  readonly process: ManagedProcess;
  /** The broker's log directory (one folder per topic partition). */
  readonly dataDir: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const FETCH_SCRIPT = resolve(import.meta.dirname, '../../../../.ci/fetch-kafka.sh');

/** The directory of the broker jars, fetched when missing; undefined (with why) when that fails. */
export function kafkaJars(): { dir?: string; problem?: string } {
  if (!existsSync('/usr/bin/java')) return { problem: 'java is not installed' };
  try {
    const dir = execFileSync('bash', [FETCH_SCRIPT], { encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    return { dir };
  } catch (error) {
    return { problem: `fetching the Kafka broker jars failed: ${(error as Error).message.slice(0, 300)}` };
  }
}

async function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000, () => (socket.destroy(), done(false)));
    socket.on('error', () => done(false));
    socket.on('connect', () => (socket.destroy(), done(true)));
  });
}

export interface KafkaBrokerOptions {
  /**
   * fsync every message (the default, for tests that kill -9 the broker). Benchmarks of clients
   * turn it off, as a replicated production broker runs, so the disk does not set the pace.
   */
  flushEachMessage?: boolean;
}

export async function startKafkaBroker(
  jarDir: string,
  partitions = 4,
  timeoutMs = 90_000,
  { flushEachMessage = true }: KafkaBrokerOptions = {},
): Promise<KafkaBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'skein-kafka-'));
  const [port, controller] = [await freePort(), await freePort()];
  const properties = join(dir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controller}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      `num.partitions=${partitions}`,
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=4',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      // A single broker: every acknowledged write is on its disk once flushed; flush each message
      // so a kill -9 of the broker loses nothing it acknowledged (production relies on replicas).
      ...(flushEachMessage ? ['log.flush.interval.messages=1'] : []),
      '',
    ].join('\n'),
  );
  mkdirSync(join(dir, 'data'));
  const classpath = `${jarDir}/*`;
  execFileSync('/usr/bin/java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', 'MkU3OEVBNTcwNTJENDM2Qg', '-c', properties], {
    stdio: 'ignore',
    timeout: 60_000,
  });
  const process = new ManagedProcess(
    'kafka',
    '/usr/bin/java',
    ['-Xmx384m', '-Xms128m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', classpath, 'kafka.Kafka', properties],
    join(dir, 'log'),
  );
  const ready = (): Promise<void> =>
    waitUntil(
      () => answers(port),
      timeoutMs,
      () => `kafka did not listen on ${port}`,
    );
  process.start();
  try {
    await ready();
  } catch (error) {
    await process.kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    bootstrap: `127.0.0.1:${port}`,
    process,
    dataDir: join(dir, 'data'),
    async restart() {
      process.start();
      await ready();
    },
    async stop() {
      await process.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
