import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitUntil } from './process-wait.js';

/**
 * A throw-away ClickHouse cluster on loopback for tests: Debian's ZooKeeper (standalone) and
 * `shards × replicas` clickhouse-server processes (Debian's 18.16 here), each with its own temp
 * directory and free ports, configured with the cluster `skein_cluster` (internal_replication),
 * the `{shard}` / `{replica}` macros and distributed DDL. Nodes can be killed and restarted on the
 * same directory and ports; `stop()` ends everything and removes the directories.
 */
export const CLUSTER_NAME = 'skein_cluster';

const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const USERS_XML = '/etc/clickhouse-server/users.xml';

export function clusterPrerequisites(binary: string | undefined): string | undefined {
  if (binary === undefined) return 'clickhouse-server is not installed';
  if (!existsSync(ZOOKEEPER_JAR)) return `Debian's zookeeper is not installed (${ZOOKEEPER_JAR})`;
  if (!existsSync('/usr/bin/java')) return 'java is not installed';
  return undefined;
}

/** A child process that can be killed and started again with the same arguments. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly killOnExit = (): void => void this.child?.kill('SIGKILL');

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly logFile: string,
  ) {}

  start(): void {
    if (this.running) throw new Error(`${this.name} is running`);
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'ignore', 'ignore'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    process.once('exit', this.killOnExit);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGKILL (a crash), or SIGTERM then SIGKILL after 5 s; resolves once it exited. */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    process.removeListener('exit', this.killOnExit);
    if (!this.running) return;
    this.child?.kill(signal);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  /** The last exception's message line (a server's stack trace alone fills any tail), then the tail. */
  logTail(): string {
    if (!existsSync(this.logFile)) return '(no log)';
    const text = readFileSync(this.logFile, 'utf8');
    const lines = text.split('\n');
    let message = '';
    for (let i = lines.length - 1; i >= 0 && message === ''; i--)
      if (/Exception|<Error>/.test(lines[i]!)) message = lines[i]!.slice(0, 1000);
    return `${message}\n…\n${text.slice(-1200)}`;
  }
}

export interface ClusterNode {
  readonly shard: number;
  readonly replica: number;
  readonly url: string;
  readonly process: ManagedProcess;
  /** Starts the node again on its directory and ports; resolves when it answers. */
  restart(): Promise<void>;
}

export interface ClickHouseCluster {
  readonly nodes: readonly ClusterNode[];
  readonly zookeeper: ManagedProcess;
  stop(): Promise<void>;
}

function nodeConfig(options: {
  dir: string;
  http: number;
  tcp: number;
  interserver: number;
  zookeeperPort: number;
  shard: number;
  replica: number;
  shards: readonly (readonly number[])[];
}): string {
  const shards = options.shards
    .map(
      (ports) =>
        `<shard><internal_replication>true</internal_replication>${ports
          .map((port) => `<replica><host>127.0.0.1</host><port>${port}</port></replica>`)
          .join('')}</shard>`,
    )
    .join('');
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${options.dir}/log</log><errorlog>${options.dir}/err</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${options.http}</http_port>
  <tcp_port>${options.tcp}</tcp_port>
  <interserver_http_port>${options.interserver}</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <listen_host>127.0.0.1</listen_host>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mark_cache_size>67108864</mark_cache_size>
  <path>${options.dir}/</path>
  <tmp_path>${options.dir}/tmp/</tmp_path>
  <user_files_path>${options.dir}/user_files/</user_files_path>
  <format_schema_path>${options.dir}/format_schemas/</format_schema_path>
  <users_config>${USERS_XML}</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <remote_servers><${CLUSTER_NAME}>${shards}</${CLUSTER_NAME}></remote_servers>
  <zookeeper><node><host>127.0.0.1</host><port>${options.zookeeperPort}</port></node><session_timeout_ms>6000</session_timeout_ms></zookeeper>
  <macros><shard>${String(options.shard).padStart(2, '0')}</shard><replica>s${options.shard}r${options.replica}</replica></macros>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
  <!-- A replica killed during an insert finds that part on disk but not in ZooKeeper; on a tiny
       table (resources_v3: 25 rows) one such part is over the default 0.5 ratio and 18.16 refuses
       to start ("14.00 rows of 25.00 total rows in filesystem are suspicious", CI 2026-12-05).
       The part was never acknowledged (insert_quorum), so detaching it loses nothing. -->
  <merge_tree><replicated_max_ratio_of_wrong_parts>1</replicated_max_ratio_of_wrong_parts></merge_tree>
</yandex>
`;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/?query=SELECT%201`, { signal: AbortSignal.timeout(2000) });
    return response.ok && (await response.text()).trim() === '1';
  } catch {
    return false;
  }
}

