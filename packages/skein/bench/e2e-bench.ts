/**
 * End to end (issue 3, item 2c): the built Skein all-in-one and `skein loadgen` as two separate
 * processes on this machine, as an operator would run them. Loadgen sends its default e-commerce
 * topology as fast as Skein acknowledges (or at --rate) for --duration; Skein acknowledges a
 * request only once its spans are stored, so acknowledged spans/s is the sustained ingest rate.
 *
 * Measured: acknowledged spans/s and export latency (from `loadgen --summary-json`), Skein's
 * CPU-seconds per 100k spans (utime+stime of all its threads, chDB's included, over the loadgen
 * window) and peak RSS (VmHWM), then bytes per span on disk after `OPTIMIZE FINAL`.
 *
 *   npm run build && node --import tsx bench/e2e-bench.ts [--duration 60s] [--rate max] [--connections 16]
 *     [--batch-size 512] [--protocol http/protobuf|http/json|grpc] [--seed 1] [--json FILE]
 *     [--skip-disk] [--source] [--skein-node-args=--flag,…] [--table-settings=TABLE:SETTING=VALUE,… …]   (--source: run src/ through tsx instead of dist/, for tests)
 *
 * Both processes share the machine's cores: on 2 cores loadgen's own CPU use (reported) is taken
 * from Skein, which is the deployment being measured (an SDK-side load on the same host), and what
 * the issue-3 target of 100k spans/s on 2 cores means.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../src/loadgen/loadgen-args.js';
import type { LoadgenSummary } from '../src/loadgen/run-loadgen.js';
import { startSkein, type SkeinProcess } from '../test/support/skein-process.js';
import { diskUsage, type DiskUsage } from './disk-usage.js';
import { applyTableSettings, parseTableSettings, partsByTable } from './merge-parts.js';
import { processUsage, threadUsage } from './process-usage.js';

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '60s' },
    rate: { type: 'string', default: 'max' },
    // 16 requests in flight: Skein merges waiting requests into one insert (group commit), and the
    // issue-2 runs showed 4 connections leave most of the engine's insert rate unused.
    connections: { type: 'string', default: '16' },
    'batch-size': { type: 'string', default: '512' },
    protocol: { type: 'string', default: 'http/protobuf' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string' },
    'skip-disk': { type: 'boolean', default: false },
    source: { type: 'boolean', default: false },
    // V8 flags for the Skein process, e.g. `--skein-node-args=--max-semi-space-size=16` (comma-separated).
    'skein-node-args': { type: 'string', default: '' },
    // Merge levers (issue 19 item 2): `TABLE:SETTING=VALUE[,…]` (TABLE `*`: every MergeTree table),
    // applied with ALTER … MODIFY SETTING to a freshly migrated store before the measured run.
    'table-settings': { type: 'string', multiple: true, default: [] },
  },
});
const durationSeconds = parseDuration('--duration', options.duration) / 1000;
const packageDir = resolve(import.meta.dirname, '..');
const out = options.json ?? join(packageDir, 'bench/results/e2e-latest.json');
/** How to run the CLI: the build (what is measured) or the sources (tests, no build needed). */
const cli = options.source ? ['--import', 'tsx', join(packageDir, 'src/cli/main.ts')] : [join(packageDir, 'dist/cli/main.js')];

