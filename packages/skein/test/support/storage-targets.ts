import { findClickHouseServer, startClickHouseServer, type ClickHouseServer } from './clickhouse-server.js';

/**
 * The storage engines an end-to-end suite runs against: embedded chDB always, and a real
 * clickhouse-server when installed. CI installs it, so there a missing binary fails instead of skipping.
 */
export interface StorageTarget {
  name: string;
  /** A skip reason, or false. */
  skip: string | false;
  /** Starts what the engine needs and returns the extra `skein` arguments that select it. */
  start(): Promise<{ args: string[] }>;
  stop(): Promise<void>;
}

let databaseCounter = 0;

export function storageTargets(): StorageTarget[] {
  const binary = findClickHouseServer();
  let server: ClickHouseServer | undefined;
  const missing = 'clickhouse-server is not installed (apt-get install clickhouse-server); skipping the ClickHouse-server run';
  return [
    { name: 'chdb', skip: false, start: async () => ({ args: [] }), stop: async () => undefined },
    {
      name: 'clickhouse-server',
      skip: binary === undefined && process.env['CI'] !== 'true' ? missing : false,
      start: async () => {
        if (binary === undefined) throw new Error(missing);
        server = await startClickHouseServer(binary);
        const host = server.url.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
        return { args: ['--storage', `clickhouse://${host}/e2e_${process.pid}_${++databaseCounter}`] };
      },
      stop: async () => {
        await server?.stop();
      },
    },
  ];
}
