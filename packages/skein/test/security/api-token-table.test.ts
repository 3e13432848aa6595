import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseTenantId } from '../../src/model/tenant.js';
import { openTraceStore } from '../../src/storage/open-trace-store.js';
import type { TraceStore } from '../../src/storage/trace-store.js';
import { findClickHouseServer, startClickHouseServer, type ClickHouseServer } from '../support/clickhouse-server.js';

/**
 * The admin API's token table (api_tokens_v8) on clickhouse-server 18.16, the oldest engine Skein
 * supports: create, list per tenant, revoke by a newer row version, and the live set the
 * authenticator reads. (chDB runs the same statements in listener-security.test.ts.)
 */

const binary = findClickHouseServer();
let server: ClickHouseServer | undefined;
let store: TraceStore | undefined;

before(async () => {
  if (binary === undefined) return;
  server = await startClickHouseServer(binary);
  store = await openTraceStore({ engine: 'clickhouse', url: server.url, database: `tokens_${process.pid}` });
});

after(async () => {
  try {
    await store?.close();
  } finally {
    await server?.stop();
  }
});

const skip = binary === undefined && process.env['CI'] !== 'true' ? 'clickhouse-server is not installed' : false;

test('api tokens on clickhouse-server: create, list per tenant, revoke', { skip }, async () => {
  assert.ok(store, 'clickhouse-server is available (CI installs it)');
  const tokens = store.apiTokens();
  const [teamA, teamB] = [parseTenantId('team-a'), parseTenantId('team-b')];
  const createdAt = '2026-12-05T04:00:00.000Z';
  await tokens.create({ tenant: teamA, name: 'ci', tokenSha256: 'a'.repeat(64), roles: ['ingest'], createdAt });
  await tokens.create({ tenant: teamB, name: 'ci', tokenSha256: 'b'.repeat(64), roles: ['ingest', 'read'], createdAt });
  assert.deepEqual(await tokens.listFor(teamA), [{ tenant: teamA, name: 'ci', tokenSha256: 'a'.repeat(64), roles: ['ingest'], createdAt }]);
  assert.equal((await tokens.live()).length, 2);
  assert.equal(await tokens.revoke(teamA, 'nope'), false);
  assert.equal(await tokens.revoke(teamA, 'ci'), true);
  assert.deepEqual(await tokens.listFor(teamA), []);
  assert.deepEqual(
    (await tokens.live()).map((token) => `${token.tenant}/${token.name}`),
    ['team-b/ci'],
  );
});
