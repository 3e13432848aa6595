/**
 * memory_limiter under 3× overload (issue 4, item 2): Skein's resident memory stays bounded while
 * senders get 429s, and every acknowledged span is stored.
 *
 *  1. Calibrates: Skein without the limiter, `skein loadgen --rate max` (16 connections) for a few
 *     seconds gives the rate Skein sustains here.
 *  2. Starts Skein all-in-one with `memory_limiter` first in the pipeline (and forced GC exposed,
 *     as documented), then runs `skein loadgen` at 3× that rate with many connections (2 retries,
 *     so refused requests show as failed), sampling the Skein process's RSS (/proc/PID/status
 *     VmRSS) every 50 ms.
 *  3. Stops Skein and counts the distinct spans it stored.
 * Passes when peak RSS ≤ limit + margin, some requests were refused with 429, and stored spans ≥
 * spans the load generator saw acknowledged. `--no-limiter` is the control run: the same overload
 * without the limiter. The load generator shares the machine: on 2 cores it may not reach the 3×
 * target, so the rate it attempted is reported beside it.
 *
 *   node --import tsx bench/memory-limiter-bench.ts [--storage clickhouse|chdb] [--limit-mib 500] [--spike-mib 100]
 *     [--margin-mib 100] [--calibrate 8s] [--duration 20s] [--connections 64] [--no-limiter] [--without-gc]
 *     [--chdb-mib 320] [--built] [--json file]
 *
 * The default storage is a throw-away ClickHouse server (Debian's clickhouse-server), so the RSS
 * measured is Skein's own. With embedded chDB (`--storage chdb`) the engine's native memory is
 * inside the process: ~320 MiB resident at idle, and merges and inserts the limiter cannot stop
 * (see BENCHMARKS.md).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Session } from 'chdb';
import { findClickHouseServer, startClickHouseServer, type ClickHouseServer } from '../test/support/clickhouse-server.js';
import { makeTempDir, startSkein, writeConfig, type SkeinProcess } from '../test/support/skein-process.js';

const { values: options } = parseArgs({
  options: {
    'limit-mib': { type: 'string', default: '500' },
    'spike-mib': { type: 'string', default: '100' },
    'margin-mib': { type: 'string', default: '100' },
    calibrate: { type: 'string', default: '8s' },
    duration: { type: 'string', default: '20s' },
    connections: { type: 'string', default: '64' },
    'no-limiter': { type: 'boolean', default: false },
    'without-gc': { type: 'boolean', default: false },
    storage: { type: 'string', default: 'clickhouse' },
    // With --storage chdb: storage.memory_limit_mib, chDB's own cap (unset: Skein's default share).
    'chdb-mib': { type: 'string' },
    built: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const limitMib = Number(options['limit-mib']);
const spikeMib = Number(options['spike-mib']);
const marginMib = Number(options['margin-mib']);
const withLimiter = !options['no-limiter'];
const chdbMib = options['chdb-mib'] === undefined ? undefined : Number(options['chdb-mib']);

const PACKAGE_DIR = resolve(import.meta.dirname, '..');
const MIB = 1024 * 1024;

interface LoadgenSummary {
  seconds: number;
  batchSize: number;
  /** Spans handed to the transport, once however often retried. */
  sent: number;
  spans: number;
  requests: number;
  acknowledged: number;
  failed: number;
  retried: number;
  spansPerSecond: number;
  messages: string[];
}

