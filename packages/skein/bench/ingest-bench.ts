/**
 * End-to-end ingest and lookup benchmark for issue 2's figures:
 *  1. OTLP/HTTP protobuf ingest into embedded chDB, 512-span requests, acknowledged spans/s;
 *  2. trace-by-ID latency (HTTP API, p50/p99) with the stored span count reached;
 *  3. bytes per span on disk after merges.
 * Skein runs as a separate process (built `dist/`), the client here pre-encodes every request
 * before timing so that its own CPU use is as small as possible.
 *
 *   npm run build && node --import tsx bench/ingest-bench.ts [--spans 1000000] [--batch 512] [--connections 4] [--lookups 300] [--json file]
 *     [--profile DIR]   (writes a V8 CPU profile of the Skein process into DIR)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Session } from 'chdb';
import { encodeOtlpProtoTraces } from '../src/model/otlp-proto-encode.js';
import type { Span } from '../src/model/span.js';
import { startSkein } from '../test/support/skein-process.js';
import { seededRandom, syntheticTrace } from './synthetic-traces.js';

const { values: options } = parseArgs({
  options: {
    spans: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '512' },
    connections: { type: 'string', default: '4' },
    lookups: { type: 'string', default: '300' },
    json: { type: 'string' },
    profile: { type: 'string' },
  },
});
const totalSpans = Number(options.spans);
const batch = Number(options.batch);
const connections = Number(options.connections);
const lookups = Number(options.lookups);
const SPANS_PER_TRACE = 16;

const packageDir = resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'skein-bench-'));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ');
    return (Number(stat[13]) + Number(stat[14])) / 100;
  } catch {
    return NaN;
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: connections });

function post(port: number, body: Buffer): Promise<number> {
  return new Promise((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/traces',
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, node ${process.version}`,
  );
  console.log(`generating ${totalSpans} spans in ${batch}-span OTLP protobuf requests…`);
  const random = seededRandom(7);
  const now = BigInt(Date.now()) * 1_000_000n;
  const requests: Buffer[] = [];
  const traceIds: string[] = [];
  let pending: Span[] = [];
  let generated = 0;
  while (generated < totalSpans) {
    const trace = syntheticTrace(random, now - BigInt(Math.floor(random() * 3_000_000)) * 1_000_000n, SPANS_PER_TRACE);
    traceIds.push(trace[0]!.traceId);
    for (const span of trace) {
      pending.push(span);
      if (pending.length === batch) {
        requests.push(Buffer.from(encodeOtlpProtoTraces(pending)));
        pending = [];
      }
    }
    generated += trace.length;
    if (requests.length % 200 === 0 && pending.length === 0) process.stdout.write(`\r  ${requests.length} requests`);
  }
  if (pending.length > 0) requests.push(Buffer.from(encodeOtlpProtoTraces(pending)));
  const bytes = requests.reduce((sum, r) => sum + r.length, 0);
  console.log(
    `\r  ${requests.length} requests, ${(bytes / 2 ** 20).toFixed(0)} MiB, ${(bytes / totalSpans).toFixed(0)} bytes/span on the wire`,
  );

  const skein = await startSkein({
    dataDir,
    built: true,
    nodeArgs: options.profile ? ['--cpu-prof', '--cpu-prof-dir', options.profile] : [],
  });
  const pid = skein.child.pid!;
  const cpuBefore = cpuSecondsOf(pid);
  const latencies: number[] = [];
  let next = 0;
  let acked = 0;
  let refused = 0;
  const started = performance.now();
  const progress = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `\r  ingest: ${acked} spans acknowledged, ${Math.round(acked / seconds)} spans/s, ${refused} refused (retried)   `,
    );
  }, 1000);
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < requests.length) {
        const index = next++;
        const body = requests[index]!;
        for (;;) {
          const t0 = performance.now();
          const status = await post(skein.ports.otlpHttp, body);
          if (status === 200) {
            latencies.push(performance.now() - t0);
            acked += index === requests.length - 1 && totalSpans % batch !== 0 ? totalSpans % batch : batch;
            break;
          }
          refused++;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }),
  );
  clearInterval(progress);
  const ingestSeconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsOf(pid) - cpuBefore;
  latencies.sort((a, b) => a - b);
  const ingest = {
    spans: acked,
    seconds: Number(ingestSeconds.toFixed(2)),
    spansPerSecond: Math.round(acked / ingestSeconds),
    serverCpuSecondsPer100kSpans: Number(((cpuSeconds / acked) * 100_000).toFixed(2)),
    exportLatencyMs: { p50: Number(percentile(latencies, 50).toFixed(1)), p99: Number(percentile(latencies, 99).toFixed(1)) },
    refusedAndRetried: refused,
  };
  console.log(`\ningest: ${JSON.stringify(ingest)}`);

  const lookupMs: number[] = [];
  for (let i = 0; i < lookups; i++) {
    const traceId = traceIds[Math.floor(random() * traceIds.length)]!;
    const t0 = performance.now();
    const response = await fetch(`http://127.0.0.1:${skein.ports.query}/api/v1/traces/${traceId}`);
    const body = (await response.json()) as { spans?: unknown[] };
    lookupMs.push(performance.now() - t0);
    if (response.status !== 200 || body.spans?.length !== SPANS_PER_TRACE)
      throw new Error(`lookup of ${traceId} failed: ${response.status}`);
    if (i % 50 === 0) process.stdout.write(`\r  trace-by-ID lookups: ${i}/${lookups}`);
  }
  lookupMs.sort((a, b) => a - b);
  const lookup = {
    storedSpans: acked,
    count: lookups,
    p50Ms: Number(percentile(lookupMs, 50).toFixed(1)),
    p99Ms: Number(percentile(lookupMs, 99).toFixed(1)),
  };
  console.log(`\rtrace by ID: ${JSON.stringify(lookup)}`);

  const searchMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const response = await fetch(
      `http://127.0.0.1:${skein.ports.query}/api/v1/search?service=cart&attr=http.route%3D%2Fapi%2Fcheckout&minDuration=100ms&lookback=1h&limit=20`,
    );
    await response.json();
    searchMs.push(performance.now() - t0);
  }
  searchMs.sort((a, b) => a - b);
  const search = {
    query: 'service=cart, http.route=/api/checkout, minDuration=100ms, 1 h',
    p50Ms: Number(percentile(searchMs, 50).toFixed(1)),
  };
  console.log(`search: ${JSON.stringify(search)}`);
  await skein.stop();

  console.log('merging parts (OPTIMIZE FINAL) to measure bytes per span on disk…');
  const session = new Session(dataDir);
  const tables = ['trace_spans_v3', 'trace_index_v12', 'resources_v3', 'scopes_v3', 'operations_v3'];
  for (const table of tables) await session.queryAsync(`OPTIMIZE TABLE skein.${table} FINAL`);
  const rows = (
    await session.queryAsync(
      `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, sum(data_uncompressed_bytes) AS raw FROM system.parts WHERE database = 'skein' AND active GROUP BY table ORDER BY table`,
      { format: 'JSONEachRow' },
    )
  )
    .text()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { table: string; rows: string; bytes: string; raw: string });
  session.close();
  const perTable = Object.fromEntries(
    rows.map((r) => [
      r.table,
      {
        rows: Number(r.rows),
        bytesPerSpan: Number((Number(r.bytes) / acked).toFixed(1)),
        uncompressedBytesPerSpan: Number((Number(r.raw) / acked).toFixed(1)),
      },
    ]),
  );
  const totalBytes = rows.reduce((sum, r) => sum + Number(r.bytes), 0);
  const disk = { bytesPerSpan: Number((totalBytes / acked).toFixed(1)), perTable };
  console.log(`disk: ${JSON.stringify(disk)}`);

  const result = {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, ramGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    settings: { totalSpans, batch, connections, spansPerTrace: SPANS_PER_TRACE },
    ingest,
    lookup,
    search,
    disk,
  };
  const out = options.json ?? join(packageDir, 'bench/results/ingest-latest.json');
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`written ${out}`);
  rmSync(dataDir, { recursive: true, force: true });
  agent.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(1);
});
