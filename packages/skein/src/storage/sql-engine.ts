import type { SqlParams } from './sql-binding.js';

/** Formats of bulk insert bodies: TabSeparated text every engine reads, and RowBinary. */
export type InsertFormat = 'TabSeparated' | 'RowBinary';

/**
 * The one thing the storage layer needs from a ClickHouse engine. Both engines receive the same
 * SQL text, bound client-side by `bindSql`, so a statement tested on one runs on the other.
 * Every method rejects with a `StorageError`: 'unavailable' when the engine cannot be reached or
 * is overloaded (retry may help), 'rejected' when it refused the statement or the data.
 */
export interface SqlEngine {
  /** Engine name, e.g. `chdb` or `clickhouse`. */
  readonly name: string;
  /** `SELECT version()` as reported by the engine, e.g. `26.7.2.1`, `18.16.1`. */
  readonly version: string;
  /**
   * True when every write to the engine's data comes through this process (chDB: one process
   * holds its data directory). Reads may then cache what only a write can change, exactly
   * (resource-sets.ts).
   */
  readonly soleWriter?: boolean;
  /** Runs a SELECT and returns its rows as parsed JSONEachRow objects. */
  query<T>(sql: string, params?: SqlParams): Promise<T[]>;
  /**
   * {@link SqlEngine.query}, also reporting the length of the result text the rows were parsed
   * from: paged reads size their next page by it, because every engine hands a result to JS as
   * one string, which V8 caps at 2^29 − 24 characters.
   */
  querySized<T>(sql: string, params?: SqlParams): Promise<{ rows: T[]; textLength: number }>;
  /**
   * Runs a SELECT and returns its result in ClickHouse's `RowBinary` format (the engine appends
   * the FORMAT clause): for big results of numbers, where formatting and parsing JSON text cost
   * more than the query (a 1M-span trace outline: ~1.5 CPU-s of JSON against ~0.1 s of binary).
   */
  queryRowBinary(sql: string, params?: SqlParams): Promise<Buffer>;
  /** Runs a statement that returns nothing (DDL, INSERT ... SELECT, ALTER). */
  command(sql: string, params?: SqlParams): Promise<void>;
  /**
   * Inserts TabSeparated rows (fields in `columns` order, see tsv-text.ts); resolves once the
   * engine has stored them. `table` is `db.table`, both validated identifiers.
   */
  insertTabSeparated(table: string, columns: readonly string[], rows: Buffer): Promise<void>;
  /**
   * The format the writer builds the spans table's rows in for this engine (span-rows.ts):
   * `RowBinary` where the engine stores it for clearly less CPU than TabSeparated (embedded chDB:
   * build and insert 1.3-1.5 against 3.1-3.4 CPU-s per 100k loadgen spans,
   * bench/insert-format-bench.ts), else `TabSeparated`.
   */
  readonly bulkInsertFormat: InsertFormat;
  /**
   * Inserts RowBinary rows: values in `columns` order, each encoded as its type in `structure`
   * says (`name Type, …`, the same columns; plain types such as String where the table has
   * LowCardinality(String): the engine converts). Resolves once the engine has stored them.
   */
  insertRowBinary(table: string, columns: readonly string[], structure: string, rows: Buffer): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Parses a JSONEachRow body; an empty body is no rows. */
export function parseJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) rows.push(JSON.parse(text.slice(start, end)) as T);
    start = end + 1;
  }
  return rows;
}

/** True when an engine failed because a result did not fit in one JS string (V8's length cap). */
export function isStringLimitError(error: unknown): boolean {
  return error instanceof Error && /string longer than|Invalid string length/i.test(error.message);
}
