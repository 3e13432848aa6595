/**
 * How readTrace sizes its pages, which the engine contract tests cannot reach (it takes spans of
 * hundreds of MB): a fake engine serves one trace in (start, span ID) order, reports result text
 * sizes as told, and fails like V8 does when a page's text would pass the string cap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClickHouseTraceStore } from '../../src/storage/clickhouse-trace-store.js';
import type { SqlParams } from '../../src/storage/sql-binding.js';
import type { SqlEngine } from '../../src/storage/sql-engine.js';
import type { SpanRow } from '../../src/storage/stored-span-rows.js';
import { StorageError } from '../../src/storage/trace-store.js';
import { DEFAULT_TENANT } from '../../src/model/tenant.js';

const TRACE_ID = '0000000000000000000000000000abcd';
const V8_MAX_STRING_LENGTH = 0x1fffffe8;

function row(i: number): SpanRow {
  return {
    trace_id: TRACE_ID,
    span_id: (i + 1).toString(16).padStart(16, '0'),
    parent_span_id: '',
    trace_state: '',
    flags: 1,
    name: `span ${i}`,
    kind: 1,
    start_text: (1_700_000_000_000_000_000n + BigInt(i)).toString(),
    duration_text: '1000',
    status_code: 0,
    status_message: '',
    attr_keys: [],
    attr_types: '',
    attr_values: [],
    dropped_attributes_count: 0,
    events: '',
    dropped_events_count: 0,
    links: '',
    dropped_links_count: 0,
    resource_hash: 'r',
    scope_hash: 's',
  };
}

/** `rows` spans whose JSON text is `charsPerRow` each; records every page's requested limit. */
function fakeEngine(rows: number, charsPerRow: number): { engine: SqlEngine; limits: number[] } {
  const all = Array.from({ length: rows }, (_, i) => row(i));
  const limits: number[] = [];
  const engine: SqlEngine = {
    name: 'fake',
    version: '0',
    bulkInsertFormat: 'TabSeparated',
    async query<T>(sql: string): Promise<T[]> {
      if (sql.includes('.resources')) {
        return [{ resource_hash: 'r', attr_keys: [], attr_types: '', attr_values: [], dropped_attributes_count: 0, schema_url: '' }] as T[];
      }
      if (sql.includes('.scopes')) {
        return [
          {
            scope_hash: 's',
            name: 'x',
            version: '',
            attr_keys: [],
            attr_types: '',
            attr_values: [],
            dropped_attributes_count: 0,
            schema_url: '',
          },
        ] as T[];
      }
      throw new Error(`unexpected query ${sql}`);
    },
    async queryRowBinary(): Promise<Buffer> {
      throw new Error('unexpected binary query');
    },
    async querySized<T>(_sql: string, params: SqlParams = {}): Promise<{ rows: T[]; textLength: number }> {
      const limit = params['limit'] as number;
      limits.push(limit);
      const afterStart = params['afterStart'] as bigint | undefined;
      const from = afterStart === undefined ? 0 : all.findIndex((r) => BigInt(r.start_text) > afterStart);
      const page = from < 0 ? [] : all.slice(from, from + limit);
      const textLength = page.length * charsPerRow;
      if (textLength > V8_MAX_STRING_LENGTH)
        throw new StorageError('unavailable', 'chdb query failed: Cannot create a string longer than 0x1fffffe8 characters');
      return { rows: page as T[], textLength };
    },
    async command(): Promise<void> {},
    async insertTabSeparated(): Promise<void> {},
    async insertRowBinary(): Promise<void> {},
    async close(): Promise<void> {},
  };
  return { engine, limits };
}

async function pagesOf(store: ClickHouseTraceStore, pageSpans: number): Promise<number[]> {
  const sizes: number[] = [];
  let next = 0;
  for await (const page of store.forTenant(DEFAULT_TENANT).readTrace(TRACE_ID, { pageSpans })) {
    for (const span of page) assert.equal(span.name, `span ${next++}`);
    sizes.push(page.length);
  }
  return sizes;
}

test('pages of small spans hold pageSpans spans', async () => {
  const { engine, limits } = fakeEngine(25, 500);
  assert.deepEqual(await pagesOf(new ClickHouseTraceStore(engine, 'skein'), 10), [10, 10, 5]);
  assert.deepEqual(limits, [10, 10, 10]);
});

test('pages of large spans shrink to ~64 MiB of result text, and a first page past the string cap is read in halves', async () => {
  // 10 kB per span: the first page of 60,000 would be 600 MB of text, past V8's cap.
  const { engine, limits } = fakeEngine(60_000, 10_000);
  const sizes = await pagesOf(new ClickHouseTraceStore(engine, 'skein'), 100_000);
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    60_000,
  );
  assert.deepEqual(limits.slice(0, 2), [100_000, 50_000], 'the overflowing first page is read again with half the spans');
  for (const limit of limits.slice(2)) assert.equal(limit, Math.floor((64 * 1024 * 1024) / 10_000), 'then sized by measured bytes');
});