function residentMib(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Runs `skein loadgen` in its own process (its CPU is not Skein's) and returns its summary. */
async function loadgen(skein: SkeinProcess, args: string[]): Promise<LoadgenSummary> {
  const summaryFile = join(makeTempDir('loadgen'), 'summary.json');
  const entry = options.built ? [join(PACKAGE_DIR, 'dist/cli/main.js')] : ['--import', 'tsx', join(PACKAGE_DIR, 'src/cli/main.ts')];
  const child = spawn(
    process.execPath,
    [
      ...entry,
      'loadgen',
      '--endpoint',
      `http://127.0.0.1:${skein.ports.otlpHttp}`,
      '--seed',
      String(Date.now() % 100_000),
      '--summary-json',
      summaryFile,
      ...args,
    ],
    { cwd: PACKAGE_DIR, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`loadgen exited with ${code}: ${stderr}`);
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as LoadgenSummary;
  rmSync(join(summaryFile, '..'), { recursive: true, force: true });
  return summary;
}

function metricValue(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

// Schema v3 and later keep one row per span in trace_spans_v3 (copies of retried spans until merged).
const COUNT_SQL = 'SELECT uniqExact(trace_id, span_id) AS n FROM skein.trace_spans_v3';

async function storedSpans(dataDir: string, server: ClickHouseServer | undefined): Promise<number> {
  if (server) {
    const response = await fetch(`${server.url}/?query=${encodeURIComponent(COUNT_SQL)}`);
    return Number((await response.text()).trim());
  }
  const session = new Session(dataDir);
  try {
    const rows = (await session.queryAsync(COUNT_SQL, { format: 'JSONEachRow' }))
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { n: string | number });
    return Number(rows[0]?.n ?? 0);
  } finally {
    session.close();
  }
}

function skeinConfig(limiter: boolean): string {
  return writeConfig(
    `processors:\n  memory_limiter:\n    check_interval: 100ms\n    limit_mib: ${limitMib}\n    spike_limit_mib: ${spikeMib}\n  batch: {}\n` +
      `service:\n  pipelines:\n    traces:\n      processors: ${limiter ? '[memory_limiter, redaction, batch]' : '[redaction, batch]'}\n` +
      (chdbMib !== undefined ? `storage:\n  memory_limit_mib: ${chdbMib}\n` : ''),
  );
}

function launch(limiter: boolean, server: ClickHouseServer | undefined, database: string): Promise<SkeinProcess> {
  return startSkein({
    built: options.built,
    // Lets memory_limiter force collections above its limits, as documented for production.
    nodeArgs: options['without-gc'] ? [] : ['--expose-gc'],
    args: ['--config', skeinConfig(limiter), ...(server ? ['--storage', `${server.url}/?database=${database}`] : [])],
  });
}

async function main(): Promise<void> {
  let server: ClickHouseServer | undefined;
  if (options.storage === 'clickhouse') {
    const binary = findClickHouseServer();
    if (binary === undefined) throw new Error('--storage clickhouse: no clickhouse-server binary found');
    server = await startClickHouseServer(binary);
  } else if (options.storage !== 'chdb') throw new Error('--storage: chdb or clickhouse');

  // 1. What Skein sustains here, without the limiter (its refusals would understate capacity).
  const calibrationSkein = await launch(false, server, 'calibration');
  let sustained: number;
  try {
    const calibration = await loadgen(calibrationSkein, [
      '--rate',
      'max',
      '--connections',
      '16',
      '--duration',
      options.calibrate!,
      '--max-retries',
      '0',
    ]);
    sustained = calibration.spansPerSecond;
    console.log(`  calibration (no limiter): ${sustained} spans/s acknowledged at --rate max, 16 connections`);
  } finally {
    await calibrationSkein.stop();
    rmSync(calibrationSkein.dataDir, { recursive: true, force: true });
  }

  // 2. 3× that against a Skein with (or, for the control run, without) the limiter.
  const skein = await launch(withLimiter, server, 'skein');
  const pid = skein.child.pid!;
  const idleMib = residentMib(pid);
  console.log(
    `memory_limiter bench: ${cpus().length} CPUs, ${Math.round(totalmem() / MIB)} MiB; storage ${options.storage}${chdbMib !== undefined ? ` (chDB cap ${chdbMib} MiB)` : ''}; limiter ${withLimiter ? `on (limit ${limitMib} MiB, soft ${limitMib - spikeMib} MiB)` : 'OFF (control run)'}; forced GC ${options['without-gc'] ? 'off' : 'on'}; idle RSS ${idleMib.toFixed(0)} MiB`,
  );

  let peakMib = idleMib;
  let heapAtPeakMib = 0;
  const samples: number[] = [];
  let lastHeapMib = 0;
  // The V8 heap from Skein's own metrics, to tell JS memory from native (chDB, buffers) at the peak.
  const heapSampler = setInterval(() => {
    fetch(skein.metricsUrl)
      .then((response) => response.text())
      .then((text) => (lastHeapMib = metricValue(text, 'skein_nodejs_heap_size_used_bytes') / MIB))
      .catch(() => undefined);
  }, 250);
  const sampler = setInterval(() => {
    const rss = residentMib(pid);
    samples.push(rss);
    if (rss > peakMib) {
      peakMib = rss;
      heapAtPeakMib = lastHeapMib;
    }
  }, 50);

  try {
    const offered = Math.max(1000, 3 * sustained);
    const overload = await loadgen(skein, [
      '--rate',
      String(offered),
      '--connections',
      options.connections!,
      '--duration',
      options.duration!,
      '--max-retries',
      '2',
      '--timeout',
      '30s',
    ]);
    clearInterval(sampler);
    clearInterval(heapSampler);
    const metrics = await (await fetch(skein.metricsUrl)).text();
    const refusedRequests = metricValue(
      metrics,
      'skein_receiver_refused_requests_total{receiver="otlp",transport="http",reason="overloaded"}',
    );
    const refusedSpans = metricValue(metrics, 'skein_receiver_refused_spans_total{receiver="otlp",transport="http",reason="overloaded"}');
    const accepted = metricValue(metrics, 'skein_receiver_accepted_spans_total{receiver="otlp",transport="http"}');
    const sorted = [...samples].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)] ?? NaN;
    const attempted = Math.round((overload.sent + overload.retried * overload.batchSize) / overload.seconds);
    console.log(
      `  overload: target ${offered} spans/s (3 × ${sustained}) for ${overload.seconds} s; the client attempted ${attempted} spans/s; ` +
        `acknowledged ${overload.acknowledged} spans (${overload.spansPerSecond}/s), failed after retries ${overload.failed}, retried ${overload.retried}`,
    );
    console.log(`  Skein: ${refusedRequests} requests (${refusedSpans} spans) refused as overloaded (429), ${accepted} spans accepted`);
    console.log(
      `  RSS: idle ${idleMib.toFixed(0)} MiB, p50 ${p50.toFixed(0)} MiB, peak ${peakMib.toFixed(0)} MiB (V8 heap used then ≈ ${heapAtPeakMib.toFixed(0)} MiB)`,
    );

    assert((await skein.stop()) === 0, 'Skein shut down cleanly');
    const stored = await storedSpans(skein.dataDir, server);
    console.log(`  stored: ${stored} distinct spans; acknowledged to loadgen: ${overload.acknowledged}`);

    const bound = limitMib + marginMib;
    const result = {
      date: new Date().toISOString(),
      limiter: withLimiter,
      storage: options.storage,
      exposedGc: !options['without-gc'],
      limitMib,
      spikeMib,
      marginMib,
      ...(chdbMib !== undefined && { chdbMemoryLimitMib: chdbMib }),
      idleMib: Math.round(idleMib),
      sustainedSpansPerSecond: sustained,
      targetSpansPerSecond: offered,
      attemptedSpansPerSecond: attempted,
      acknowledgedSpans: overload.acknowledged,
      acknowledgedPerSecond: overload.spansPerSecond,
      refusedOverloadedRequests: refusedRequests,
      refusedOverloadedSpans: refusedSpans,
      storedSpans: stored,
      rssP50Mib: Math.round(p50),
      rssPeakMib: Math.round(peakMib),
      heapUsedAtPeakMib: Math.round(heapAtPeakMib),
      boundMib: bound,
    };
    const out =
      options.json ?? join(PACKAGE_DIR, `bench/results/memory-limiter-${options.storage}-${withLimiter ? 'latest' : 'control'}.json`);
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`  written to ${out}`);
    if (withLimiter) {
      assert(peakMib <= bound, `peak RSS ${peakMib.toFixed(0)} MiB ≤ limit + margin ${bound} MiB`);
      assert(refusedRequests > 0, 'overload was refused (429)');
    }
    assert(stored >= overload.acknowledged, 'every acknowledged span is stored');
    console.log(process.exitCode === 1 ? '  FAILED' : '  PASS');
  } finally {
    clearInterval(sampler);
    clearInterval(heapSampler);
    await skein.kill();
    await server?.stop();
    rmSync(skein.dataDir, { recursive: true, force: true });
  }
}

function assert(condition: boolean, what: string): void {
  if (!condition) {
    console.error(`  FAIL: ${what}`);
    process.exitCode = 1;
  } else console.log(`  ok: ${what}`);
}

await main();
