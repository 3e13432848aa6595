/**
 * The physical limit of the write path: span rows prepared in advance (the exact bytes
 * `writeSpans` sends: TabSeparated `trace_spans` rows, plus the few new resources and scopes)
 * inserted straight into embedded chDB, nothing else running. Ingest end to
 * end (bench/e2e-bench.ts, `skein loadgen`'s default topology, as here) divided by this rate says how much of the engine's speed Skein uses.
 *
 *   node --import tsx bench/storage-limit-bench.ts [--spans 500000] [--batch 20000] [--json file]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Session } from 'chdb';
import type { Span } from '../src/model/span.js';
import { openTraceStore } from '../src/storage/open-trace-store.js';
import { buildRowBatches, RESOURCE_COLUMNS, SCOPE_COLUMNS, SPAN_COLUMNS, type KnownRows } from '../src/storage/span-rows.js';
import { defaultTopology } from '../src/loadgen/default-topology.js';
import { TraceGenerator } from '../src/loadgen/trace-generator.js';

const { values: options } = parseArgs({
  options: {
    spans: { type: 'string', default: '500000' },
    batch: { type: 'string', default: '20000' },
    json: { type: 'string' },
  },
});
const totalSpans = Number(options.spans);
const batchSpans = Number(options.batch);
const packageDir = resolve(import.meta.dirname, '..');

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skein-storage-limit-'));
  console.log(`machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, node ${process.version}`);
  console.log(`preparing ${totalSpans} span rows in ${batchSpans}-span inserts…`);
  // The spans `skein loadgen` sends by default, so the end-to-end rate (c) divided by this one
  // compares the same rows; traces start 1 ms apart on the generator's virtual clock.
  const generator = new TraceGenerator(defaultTopology(), { seed: 11, startTimeUnixNano: BigInt(Date.now() - 3_600_000) * 1_000_000n });
  const batches: Array<{ spans: Buffer; resources: Buffer; scopes: Buffer; rows: number }> = [];
  // As the store does: a resource or scope already written is not sent again.
  const known = { resources: new Set<string>(), scopes: new Set<string>(), operations: new Map<string, bigint>() } satisfies KnownRows;
  let pending: Span[] = [];
  let prepared = 0;
  const rowStart = performance.now();
  while (prepared < totalSpans) {
    pending.push(...generator.nextTrace());
    if (pending.length >= batchSpans || prepared + pending.length >= totalSpans) {
      const rows = buildRowBatches(pending, known);
      for (const hash of rows.newResources) known.resources.add(hash);
      for (const hash of rows.newScopes) known.scopes.add(hash);
      batches.push({ spans: Buffer.from(rows.spans), resources: rows.resources, scopes: rows.scopes, rows: pending.length });
      prepared += pending.length;
      pending = [];
      process.stdout.write(`\r  ${prepared} rows prepared`);
    }
  }
  const rowSeconds = (performance.now() - rowStart) / 1000;
  console.log(`\r  ${prepared} rows prepared (generation + row building: ${Math.round(prepared / rowSeconds)} spans/s)`);

  // Creates the schema exactly as Skein does, then inserts through the raw chDB API.
  const store = await openTraceStore({ engine: 'chdb', dataDir });
  await store.close();
  const session = new Session(dataDir);
  const started = performance.now();
  // CPU of the whole process (chDB runs in it): steadier than wall time on a shared machine.
  const cpuStart = process.cpuUsage();
  let inserted = 0;
  for (const batch of batches) {
    if (batch.resources.length > 0) {
      await session.insert({ table: 'skein.resources_v3', columns: RESOURCE_COLUMNS, values: batch.resources, format: 'TabSeparated' });
    }
    if (batch.scopes.length > 0) {
      await session.insert({ table: 'skein.scopes_v3', columns: SCOPE_COLUMNS, values: batch.scopes, format: 'TabSeparated' });
    }
    await session.insert({ table: 'skein.trace_spans_v3', columns: SPAN_COLUMNS, values: batch.spans, format: 'TabSeparated' });
    inserted += batch.rows;
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`\r  inserted ${inserted} spans, ${Math.round(inserted / seconds)} spans/s   `);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  session.close();
  const result = {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, ramGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    settings: {
      totalSpans,
      batchSpans,
      format: 'TabSeparated',
      topology: 'loadgen default (e-commerce)',
      tables: ['resources_v3', 'scopes_v3', 'trace_spans_v3 (+ trace_index_v12 by materialized view)'],
    },
    bytesPerSpanSent: Math.round(batches.reduce((sum, b) => sum + b.spans.length + b.resources.length + b.scopes.length, 0) / prepared),
    storageLimitSpansPerSecond: Math.round(prepared / seconds),
    cpuSecondsPer100kSpans: Number((((cpu.user + cpu.system) / 1e6) * (100_000 / prepared)).toFixed(2)),
  };
  console.log(`\nstorage limit: ${JSON.stringify(result)}`);
  const out = options.json ?? join(packageDir, 'bench/results/storage-limit-latest.json');
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`written ${out}`);
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
