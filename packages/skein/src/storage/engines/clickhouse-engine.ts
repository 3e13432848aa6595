import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { bindSql, quoteIdentifier, type SqlParams } from '../sql-binding.js';
import { parseJsonEachRow, type InsertFormat, type SqlEngine } from '../sql-engine.js';
import { StorageError } from '../trace-store.js';
import { toStorageError } from './engine-errors.js';

export interface ClickHouseTarget {
  /** `http(s)://host:port`, without credentials or path. */
  baseUrl: string;
  username: string;
  password: string;
  database: string;
}

/**
 * Accepts `http(s)://user:pass@host:8123/?database=skein`, `http://host:8123/skein` and
 * `clickhouse://host:8123/skein` (read as plain HTTP). An explicit `database` option wins.
 */
/** TLS to an https:// ClickHouse server: its CA, and a client certificate when it asks for one. */
export interface ClickHouseTls {
  readonly caCert: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export function parseClickHouseUrl(url: string, database?: string): ClickHouseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new StorageError('rejected', `invalid ClickHouse URL ${JSON.stringify(url)}`, { cause: error });
  }
  const protocol = parsed.protocol === 'clickhouse:' ? 'http:' : parsed.protocol;
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new StorageError('rejected', `ClickHouse URL must be http://, https:// or clickhouse:// (got ${parsed.protocol})`);
  }
  const port = parsed.port === '' ? (protocol === 'https:' ? '8443' : '8123') : parsed.port;
  const fromPath = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, ''));
  const db = database ?? (parsed.searchParams.get('database') || fromPath || 'skein');
  quoteIdentifier(db);
  return {
    baseUrl: `${protocol}//${parsed.hostname}:${port}`,
    username: decodeURIComponent(parsed.username) || 'default',
    password: decodeURIComponent(parsed.password),
    database: db,
  };
}

/**
 * A session against one node of a cluster: the cluster's name (for `CREATE DATABASE … ON
 * CLUSTER`) and the settings sent with every statement (URL parameters, which every server
 * version reads): see clusterSettings in open-trace-store.ts.
 */
export interface ClickHouseClusterSession {
  readonly name: string;
  readonly settings: Readonly<Record<string, string | number>>;
}

/**
 * ClickHouse server over HTTP with `@clickhouse/client`. Chosen client settings are those every
 * server version knows: no query parameters (SQL arrives bound), no `clickhouse_settings`, the
 * `database` parameter only once the database exists. Raw inserts go through `exec` with the body
 * as a byte stream, because `insert` would JSON-encode a Buffer as an object.
 */
export class ClickHouseEngine implements SqlEngine {
  readonly name = 'clickhouse';
  readonly bulkInsertFormat = 'TabSeparated';
  private closed = false;

  private constructor(
    private readonly client: ClickHouseClient,
    readonly version: string,
  ) {}

  static async open(url: string, database?: string, tls?: ClickHouseTls, cluster?: ClickHouseClusterSession): Promise<ClickHouseEngine> {
    const target = parseClickHouseUrl(url, database);
    const base = {
      ...(cluster && { clickhouse_settings: cluster.settings }),
      url: target.baseUrl,
      username: target.username,
      password: target.password,
      log: { level: ClickHouseLogLevel.OFF },
      // An https:// URL verifies the server against the system CAs unless a CA is given here.
      ...(tls && {
        tls: tls.cert && tls.key ? { ca_cert: tls.caCert, cert: tls.cert, key: tls.key } : { ca_cert: tls.caCert },
      }),
    };
    // The database must exist before a client may name it as its default.
    const bootstrap = createClient(base);
    try {
      const onCluster = cluster === undefined ? '' : ` ON CLUSTER ${quoteIdentifier(cluster.name)}`;
      await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(target.database)}${onCluster}` });
    } catch (error) {
      throw toStorageError('clickhouse', `connecting to ${target.baseUrl}`, error);
    } finally {
      await bootstrap.close();
    }
    const client = createClient({ ...base, database: target.database });
    const engine = new ClickHouseEngine(client, 'unknown');
    try {
      const rows = await engine.query<{ v: string }>('SELECT version() AS v');
      return new ClickHouseEngine(client, rows[0]?.v ?? 'unknown');
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  async query<T>(sql: string, params: SqlParams = {}): Promise<T[]> {
    return (await this.querySized<T>(sql, params)).rows;
  }

  async querySized<T>(sql: string, params: SqlParams = {}): Promise<{ rows: T[]; textLength: number }> {
    const text = this.bind(sql, params);
    try {
      const result = await this.client.query({ query: text, format: 'JSONEachRow' });
      const body = await result.text();
      return { rows: parseJsonEachRow<T>(body), textLength: body.length };
    } catch (error) {
      throw toStorageError('clickhouse', 'query', error);
    }
  }

  async queryRowBinary(sql: string, params: SqlParams = {}): Promise<Buffer> {
    const text = this.bind(sql, params);
    try {
      const result = await this.client.exec({ query: `${text}\nFORMAT RowBinary` });
      const parts: Buffer[] = [];
      for await (const chunk of result.stream) parts.push(chunk as Buffer);
      return Buffer.concat(parts);
    } catch (error) {
      throw toStorageError('clickhouse', 'query', error);
    }
  }

  async command(sql: string, params: SqlParams = {}): Promise<void> {
    const text = this.bind(sql, params);
    try {
      await this.client.command({ query: text });
    } catch (error) {
      throw toStorageError('clickhouse', 'statement', error);
    }
  }

  async insertTabSeparated(table: string, columns: readonly string[], rows: Buffer): Promise<void> {
    await this.insertFormatted(table, columns, 'TabSeparated', rows);
  }

  /**
   * The server reads RowBinary by the table's own column types (`structure` is for engines that
   * read through a table function). Not the writer's choice here (`bulkInsertFormat`): over HTTP
   * the text's extra bytes cost little, and no run measured RowBinary against a server yet.
   */
  async insertRowBinary(table: string, columns: readonly string[], _structure: string, rows: Buffer): Promise<void> {
    await this.insertFormatted(table, columns, 'RowBinary', rows);
  }

  private async insertFormatted(table: string, columns: readonly string[], format: InsertFormat, rows: Buffer): Promise<void> {
    this.assertOpen();
    if (rows.length === 0) return;
    try {
      const result = await this.client.exec({
        query: `INSERT INTO ${table} (${columns.join(', ')}) FORMAT ${format}`,
        values: Readable.from([rows], { objectMode: false }),
      });
      // The answer arrives once the server has written the parts; drain it to free the socket.
      for await (const _chunk of result.stream) {
        // nothing to read
      }
    } catch (error) {
      throw toStorageError('clickhouse', `insert into ${table}`, error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }

  private bind(sql: string, params: SqlParams): string {
    this.assertOpen();
    return bindSql(sql, params);
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('unavailable', 'clickhouse engine is closed');
  }
}
