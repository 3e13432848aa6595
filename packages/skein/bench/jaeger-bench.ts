/**
 * Skein next to Jaeger v2 (issue 19, item 1; step k of `npm run bench`): the built Skein, Jaeger
 * with badger (persistent) and Jaeger with memory (nothing persisted), each fresh, each driven by
 * `skein loadgen` with the same seed and settings, in interleaved rounds (the order reverses every
 * round, so a machine that gets busier or quieter does not favour one side). Per run: acknowledged
 * spans/s, the server's CPU-seconds per 100k acknowledged spans (all threads, /proc), then with the
 * run's data: trace by ID p50/p99 and search (service + tag + min duration, last hour) p50/p99 over
 * each one's HTTP query API as its UI asks it, and bytes per span on disk (Skein after OPTIMIZE
 * FINAL; badger's directory after a clean stop). Ratios Skein / peer come from this one run.
 *
 * Jaeger answers an OTLP request once its `batch` processor has queued the spans, before they are
 * stored; Skein answers once they are stored. Equal spans/s therefore mean more work done by Skein.
 *
 *   npm run build && node --import tsx bench/jaeger-bench.ts [--duration 30s] [--rounds 2] [--connections 16]
 *     [--batch-size 512] [--seed 7] [--lookups 200] [--searches 40] [--systems skein,jaeger-badger,jaeger-memory]
 *     [--jaeger-bin PATH] [--json FILE] [--source]
 *
 * Without Go (and no cached build) it writes `{ "skipped": "…" }` and exits 0.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../src/loadgen/loadgen-args.js';
import type { LoadgenSummary } from '../src/loadgen/run-loadgen.js';
import { startSkein } from '../test/support/skein-process.js';
import { diskUsage } from './disk-usage.js';
import { JAEGER_VERSION, jaegerBinary, startJaeger, type JaegerStorage } from './jaeger-peer.js';
import { processUsage } from './process-usage.js';

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '30s' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '16' },
    'batch-size': { type: 'string', default: '512' },
    seed: { type: 'string', default: '7' },
    lookups: { type: 'string', default: '200' },
    searches: { type: 'string', default: '40' },
    systems: { type: 'string', default: 'skein,jaeger-badger,jaeger-memory' },
    'jaeger-bin': { type: 'string' },
    json: { type: 'string' },
    source: { type: 'boolean', default: false },
  },
});
const packageDir = resolve(import.meta.dirname, '..');
const out = options.json ?? join(packageDir, 'bench/results/jaeger-latest.json');
const cli = options.source ? ['--import', 'tsx', join(packageDir, 'src/cli/main.ts')] : [join(packageDir, 'dist/cli/main.js')];
const durationSeconds = parseDuration('--duration', options.duration) / 1000;
const SYSTEMS = ['skein', 'jaeger-badger', 'jaeger-memory'] as const;
type SystemName = (typeof SYSTEMS)[number];
const systems = options.systems.split(',').map((name) => {
  if (!(SYSTEMS as readonly string[]).includes(name)) throw new Error(`--systems: ${name} is not one of ${SYSTEMS.join(', ')}`);
  return name as SystemName;
});
/** The search of the issue's table: a service, one tag, a minimum duration, the last hour. */
const SEARCH = { service: 'gateway', tagKey: 'http.route', tagValue: '/api/checkout', minDuration: '100ms', limit: 20 };
const REQUEST_TIMEOUT_MILLIS = 30_000;

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
const load1 = (): number => round(loadavg()[0] ?? NaN);

interface Latency {
  p50: number;
  p99: number;
  /** Results of the first request (traces found, or spans in the trace), to show that it answered something. */
  found: number;
}

interface RunResult {
  system: SystemName;
  round: number;
  loadAverage1m: number;
  acknowledged: number;
  spansPerSecond: number;
  rejected: number;
  failed: number;
  cpuSecondsPer100kSpans: number;
  averageCpuCores: number;
  peakRssMiB: number;
  traceByIdMs: Latency;
  searchMs: Latency;
  /** null for memory storage (nothing on disk). */
  bytesPerSpan: number | null;
}

