/**
 * Overload with the default pipeline on embedded chDB (issue 20, item 3): does every request get
 * an answer within the bounded wait, does accepted throughput stay near capacity under 3× the
 * load, and does resident memory (chDB's included) stay under the limit?
 *
 *  1. Starts Skein all-in-one with its default pipeline (memory_limiter, redaction, storage), the
 *     memory limit set to `--limit-mib` (memory_limiter's hard limit; chDB gets `--chdb-mib`).
 *  2. Capacity: `skein loadgen --rate max` for `--calibrate`, 16 connections, no retries: spans/s
 *     acknowledged, after a 2 s warm-up; measured again after step 3 (a shared machine drifts).
 *  3. Load at each of `--levels` × capacity (default 1, 2, 3) for `--duration`: the open-loop
 *     client (open-loop-client.ts) sends at that fixed rate whatever the answers, on as many
 *     keep-alive connections as it needs (up to `--max-connections`), 30 s answer timeout, so every
 *     answer (200 or 429) is timed; RSS of the Skein process sampled every 50 ms (VmRSS).
 * Figures per level: offered × capacity, accepted spans/s and its share of capacity (target ≥ 90 %
 * at 3×), answer time p50/p99/max (target: max ≤ max_queue_wait + one insert), peak RSS (≤ limit).
 *
 *   node --import tsx bench/overload-bench.ts [--calibrate 6s] [--duration 15s] [--levels 1,2,3]
 *     [--max-connections 1024] [--preconnect 0] [--limit-mib 1200] [--chdb-mib 400] [--wait 2s] [--pin | --no-pin]
 *     [--built] [--json file]
 *
 * --pin (the default on 2+ cores): Skein runs on CPU 1, loadgen and the open-loop client on CPU 0
 * (`taskset`), so capacity is one core's and the clients have a core of their own. Every run
 * replays requests written once to a fixture (`--write-fixture`, 4,000 traces of 512-span
 * requests), so the clients spend nothing on generating spans. Why open loop: `skein loadgen` waits
 * for each answer before sending on that connection, and against a saturated one-core Skein whose
 * answers took 1.4-2.5 s it offered only 1.2-1.7× capacity (2026-12-05 08:19-08:22, BENCHMARKS.md).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeTempDir, startSkein, writeConfig, type SkeinProcess } from '../test/support/skein-process.js';
import type { OpenLoopSummary } from './open-loop-client.js';

const { values: options } = parseArgs({
  options: {
    calibrate: { type: 'string', default: '6s' },
    duration: { type: 'string', default: '15s' },
    levels: { type: 'string', default: '1,2,3' },
    'max-connections': { type: 'string', default: '1024' },
    preconnect: { type: 'string', default: '0' },
    'limit-mib': { type: 'string', default: '1200' },
    'chdb-mib': { type: 'string', default: '400' },
    wait: { type: 'string', default: '2s' },
    pin: { type: 'boolean', default: cpus().length >= 2 && existsSync('/usr/bin/taskset') },
    built: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const PACKAGE_DIR = resolve(import.meta.dirname, '..');
const limitMib = Number(options['limit-mib']);

interface LoadgenSummary {
  seconds: number;
  batchSize: number;
  sent: number;
  requests: number;
  acknowledged: number;
  failed: number;
  spansPerSecond: number;
  latencyMillis: { p50: number; p90: number; p99: number; max: number };
  messages: string[];
}

/** Binds every thread of `pid` (and the threads it starts later) to one CPU. */
function pinToCpu(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

function residentMib(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

let fixtureFile: string | undefined;

function loadgenEntry(): string[] {
  return options.built ? [join(PACKAGE_DIR, 'dist/cli/main.js')] : ['--import', 'tsx', join(PACKAGE_DIR, 'src/cli/main.ts')];
}

/** Writes the requests every run replays (seed 20, the default topology). */
function writeFixture(): string {
  const file = join(makeTempDir('overload-fixture'), 'requests.bin');
  execFileSync(process.execPath, [...loadgenEntry(), 'loadgen', '--seed', '20', '--traces', '4000', '--write-fixture', file], {
    cwd: PACKAGE_DIR,
    stdio: 'ignore',
  });
  return file;
}

async function loadgen(skein: SkeinProcess, args: string[]): Promise<LoadgenSummary> {
  const summaryFile = join(makeTempDir('loadgen'), 'summary.json');
  const source = fixtureFile === undefined ? ['--seed', '20'] : ['--from-fixture', fixtureFile];
  const child = spawn(
    process.execPath,
    [
      ...loadgenEntry(),
      'loadgen',
      '--endpoint',
      `http://127.0.0.1:${skein.ports.otlpHttp}`,
      ...source,
      '--summary-json',
      summaryFile,
      ...args,
    ],
    { cwd: PACKAGE_DIR, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (options.pin) pinToCpu(child.pid!, 0);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`loadgen exited with ${code}: ${stderr}`);
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as LoadgenSummary;
  rmSync(join(summaryFile, '..'), { recursive: true, force: true });
  return summary;
}

interface PhaseResult {
  level: number;
  run: OpenLoopSummary;
  peakRssMib: number;
  /** Skein's event-loop delay over the phase (prom-client's monitorEventLoopDelay, reset by each scrape). */
  eventLoopLagMillis: { p99: number; max: number } | undefined;
}

/** Scrapes Skein's /metrics: the event-loop delay since the previous scrape. */
async function eventLoopLag(skein: SkeinProcess): Promise<{ p99: number; max: number } | undefined> {
  try {
    const text = await (await fetch(skein.metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
    const value = (name: string): number => Number(new RegExp(`^skein_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1]);
    return { p99: Math.round(value('p99') * 1000), max: Math.round(value('max') * 1000) };
  } catch {
    return undefined;
  }
}

/** The open-loop client in its own process (pinned to CPU 0 like loadgen), at `spansPerSecond`. */
async function openLoop(skein: SkeinProcess, spansPerSecond: number): Promise<OpenLoopSummary> {
  const summaryFile = join(makeTempDir('open-loop'), 'summary.json');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(PACKAGE_DIR, 'bench/open-loop-client.ts'),
      '--port',
      String(skein.ports.otlpHttp),
      '--fixture',
      fixtureFile!,
      '--rate',
      String(spansPerSecond),
      '--duration',
      options.duration!,
      '--max-connections',
      options['max-connections']!,
      '--preconnect',
      options.preconnect!,
      '--timeout',
      '30',
      '--json',
      summaryFile,
    ],
    { cwd: PACKAGE_DIR, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (options.pin) pinToCpu(child.pid!, 0);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`open-loop client exited with ${code}: ${stderr}`);
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as OpenLoopSummary;
  rmSync(join(summaryFile, '..'), { recursive: true, force: true });
  return summary;
}

async function main(): Promise<void> {
  const config = writeConfig(
    [
      'processors:',
      '  memory_limiter:',
      '    check_interval: 100ms',
      `    limit_mib: ${limitMib}`,
      'exporters:',
      '  storage:',
      `    max_queue_wait: ${options.wait!}`,
      'storage:',
      `  memory_limit_mib: ${options['chdb-mib']!}`,
      '',
    ].join('\n'),
  );
  fixtureFile = writeFixture();
  const loadBefore = loadavg()[0]!;
  const skein = await startSkein({ built: options.built, nodeArgs: ['--expose-gc'], args: ['--config', config] });
  const pid = skein.child.pid!;
  if (options.pin) pinToCpu(pid, 1);
  const idleMib = residentMib(pid);
  let peakMib = idleMib;
  const sampler = setInterval(() => (peakMib = Math.max(peakMib, residentMib(pid))), 50);
  try {
    const atMaxRate = (duration: string): Promise<LoadgenSummary> =>
      loadgen(skein, ['--rate', 'max', '--connections', '16', '--duration', duration, '--max-retries', '0']);
    // Warm-up: the first inserts create parts and the exporter learns its cost per span.
    await atMaxRate('2s');
    const calibration = await atMaxRate(options.calibrate!);
    const capacity = calibration.spansPerSecond;
    console.log(`overload bench: capacity ${capacity} spans/s (--rate max, 16 connections, ${calibration.seconds} s)`);
    const levels = options.levels!.split(',').map(Number);
    const phases: PhaseResult[] = [];
    for (const level of levels) {
      peakMib = residentMib(pid);
      await eventLoopLag(skein);
      const run = await openLoop(skein, Math.max(1000, Math.round(level * capacity)));
      const lag = await eventLoopLag(skein);
      phases.push({ level, run, peakRssMib: Math.round(peakMib), eventLoopLagMillis: lag });
      // The queue drains (at most max_queue_wait of work) before the next phase starts.
      await new Promise((done) => setTimeout(done, 3000));
      const shares = (run.acceptedSpansPerSecond / capacity) * 100;
      console.log(
        `  ${level}×: offered ${run.offeredSpansPerSecond} spans/s (${(run.offeredSpansPerSecond / capacity).toFixed(2)}×), sent ${run.sentSpansPerSecond}; ` +
          `accepted ${run.acceptedSpansPerSecond} spans/s = ${shares.toFixed(0)} % of capacity; ${JSON.stringify(run.statuses)}, ` +
          `no answer ${run.requests.noAnswer}, not sent ${run.requests.notSent}; answers p50 ${run.answerMillis.p50} / p99 ${run.answerMillis.p99} / ` +
          `max ${run.answerMillis.max} ms (429s: p50 ${run.refusedAnswerMillis.p50}, max ${run.refusedAnswerMillis.max} ms); ` +
          `peak RSS ${Math.round(peakMib)} MiB (limit ${limitMib} MiB); connections ${run.peakConnections}; ` +
          `event-loop delay p99 ${lag?.p99 ?? '?'} / max ${lag?.max ?? '?'} ms`,
      );
    }
    clearInterval(sampler);
    // Measured again after the overload: on a shared machine capacity drifts, so the two bracket it.
    const capacityAfter = (await atMaxRate(options.calibrate!)).spansPerSecond;
    const top = phases.reduce<PhaseResult | undefined>(
      (best, phase) => (best === undefined || phase.level > best.level ? phase : best),
      undefined,
    );
    const result = {
      date: new Date().toISOString(),
      machine: {
        cores: cpus().length,
        ramMiB: Math.round(totalmem() / 2 ** 20),
        loadAverage1mBefore: loadBefore,
        loadAverage1mAfter: loadavg()[0],
      },
      settings: {
        limitMib,
        chdbMib: Number(options['chdb-mib']),
        maxQueueWait: options.wait,
        maxConnections: Number(options['max-connections']),
        preconnect: Number(options.preconnect),
        pinned: options.pin ? 'skein on CPU 1, clients on CPU 0' : 'no',
        calibration: 'skein loadgen --rate max --from-fixture, 16 connections (closed loop)',
        client: 'bench/open-loop-client.ts: fixed offered rate, raw keep-alive sockets, the fixture replayed (4,000 traces, seed 20)',
        duration: options.duration,
      },
      capacitySpansPerSecond: capacity,
      capacityAfterSpansPerSecond: capacityAfter,
      // The highest level's figures at the top (bench-figures.ts reads these: "accepted under 3×").
      offeredSpansPerSecond: top?.run.offeredSpansPerSecond,
      attemptedSpansPerSecond: top?.run.sentSpansPerSecond,
      acceptedSpansPerSecond: top?.run.acceptedSpansPerSecond,
      acceptedShareOfCapacity: top === undefined ? undefined : Number((top.run.acceptedSpansPerSecond / capacity).toFixed(3)),
      answerMillis: top?.run.answerMillis,
      peakRssMib: Math.max(...phases.map((phase) => phase.peakRssMib)),
      idleRssMib: Math.round(idleMib),
      phases: phases.map(({ level, run, peakRssMib, eventLoopLagMillis }) => ({
        level,
        offeredTimesCapacity: Number((run.offeredSpansPerSecond / capacity).toFixed(2)),
        acceptedShareOfCapacity: Number((run.acceptedSpansPerSecond / capacity).toFixed(3)),
        peakRssMib,
        eventLoopLagMillis,
        ...run,
      })),
    };
    console.log(`  capacity after: ${capacityAfter} spans/s (before ${capacity})`);
    if (options.json) writeFileSync(options.json, JSON.stringify(result, null, 2) + '\n');
  } finally {
    clearInterval(sampler);
    await skein.stop();
    rmSync(skein.dataDir, { recursive: true, force: true });
    if (fixtureFile !== undefined) rmSync(join(fixtureFile, '..'), { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