async function zookeeperAnswers(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('srvr'));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => done(text.includes('Zookeeper version')));
  });
}

/** Starts ZooKeeper and the cluster's nodes; every node answers before this resolves. */
export async function startClickHouseCluster(binary: string, shards = 2, replicas = 2, timeoutMs = 60_000): Promise<ClickHouseCluster> {
  const root = mkdtempSync(join(tmpdir(), 'skein-ch-cluster-'));
  const zookeeperPort = await freePort();
  mkdirSync(join(root, 'zookeeper'));
  writeFileSync(
    join(root, 'zookeeper', 'zoo.cfg'),
    `tickTime=500\ndataDir=${join(root, 'zookeeper')}\nclientPort=${zookeeperPort}\n4lw.commands.whitelist=srvr,ruok\nadmin.enableServer=false\n`,
  );
  const zookeeper = new ManagedProcess(
    'zookeeper',
    '/usr/bin/java',
    ['-Xmx128m', '-Xss512k', '-cp', ZOOKEEPER_JAR, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(root, 'zookeeper', 'zoo.cfg')],
    join(root, 'zookeeper', 'log'),
  );
  const nodes: ClusterNode[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.process.kill('SIGKILL')));
    await zookeeper.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  };
  try {
    zookeeper.start();
    await waitUntil(
      () => zookeeperAnswers(zookeeperPort),
      timeoutMs,
      () => `zookeeper did not answer on ${zookeeperPort}`,
    );
    const ports = [];
    for (let s = 0; s < shards; s++) {
      const row = [];
      for (let r = 0; r < replicas; r++) row.push({ http: await freePort(), tcp: await freePort(), interserver: await freePort() });
      ports.push(row);
    }
    const tcpByShard = ports.map((row) => row.map((p) => p.tcp));
    for (let s = 0; s < shards; s++) {
      for (let r = 0; r < replicas; r++) {
        const p = ports[s]![r]!;
        const dir = join(root, `s${s + 1}r${r + 1}`);
        mkdirSync(join(dir, 'tmp'), { recursive: true });
        const configFile = join(dir, 'config.xml');
        writeFileSync(configFile, nodeConfig({ dir, ...p, zookeeperPort, shard: s + 1, replica: r + 1, shards: tcpByShard }));
        const process = new ManagedProcess(`clickhouse s${s + 1}r${r + 1}`, binary, [`--config-file=${configFile}`], join(dir, 'err'));
        const url = `http://127.0.0.1:${p.http}`;
        const node: ClusterNode = {
          shard: s + 1,
          replica: r + 1,
          url,
          process,
          async restart() {
            process.start();
            await waitUntil(
              () => answers(url),
              timeoutMs,
              () => `${process.name} did not answer at ${url}:\n${process.logTail()}`,
            );
          },
        };
        nodes.push(node);
        process.start();
      }
    }
    for (const node of nodes) {
      await waitUntil(
        () => answers(node.url),
        timeoutMs,
        () => `${node.process.name} did not answer at ${node.url}:\n${node.process.logTail()}`,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, zookeeper, stop };
}
