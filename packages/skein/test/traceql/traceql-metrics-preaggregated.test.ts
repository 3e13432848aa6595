import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openTraceStore } from '../../src/storage/open-trace-store.js';
import { findClickHouseServer, startClickHouseServer, type ClickHouseServer } from '../support/clickhouse-server.js';
import { runPreaggregatedMetricsContract } from './metrics-preaggregated-contract.js';

// TraceQL metrics from the span metrics against raw spans, on both engines.
describe('chdb', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'skein-preagg-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  runPreaggregatedMetricsContract('chdb', () => openTraceStore({ engine: 'chdb', dataDir, database: `preagg_${process.pid}` }));
});

const binary = findClickHouseServer();
describe('clickhouse-server', () => {
  if (binary === undefined) {
    const message = 'clickhouse-server is not installed (apt-get install clickhouse-server, or set SKEIN_CLICKHOUSE_SERVER)';
    if (process.env['CI'] === 'true') test('clickhouse-server is available in CI', () => assert.fail(message));
    else test('TraceQL metrics on ClickHouse server', { skip: message }, () => {});
    return;
  }
  let server: ClickHouseServer | undefined;
  after(async () => {
    await server?.stop();
  });
  runPreaggregatedMetricsContract('clickhouse-server', async () => {
    server = await startClickHouseServer(binary);
    return openTraceStore({ engine: 'clickhouse', url: server.url, database: `preagg_${process.pid}` });
  });
});