interface Sample {
  second: number;
  /** Loadgen's acknowledged rate over its last progress window (about a second). */
  ackedSpansPerSecond: number;
  acknowledged: number;
  skeinCpuCores: number;
  skeinRssMiB: number;
  loadgenCpuCores: number;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** `--metrics-port` exists only once Skein has a metrics listener; on a fixed port two runs would clash. */
function extraSkeinArgs(): string[] {
  const help = execFileSync(process.execPath, [...cli, '--help'], { cwd: packageDir, encoding: 'utf8' });
  return help.includes('--metrics-port') ? ['--metrics-port', '0'] : [];
}

/** Runs loadgen to completion while sampling both processes every second. */
async function runLoadgen(skein: SkeinProcess, summaryPath: string): Promise<{ samples: Sample[]; loadgenCpuSeconds: number }> {
  const endpoint = options.protocol === 'grpc' ? `127.0.0.1:${skein.ports.otlpGrpc}` : skein.otlpHttpUrl;
  const args = [
    ...cli,
    'loadgen',
    `--endpoint=${endpoint}`,
    `--protocol=${options.protocol}`,
    `--rate=${options.rate}`,
    `--connections=${options.connections}`,
    `--batch-size=${options['batch-size']}`,
    `--duration=${options.duration}`,
    `--seed=${options.seed}`,
    `--summary-json=${summaryPath}`,
  ];
  console.log(`loadgen: ${args.slice(cli.length).join(' ')}`);
  const child = spawn(process.execPath, args, { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let progress = { acked: 0, rate: 0, latency: '' };
  const onLine = (line: string): void => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
    const m = /acked (\d+) .*rate (\d+) spans\/s {2}latency (.*)$/.exec(line);
    if (m !== null) progress = { acked: Number(m[1]), rate: Number(m[2]), latency: m[3]! };
    else if (/ (warn|error) /.test(line)) console.log(`  loadgen: ${line}`);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        onLine(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
    });
  }
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  const skeinPid = skein.child.pid!;
  const samples: Sample[] = [];
  const started = performance.now();
  let previous = { at: started, skein: processUsage(skeinPid)?.cpuSeconds ?? 0, loadgen: 0 };
  let loadgenCpuSeconds = 0;
  let skeinLogLines = skein.logs.length;
  const sample = (): void => {
    const now = performance.now();
    const s = processUsage(skeinPid);
    const l = child.pid === undefined ? undefined : processUsage(child.pid);
    if (s === undefined) return;
    if (l !== undefined) loadgenCpuSeconds = l.cpuSeconds;
    const seconds = (now - previous.at) / 1000;
    const entry: Sample = {
      second: Math.round((now - started) / 1000),
      ackedSpansPerSecond: progress.rate,
      acknowledged: progress.acked,
      skeinCpuCores: round((s.cpuSeconds - previous.skein) / seconds),
      skeinRssMiB: Math.round(s.rssMiB),
      loadgenCpuCores: round((loadgenCpuSeconds - previous.loadgen) / seconds),
    };
    samples.push(entry);
    previous = { at: now, skein: s.cpuSeconds, loadgen: loadgenCpuSeconds };
    console.log(
      `  ${String(entry.second).padStart(4)}s  acked ${fmt(entry.acknowledged).padStart(11)}  ${fmt(entry.ackedSpansPerSecond).padStart(8)} spans/s` +
        `  skein ${entry.skeinCpuCores.toFixed(2)} cores ${fmt(entry.skeinRssMiB)} MiB  loadgen ${entry.loadgenCpuCores.toFixed(2)} cores` +
        `  ${progress.latency}`,
    );
    // Skein's own warnings (throttling, slow inserts) explain a dip in the figures: show them.
    for (; skeinLogLines < skein.logs.length; skeinLogLines++) {
      const line = skein.logs[skeinLogLines]!;
      if (/ (warn|error) /.test(line)) console.log(`  skein: ${line}`);
    }
  };
  const ticker = setInterval(sample, 1000);
  // Loadgen stops generating at --duration and then drains what it has; past a generous margin
  // something is stuck: SIGTERM asks it to finish, SIGKILL ends it.
  const hardStop = setTimeout(
    () => {
      console.log('  loadgen did not finish in time: stopping it');
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    },
    (durationSeconds + 120) * 1000,
  );
  const code = await exited;
  clearInterval(ticker);
  clearTimeout(hardStop);
  if (code !== 0 || !existsSync(summaryPath)) {
    throw new Error(
      `loadgen exited with code ${code}${existsSync(summaryPath) ? '' : ', no summary'}; last output:\n${lines.slice(-20).join('\n')}`,
    );
  }
  return { samples, loadgenCpuSeconds };
}

async function main(): Promise<void> {
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', ramGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  console.log(`machine: ${machine.cores} cores (${machine.cpu}), ${machine.ramGiB} GiB RAM, node ${machine.node}`);
  if (!options.source && !existsSync(cli[0]!)) throw new Error(`${cli[0]} not found: run \`npm run build\` first (or pass --source)`);
  const workDir = mkdtempSync(join(tmpdir(), 'skein-e2e-bench-'));
  const dataDir = join(workDir, 'data');
  const summaryPath = join(workDir, 'loadgen-summary.json');
  let skein: SkeinProcess | undefined;
  try {
    const skeinArgs = extraSkeinArgs();
    const nodeArgs = options['skein-node-args'].split(',').filter((arg) => arg !== '');
    const tableSettings = options['table-settings'].map(parseTableSettings);
    let settingStatements: string[] = [];
    if (tableSettings.length > 0) {
      // The tables exist once Skein has migrated the store; the settings go in while it is stopped.
      const migrating = await startSkein({ dataDir, built: !options.source, args: skeinArgs, nodeArgs, timeoutMillis: 120_000 });
      await migrating.stop();
      settingStatements = await applyTableSettings(dataDir, tableSettings);
      for (const statement of settingStatements) console.log(`  ${statement}`);
    }
    skein = await startSkein({ dataDir, built: !options.source, args: skeinArgs, nodeArgs, timeoutMillis: 120_000 });
    console.log(`skein: pid ${skein.child.pid}, OTLP/HTTP :${skein.ports.otlpHttp}, OTLP/gRPC :${skein.ports.otlpGrpc}, data ${dataDir}`);
    const pid = skein.child.pid!;
    const before = processUsage(pid);
    if (before === undefined) throw new Error('cannot read /proc for the Skein process (Linux only)');
    const threadsBefore = threadUsage(pid);

    const { samples, loadgenCpuSeconds } = await runLoadgen(skein, summaryPath);
    const after = processUsage(pid);
    if (after === undefined) throw new Error(`skein exited during the run; last logs:\n${skein.logs.slice(-20).join('\n')}`);
    // Where Skein's CPU went by thread: the JS main thread (receive, decode, pipeline, row build)
    // against chDB's engine threads (parse, sort, compress, merge) and the helpers.
    const threadCpuSeconds = Object.fromEntries(
      [...threadUsage(pid)]
        .map(([name, seconds]): [string, number] => [name, round(seconds - (threadsBefore.get(name) ?? 0))])
        .filter(([, seconds]) => seconds > 0)
        .sort((a, b) => b[1] - a[1]),
    );
    const loadgen = JSON.parse(readFileSync(summaryPath, 'utf8')) as LoadgenSummary;
    const cpuSeconds = after.cpuSeconds - before.cpuSeconds;
    const acknowledged = Math.max(1, loadgen.acknowledged);
    const skeinFigures = {
      cpuSeconds: round(cpuSeconds),
      cpuSecondsPer100kSpans: round((cpuSeconds / acknowledged) * 100_000),
      averageCpuCores: round(cpuSeconds / loadgen.seconds),
      // The kernel updates VmHWM lazily (not when pages are given back by madvise, as V8's GC
      // does), so it can read below an RSS sampled earlier: the peak is the larger of the two.
      peakRssMiB: Math.max(Math.round(after.peakRssMiB), ...samples.map((s) => s.skeinRssMiB)),
      sampledPeakRssMiB: Math.max(0, ...samples.map((s) => s.skeinRssMiB)),
      threadCpuSeconds,
      exitCode: null as number | null,
      shutdownSeconds: 0,
    };
    console.log(
      `end to end: ${fmt(loadgen.spansPerSecond)} spans/s acknowledged (${fmt(loadgen.acknowledged)} in ${loadgen.seconds} s, ` +
        `${loadgen.rejected} rejected, ${loadgen.failed} failed, ${loadgen.retried} retries); skein ${skeinFigures.cpuSecondsPer100kSpans} CPU-s/100k spans, ` +
        `peak RSS ${fmt(skeinFigures.peakRssMiB)} MiB; export latency p50 ${loadgen.latencyMillis.p50} ms, p99 ${loadgen.latencyMillis.p99} ms`,
    );
    console.log(
      `skein CPU-s by thread: ${Object.entries(threadCpuSeconds)
        .map(([name, seconds]) => `${name} ${seconds}`)
        .join(', ')}`,
    );

    const stopStarted = performance.now();
    skeinFigures.exitCode = await skein.stop();
    skeinFigures.shutdownSeconds = round((performance.now() - stopStarted) / 1000, 1);
    skein = undefined;

    const parts = await partsByTable(dataDir);
    // Per table: active parts, the deepest merge level, merges per row (row-weighted level).
    console.log(
      `active parts after the run: ${Object.entries(parts)
        .map(
          ([table, p]) =>
            `${table} ${p.activeParts} (rows ${fmt(p.rows)}, max level ${p.maxLevel}, ${p.rowWeightedLevel} merges/row, ${p.mergeWritesPerRow} merge writes/row, ${p.outdatedParts} outdated)`,
        )
        .join('; ')}`,
    );

    let disk: DiskUsage | null = null;
    if (!options['skip-disk']) {
      console.log('merging parts to measure bytes per span on disk…');
      disk = await diskUsage(dataDir, loadgen.acknowledged);
      console.log(`disk: ${disk.bytesPerSpan} bytes/span after OPTIMIZE FINAL (${disk.optimizeSeconds} s of merging)`);
    }

    const result = {
      date: new Date().toISOString(),
      machine,
      settings: {
        durationSeconds,
        rate: options.rate,
        connections: Number(options.connections),
        batchSize: Number(options['batch-size']),
        protocol: options.protocol,
        seed: Number(options.seed),
        topology: loadgen.topology,
        skeinArgs,
        tableSettings: settingStatements,
        build: options.source ? 'src (tsx)' : 'dist',
      },
      spansPerSecond: loadgen.spansPerSecond,
      exportLatencyMillis: loadgen.latencyMillis,
      skein: skeinFigures,
      loadgenProcess: { cpuSeconds: round(loadgenCpuSeconds), averageCpuCores: round(loadgenCpuSeconds / loadgen.seconds) },
      loadgen,
      parts,
      disk,
      timeline: samples,
    };
    writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    console.log(`written ${out}`);
  } finally {
    if (skein !== undefined) await skein.kill();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
