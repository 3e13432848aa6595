import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ChdbEngine } from '../../src/storage/engines/chdb-engine.js';
import { openTraceStore } from '../../src/storage/open-trace-store.js';
import { StorageError } from '../../src/storage/trace-store.js';
import { runAlertStoreContract } from './alert-store-contract.js';
import { runLogsStoreContract } from './logs-store-contract.js';
import { runMetricsStoreContract } from './metrics-store-contract.js';
import { runTenantIsolationContract } from './tenant-isolation-contract.js';
import { runTraceStoreContract } from './trace-store-contract.js';

// chDB holds one data directory per process; each test gets its own database in it.
const dataDir = mkdtempSync(join(tmpdir(), 'skein-chdb-'));
let counter = 0;
const uniqueDatabase = (): string => `contract_${process.pid}_${++counter}`;
after(() => rmSync(dataDir, { recursive: true, force: true }));

const environment = {
  newDatabase: uniqueDatabase,
  openStore: (database: string) => openTraceStore({ engine: 'chdb', dataDir, database }),
  openEngine: (database: string) => ChdbEngine.open(dataDir, database),
};
runTraceStoreContract('chdb', environment);
runTenantIsolationContract('chdb', environment);
runMetricsStoreContract('chdb', environment);
runAlertStoreContract('chdb', environment);
runLogsStoreContract('chdb', environment);

test('chdb: migrations are idempotent, also when two stores start at once', async () => {
  const database = uniqueDatabase();
  const [a, b] = await Promise.all([
    openTraceStore({ engine: 'chdb', dataDir, database }),
    openTraceStore({ engine: 'chdb', dataDir, database }),
  ]);
  const c = await openTraceStore({ engine: 'chdb', dataDir, database, retentionDays: 30 });
  await a.close();
  await b.close();
  await c.close();
  await c.close();
});

test('chdb: a second data directory in the same process is refused', async () => {
  const store = await openTraceStore({ engine: 'chdb', dataDir, database: uniqueDatabase() });
  try {
    await assert.rejects(
      openTraceStore({ engine: 'chdb', dataDir: `${dataDir}-other`, database: 'x' }),
      (e: unknown) => e instanceof StorageError,
    );
  } finally {
    await store.close();
  }
});
