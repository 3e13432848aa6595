import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
} from '@opentelemetry/semantic-conventions';
import initSqlJs from 'sql.js';
import type { BindParams, Database, SqlValue } from 'sql.js';
import { sleep } from './http-kit.js';
import { sanitizeSql, sqlCollectionName, sqlOperationName } from './sql-sanitizer.js';

/** `db.system.name` for SQLite (a value of the conventions' registry not yet in the stable constants). */
const DB_SYSTEM_SQLITE = 'sqlite';
/** Development-status attribute of the DB conventions: rows a query returned. */
const ATTR_DB_RESPONSE_RETURNED_ROWS = 'db.response.returned_rows';

const tracer = trace.getTracer('@skein/demo/sqlite');

export type Row = Record<string, SqlValue>;

export interface QueryOptions {
  /**
   * Milliseconds the statement takes at least, counted inside its span. The demo's tables are
   * small, so a plan that would take seconds on a production-size table (a full scan after an
   * index is lost) is stretched to that cost here; see the `slowGeoMs` fault.
   */
  atLeastMs?: number;
}

let sqlJs: ReturnType<typeof initSqlJs> | undefined;

/**
 * An SQLite database (sql.js: SQLite compiled to WebAssembly, in memory) whose statements are
 * traced as CLIENT spans after the OpenTelemetry database conventions. There is no official
 * OpenTelemetry instrumentation for sql.js, so the spans are made here: name
 * `{db.operation.name} {db.collection.name}`, `db.system.name`, `db.namespace`, sanitised
 * `db.query.text`, and status ERROR with `error.type` when a statement fails.
 */
export class TracedSqlDatabase {
  private constructor(
    private readonly database: Database,
    /** `db.namespace`: the database's name. */
    readonly namespace: string,
  ) {}

  static async open(namespace: string): Promise<TracedSqlDatabase> {
    sqlJs ??= initSqlJs();
    const SQL = await sqlJs;
    return new TracedSqlDatabase(new SQL.Database(), namespace);
  }

  /** Schema and seed data at start-up: not traced (no request is waiting on it). */
  setUp(script: string, seed?: (insert: (sql: string, params: BindParams) => void) => void): void {
    this.database.exec(script);
    if (seed === undefined) return;
    this.database.exec('BEGIN');
    seed((sql, params) => this.database.run(sql, params));
    this.database.exec('COMMIT');
  }

  /** Runs a SELECT and returns its rows as objects. */
  async query(sql: string, params: BindParams = [], options: QueryOptions = {}): Promise<Row[]> {
    return this.traced(sql, options, (span) => {
      const statement = this.database.prepare(sql);
      try {
        statement.bind(params);
        const rows: Row[] = [];
        while (statement.step()) rows.push(statement.getAsObject());
        span.setAttribute(ATTR_DB_RESPONSE_RETURNED_ROWS, rows.length);
        return rows;
      } finally {
        statement.free();
      }
    });
  }

  /** Runs an INSERT/UPDATE/DELETE and returns how many rows it changed. */
  async execute(sql: string, params: BindParams = [], options: QueryOptions = {}): Promise<number> {
    return this.traced(sql, options, () => {
      this.database.run(sql, params);
      return this.database.getRowsModified();
    });
  }

  private async traced<T>(sql: string, options: QueryOptions, run: (span: Span) => T): Promise<T> {
    const operation = sqlOperationName(sql);
    const collection = sqlCollectionName(sql);
    const name = [operation, collection].filter((part) => part !== undefined).join(' ') || DB_SYSTEM_SQLITE;
    return tracer.startActiveSpan(
      name,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_SQLITE,
          [ATTR_DB_NAMESPACE]: this.namespace,
          [ATTR_DB_QUERY_TEXT]: sanitizeSql(sql),
          ...(operation === undefined ? {} : { [ATTR_DB_OPERATION_NAME]: operation }),
          ...(collection === undefined ? {} : { [ATTR_DB_COLLECTION_NAME]: collection }),
        },
      },
      async (span) => {
        const started = performance.now();
        try {
          const result = run(span);
          const remaining = (options.atLeastMs ?? 0) - (performance.now() - started);
          if (remaining > 0) await sleep(remaining);
          return result;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
          span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : 'Error');
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }
}
