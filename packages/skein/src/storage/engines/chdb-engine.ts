import { rm } from 'node:fs/promises';
import { Session } from 'chdb';
import { bindSql, quoteIdentifier, quoteString, type SqlParams } from '../sql-binding.js';
import { parseJsonEachRow, type SqlEngine } from '../sql-engine.js';
import { StorageError } from '../trace-store.js';
import { toStorageError } from './engine-errors.js';
import { removeInsertDirectories, writeInsertFile } from './insert-files.js';

/**
 * chDB keeps one engine per process bound to one data directory. Stores opened on the same
 * directory (e.g. one per database in tests) share the session; the last close releases it.
 */
interface SharedSession {
  session: Session;
  refs: number;
}
const sessions = new Map<string, SharedSession>();

/**
 * Engine arguments that cap chDB's memory. `max_server_memory_usage` is server configuration (only
 * an argument at start, not a SET): past it every allocation of every query and merge fails with
 * MEMORY_LIMIT_EXCEEDED, which the writer reports as unavailable (503, retried by senders) instead
 * of the process growing. `max_memory_usage` gives one query at most half, so a big read cannot
 * starve the inserts. Both checked with chDB 26.x (system.server_settings, getSetting).
 */
function memoryArgs(memoryLimitBytes: number | undefined): string[] {
  if (memoryLimitBytes === undefined) return [];
  const bytes = Math.floor(memoryLimitBytes);
  return [`--max_server_memory_usage=${bytes}`, `--max_memory_usage=${Math.floor(bytes / 2)}`];
}

function acquire(dataDir: string, memoryLimitBytes: number | undefined): Session {
  const shared = sessions.get(dataDir);
  if (shared !== undefined) {
    shared.refs++;
    return shared.session;
  }
  if (sessions.size > 0) {
    throw new StorageError('rejected', `chDB already holds data directory ${[...sessions.keys()][0]} in this process; one per process`);
  }
  let session: Session;
  try {
    const connectionArgs = memoryArgs(memoryLimitBytes);
    session = connectionArgs.length > 0 ? new Session(dataDir, { connectionArgs }) : new Session(dataDir);
  } catch (error) {
    throw toStorageError('chdb', `opening ${dataDir}`, error);
  }
  sessions.set(dataDir, { session, refs: 1 });
  return session;
}

async function release(dataDir: string): Promise<void> {
  const shared = sessions.get(dataDir);
  if (shared === undefined) return;
  if (--shared.refs > 0) return;
  sessions.delete(dataDir);
  shared.session.close();
  await removeInsertDirectories();
}

/**
 * How long close() waits for statements still running. Releasing the session under a running
 * statement is what preceded chDB's SIGSEGV at process exit (test/metrics/ui-service-map.test.ts,
 * stop 10: the UI's polling reads were still in chDB while the store closed).
 */
const CLOSE_DRAIN_MILLIS = 10_000;

export class ChdbEngine implements SqlEngine {
  readonly name = 'chdb';
  readonly bulkInsertFormat = 'RowBinary';
  /** chDB locks its data directory for one process ("Another server instance in same directory"). */
  readonly soleWriter = true;
  private closed = false;
  /** Statements in chDB now; close() lets them finish before the session is released. */
  private readonly running = new Set<Promise<unknown>>();

  private constructor(
    private readonly dataDir: string,
    private readonly session: Session,
    readonly version: string,
  ) {}

  /** Opens (or shares) the session on `dataDir` and creates `database` if missing. */
  static async open(dataDir: string, database: string, memoryLimitBytes?: number): Promise<ChdbEngine> {
    // A session already open on dataDir keeps the memory cap it was started with.
    const session = acquire(dataDir, memoryLimitBytes);
    try {
      const rows = parseJsonEachRow<{ v: string }>((await session.queryAsync('SELECT version() AS v', { format: 'JSONEachRow' })).text());
      const engine = new ChdbEngine(dataDir, session, rows[0]?.v ?? 'unknown');
      await engine.command(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`);
      return engine;
    } catch (error) {
      await release(dataDir);
      throw toStorageError('chdb', 'start-up', error);
    }
  }

  async query<T>(sql: string, params: SqlParams = {}): Promise<T[]> {
    return (await this.querySized<T>(sql, params)).rows;
  }

  async querySized<T>(sql: string, params: SqlParams = {}): Promise<{ rows: T[]; textLength: number }> {
    const text = this.bind(sql, params);
    try {
      const result = await this.track(this.session.queryAsync(text, { format: 'JSONEachRow' }));
      const body = result.text();
      return { rows: parseJsonEachRow<T>(body), textLength: body.length };
    } catch (error) {
      throw toStorageError('chdb', 'query', error);
    }
  }

  async queryRowBinary(sql: string, params: SqlParams = {}): Promise<Buffer> {
    const text = this.bind(sql, params);
    try {
      const bytes = (await this.track(this.session.queryAsync(`${text}\nFORMAT RowBinary`, { format: 'RowBinary' }))).bytes();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      throw toStorageError('chdb', 'query', error);
    }
  }

  async command(sql: string, params: SqlParams = {}): Promise<void> {
    const text = this.bind(sql, params);
    try {
      await this.track(this.session.queryAsync(text, { format: 'JSONEachRow' }));
    } catch (error) {
      throw toStorageError('chdb', 'statement', error);
    }
  }

  async insertTabSeparated(table: string, columns: readonly string[], rows: Buffer): Promise<void> {
    this.assertOpen();
    if (rows.length === 0) return;
    try {
      // Raw insert: the engine's native parallel parser reads the bytes, no JS object tree.
      await this.track(this.session.insert({ table, columns, values: rows, format: 'TabSeparated' }));
    } catch (error) {
      throw toStorageError('chdb', `insert into ${table}`, error);
    }
  }

  /**
   * chDB 3.4's raw insert takes text formats only, and its native entry reads the payload as
   * inline query data, which cut binary rows short (a row holding the bytes 0a 0a failed,
   * bench/insert-format-bench.ts). So the rows go through a file of their own (one per insert,
   * in memory where /dev/shm exists) that `INSERT … SELECT … FROM file()` reads; the structure's
   * plain types let the engine convert whole columns to LowCardinality after reading, which
   * measured 0.87-0.93 CPU-s per 100k spans against 1.43 for `FROM INFILE` into the table's types.
   * The file is removed whatever happens; a kill -9 can leave one behind (insert-files.ts sweeps
   * them), never an acknowledged span that depends on it: the writer acknowledges only after this
   * statement returned.
   */
  async insertRowBinary(table: string, columns: readonly string[], structure: string, rows: Buffer): Promise<void> {
    this.assertOpen();
    if (rows.length === 0) return;
    let file: string | undefined;
    try {
      file = await writeInsertFile(rows);
      const sql = `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM file(${quoteString(file)}, 'RowBinary', ${quoteString(structure)})`;
      await this.track(this.session.queryAsync(sql, { format: 'JSONEachRow' }));
    } catch (error) {
      throw toStorageError('chdb', `insert into ${table}`, error);
    } finally {
      if (file !== undefined) await rm(file, { force: true });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((done) => (timer = setTimeout(done, CLOSE_DRAIN_MILLIS)));
      await Promise.race([Promise.allSettled([...this.running]), deadline]);
      clearTimeout(timer);
    }
    await release(this.dataDir);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = (): void => void this.running.delete(work);
    work.then(forget, forget);
    return work;
  }

  private bind(sql: string, params: SqlParams): string {
    this.assertOpen();
    return bindSql(sql, params);
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('unavailable', 'chdb engine is closed');
  }
}
