import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openTraceStore } from '../../src/storage/open-trace-store.js';
import { findClickHouseServer, startClickHouseServer, type ClickHouseServer } from '../support/clickhouse-server.js';
import { runTraceQLSearchContract } from './traceql-search-contract.js';

const binary = findClickHouseServer();

if (binary === undefined) {
  const message = 'clickhouse-server is not installed (apt-get install clickhouse-server, or set SKEIN_CLICKHOUSE_SERVER)';
  if (process.env['CI'] === 'true') test('clickhouse-server is available in CI', () => assert.fail(message));
  else test('TraceQL on ClickHouse server', { skip: message }, () => {});
} else {
  let server: ClickHouseServer | undefined;
  after(async () => {
    await server?.stop();
  });
  // Started by the contract's own before hook (top-level hooks of one file may run in any order).
  runTraceQLSearchContract('clickhouse-server', async () => {
    server = await startClickHouseServer(binary);
    return openTraceStore({ engine: 'clickhouse', url: server.url, database: `traceql_${process.pid}` });
  });
}