function percentiles(ms: number[]): { p50: number; p99: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN, 1);
  return { p50: at(0.5), p99: at(0.99) };
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${(await response.text()).slice(0, 300)}`);
  return response.json();
}

/** How to ask one system: trace IDs of the run, one trace, the search; each returns a count. */
interface QueryApi {
  traceIds(): Promise<string[]>;
  traceSpans(traceId: string): Promise<number>;
  search(): Promise<number>;
}

function skeinApi(queryUrl: string): QueryApi {
  const search = (extra: string, limit: number): Promise<Array<{ traceId: string }>> =>
    getJson(`${queryUrl}/api/v1/search?service=${SEARCH.service}&lookback=1h&limit=${limit}${extra}`).then(
      (body) => (body as { traces: Array<{ traceId: string }> }).traces,
    );
  return {
    traceIds: () => search('', 300).then((traces) => traces.map((t) => t.traceId)),
    traceSpans: (id) => getJson(`${queryUrl}/api/v1/traces/${id}`).then((body) => (body as { spans?: unknown[] }).spans?.length ?? 0),
    search: () =>
      search(`&attr=${encodeURIComponent(`${SEARCH.tagKey}=${SEARCH.tagValue}`)}&minDuration=${SEARCH.minDuration}`, SEARCH.limit).then(
        (traces) => traces.length,
      ),
  };
}

function jaegerApi(queryUrl: string): QueryApi {
  type Traces = { data: Array<{ traceID: string; spans: unknown[] }> };
  const search = (extra: string, limit: number): Promise<Traces['data']> => {
    const endMicros = Date.now() * 1000;
    const window = `start=${endMicros - 3_600_000_000}&end=${endMicros}`;
    return getJson(`${queryUrl}/api/traces?service=${SEARCH.service}&${window}&limit=${limit}${extra}`).then(
      (body) => (body as Traces).data,
    );
  };
  return {
    traceIds: () => search('', 300).then((traces) => traces.map((t) => t.traceID)),
    traceSpans: (id) => getJson(`${queryUrl}/api/traces/${id}`).then((body) => (body as Traces).data[0]?.spans.length ?? 0),
    search: () =>
      search(
        `&tags=${encodeURIComponent(JSON.stringify({ [SEARCH.tagKey]: SEARCH.tagValue }))}&minDuration=${SEARCH.minDuration}`,
        SEARCH.limit,
      ).then((traces) => traces.length),
  };
}

async function timeQueries(api: QueryApi): Promise<{ traceByIdMs: Latency; searchMs: Latency }> {
  const ids = await api.traceIds();
  if (ids.length === 0) throw new Error(`no traces of ${SEARCH.service} found in the last hour`);
  const lookups = Number(options.lookups);
  const byId: number[] = [];
  let firstTrace = 0;
  for (let i = 0, pick = 0; i < lookups; i++) {
    pick = (pick * 7919 + 13) % ids.length;
    const started = performance.now();
    const spans = await api.traceSpans(ids[pick]!);
    byId.push(performance.now() - started);
    if (spans === 0) throw new Error(`trace ${ids[pick]} not found`);
    if (i === 0) firstTrace = spans;
  }
  const searches: number[] = [];
  let firstSearch = 0;
  for (let i = 0; i < Number(options.searches); i++) {
    const started = performance.now();
    const found = await api.search();
    searches.push(performance.now() - started);
    if (i === 0) firstSearch = found;
  }
  return { traceByIdMs: { ...percentiles(byId), found: firstTrace }, searchMs: { ...percentiles(searches), found: firstSearch } };
}

/** `skein loadgen` against `endpoint` (OTLP/HTTP protobuf) to completion; throws unless it exits 0 with a summary. */
async function loadgen(endpoint: string, summaryPath: string): Promise<LoadgenSummary> {
  const args = [
    ...cli,
    'loadgen',
    `--endpoint=${endpoint}`,
    '--protocol=http/protobuf',
    '--rate=max',
    `--connections=${options.connections}`,
    `--batch-size=${options['batch-size']}`,
    `--duration=${options.duration}`,
    `--seed=${options.seed}`,
    `--summary-json=${summaryPath}`,
  ];
  const child = spawn(process.execPath, args, { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      lines.push(...chunk.split('\n'));
      if (lines.length > 100) lines.splice(0, lines.length - 100);
    });
  }
  // Loadgen drains what it has after --duration; past a generous margin it is stuck.
  const timer = setTimeout(() => child.kill('SIGKILL'), (durationSeconds + 120) * 1000);
  const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  clearTimeout(timer);
  if (code !== 0 || !existsSync(summaryPath)) throw new Error(`loadgen exited with code ${code}:\n${lines.slice(-20).join('\n')}`);
  return JSON.parse(readFileSync(summaryPath, 'utf8')) as LoadgenSummary;
}

/** Bytes the files under `dir` occupy (allocated blocks, as `du`). */
function bytesOnDisk(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).blocks * 512;
  }
  return total;
}

/** One fresh server of `system`, one loadgen run against it, its queries and its bytes on disk. */
async function runOnce(system: SystemName, roundNumber: number, binary: string | undefined, workDir: string): Promise<RunResult> {
  const runDir = mkdtempSync(join(workDir, `${system}-`));
  const loadAverage1m = load1();
  let stop: () => Promise<number | null>;
  let pid: number;
  let endpoint: string;
  let api: QueryApi;
  let skeinDataDir: string | undefined;
  let jaegerDataDir = '';
  if (system === 'skein') {
    skeinDataDir = join(runDir, 'data');
    const skein = await startSkein({ dataDir: skeinDataDir, built: !options.source, timeoutMillis: 120_000 });
    ({ stop } = skein);
    pid = skein.child.pid!;
    endpoint = skein.otlpHttpUrl;
    api = skeinApi(skein.queryUrl);
  } else {
    const jaeger = await startJaeger(binary!, system.slice('jaeger-'.length) as JaegerStorage, runDir);
    stop = () => jaeger.stop();
    pid = jaeger.child.pid!;
    endpoint = jaeger.otlpHttpUrl;
    api = jaegerApi(jaeger.queryUrl);
    jaegerDataDir = jaeger.dataDir;
  }
  try {
    const before = processUsage(pid);
    const summary = await loadgen(endpoint, join(runDir, 'loadgen.json'));
    const after = processUsage(pid);
    if (before === undefined || after === undefined) throw new Error(`${system} exited during the run`);
    const cpuSeconds = after.cpuSeconds - before.cpuSeconds;
    const acknowledged = Math.max(1, summary.acknowledged);
    const queries = await timeQueries(api);
    const peakRssMiB = Math.round(processUsage(pid)?.peakRssMiB ?? after.peakRssMiB);
    await stop();
    let bytesPerSpan: number | null = null;
    if (skeinDataDir !== undefined) bytesPerSpan = (await diskUsage(skeinDataDir, acknowledged)).bytesPerSpan;
    else if (jaegerDataDir !== '') bytesPerSpan = round(bytesOnDisk(jaegerDataDir) / acknowledged, 1);
    const result: RunResult = {
      system,
      round: roundNumber,
      loadAverage1m,
      acknowledged: summary.acknowledged,
      spansPerSecond: summary.spansPerSecond,
      rejected: summary.rejected,
      failed: summary.failed,
      cpuSecondsPer100kSpans: round((cpuSeconds / acknowledged) * 100_000),
      averageCpuCores: round(cpuSeconds / summary.seconds),
      peakRssMiB,
      ...queries,
      bytesPerSpan,
    };
    console.log(
      `  ${system} (round ${roundNumber}, load ${loadAverage1m}): ${Math.round(result.spansPerSecond).toLocaleString('en-US')} spans/s, ` +
        `${result.cpuSecondsPer100kSpans} CPU-s/100k, trace by ID ${result.traceByIdMs.p50}/${result.traceByIdMs.p99} ms, ` +
        `search ${result.searchMs.p50}/${result.searchMs.p99} ms (${result.searchMs.found} traces), ${bytesPerSpan ?? '—'} B/span, RSS ${peakRssMiB} MiB`,
    );
    return result;
  } finally {
    await stop();
    rmSync(runDir, { recursive: true, force: true });
  }
}

const median = (values: number[]): number | null => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return round(sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2);
};

/** Per system, the median over rounds of each figure of the issue's table. */
function summarise(runs: RunResult[]): Record<string, Record<string, number | null>> {
  const figures: Record<string, (run: RunResult) => number | null> = {
    spansPerSecond: (r) => r.spansPerSecond,
    cpuSecondsPer100kSpans: (r) => r.cpuSecondsPer100kSpans,
    traceByIdP50Ms: (r) => r.traceByIdMs.p50,
    traceByIdP99Ms: (r) => r.traceByIdMs.p99,
    searchP50Ms: (r) => r.searchMs.p50,
    searchP99Ms: (r) => r.searchMs.p99,
    bytesPerSpan: (r) => r.bytesPerSpan,
    peakRssMiB: (r) => r.peakRssMiB,
  };
  const bySystem: Record<string, Record<string, number | null>> = {};
  for (const system of new Set(runs.map((r) => r.system))) {
    const mine = runs.filter((r) => r.system === system);
    bySystem[system] = Object.fromEntries(
      Object.entries(figures).map(([name, pick]) => [name, median(mine.map(pick).filter((v): v is number => v !== null))]),
    );
  }
  return bySystem;
}

async function main(): Promise<void> {
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', ramGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  const needsJaeger = systems.some((s) => s !== 'skein');
  const binary = needsJaeger ? await jaegerBinary(options['jaeger-bin'], (line) => console.log(line)) : undefined;
  if (binary !== undefined && 'skipped' in binary) {
    console.log(`skipped: ${binary.skipped}`);
    writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine, skipped: binary.skipped }, null, 2) + '\n');
    return;
  }
  if (!options.source && !existsSync(cli[0]!)) throw new Error(`${cli[0]} not found: run \`npm run build\` first (or pass --source)`);
  const workDir = mkdtempSync(join(tmpdir(), 'skein-jaeger-bench-'));
  const runs: RunResult[] = [];
  try {
    for (let r = 1; r <= Number(options.rounds); r++) {
      const order = r % 2 === 1 ? systems : [...systems].reverse();
      console.log(`round ${r}: ${order.join(', ')}`);
      for (const system of order) runs.push(await runOnce(system, r, binary?.path, workDir));
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const result = {
    date: new Date().toISOString(),
    machine,
    jaeger: { version: JAEGER_VERSION, binary: binary?.path ?? null },
    settings: {
      durationSeconds,
      rounds: Number(options.rounds),
      connections: Number(options.connections),
      batchSize: Number(options['batch-size']),
      seed: Number(options.seed),
      protocol: 'http/protobuf',
      lookups: Number(options.lookups),
      searches: Number(options.searches),
      search: SEARCH,
    },
    acknowledgement:
      'Jaeger acknowledges an OTLP request once its batch processor has queued the spans (before storing); Skein after storing.',
    medians: summarise(runs),
    runs,
  };
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`written ${out}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
