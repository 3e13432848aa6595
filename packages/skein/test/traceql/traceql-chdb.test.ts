import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openTraceStore } from '../../src/storage/open-trace-store.js';
import { runTraceQLSearchContract } from './traceql-search-contract.js';

const dataDir = mkdtempSync(join(tmpdir(), 'skein-traceql-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

runTraceQLSearchContract('chdb', () => openTraceStore({ engine: 'chdb', dataDir, database: `traceql_${process.pid}` }));
