/**
 * Rough figures for the report, run by hand (not a test):
 *   node --import tsx test/storage/measure-throughput.ts [clickhouse-url]
 * Without a URL it measures chDB in a temp directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Span } from '../../src/model/span.js';
import { openTraceStore } from '../../src/storage/open-trace-store.js';
import { buildRowBatches } from '../../src/storage/span-rows.js';
import { MS, T0, makeSpan, resourceOf } from './trace-fixtures.js';
import { DEFAULT_TENANT } from '../../src/model/tenant.js';

const url = process.argv[2];
const BATCH = 5000;
const BATCHES = 20;
const services = Array.from({ length: 10 }, (_, i) =>
  resourceOf(`service-${i}`, [
    { key: 'host.name', value: `host-${i}` },
    { key: 'k8s.pod.name', value: `pod-${i}-abc` },
  ]),
);

function batch(b: number): Span[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const n = b * BATCH + i;
    const trace = Math.floor(n / 10) + 1;
    return makeSpan({
      trace,
      span: n + 1,
      ...(n % 10 === 0 ? {} : { parent: n - (n % 10) + 1 }),
      resource: services[n % 10]!,
      name: `op-${n % 37}`,
      kind: 2,
      start: T0 + BigInt(n) * MS,
      duration: BigInt(1 + (n % 500)) * MS,
      error: n % 97 === 0,
      attributes: [
        { key: 'http.method', value: 'GET' },
        { key: 'http.route', value: `/api/v1/items/${n % 50}` },
        { key: 'http.status_code', value: BigInt(200 + (n % 5)) },
        { key: 'user.id', value: `user-${n % 1000}` },
        { key: 'retry', value: n % 3 === 0 },
        { key: 'ratio', value: (n % 100) / 7 },
      ],
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'skein-measure-'));
const store =
  url === undefined
    ? await openTraceStore({ engine: 'chdb', dataDir: dir, database: 'measure' })
    : await openTraceStore({ engine: 'clickhouse', url, database: `measure_${Date.now()}` });
const batches = Array.from({ length: BATCHES }, (_, b) => batch(b));

let t = performance.now();
for (const spans of batches) buildRowBatches(spans);
const buildMs = performance.now() - t;

t = performance.now();
for (const spans of batches) await store.writeSpans(spans);
const writeMs = performance.now() - t;
const total = BATCH * BATCHES;

async function time(label: string, fn: () => Promise<unknown>): Promise<string> {
  await fn();
  const start = performance.now();
  for (let i = 0; i < 5; i++) await fn();
  return `${label} ${((performance.now() - start) / 5).toFixed(1)} ms`;
}
const window = { startTimeUnixNano: T0, endTimeUnixNano: T0 + BigInt(total) * MS, errorsOnly: false, limit: 20 };
const reads = [
  await time('getTrace', () => store.forTenant(DEFAULT_TENANT).getTrace((5000).toString(16).padStart(32, '0'))),
  await time('search service', () => store.forTenant(DEFAULT_TENANT).searchTraces({ ...window, serviceName: 'service-3', attributes: [] })),
  await time('search attr', () =>
    store.forTenant(DEFAULT_TENANT).searchTraces({ ...window, attributes: [{ key: 'user.id', value: 'user-7' }] }),
  ),
  await time('search all', () => store.forTenant(DEFAULT_TENANT).searchTraces({ ...window, attributes: [] })),
  await time('dependencies', () => store.forTenant(DEFAULT_TENANT).getDependencies(window.startTimeUnixNano, window.endTimeUnixNano)),
];
console.log(store.description);
console.log(
  `${total} spans: build rows ${(total / (buildMs / 1000)).toFixed(0)} spans/s; writeSpans (build + 3 inserts) ${(total / (writeMs / 1000)).toFixed(0)} spans/s in batches of ${BATCH}`,
);
console.log(reads.join('; '));
await store.close();
rmSync(dir, { recursive: true, force: true });
