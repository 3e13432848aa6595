/**
 * `npm run bench`: one command, one report (issue 3, item 2). Runs each benchmark as its own
 * process (a crash or a leaked chDB session in one cannot skew the next), each writing JSON, then
 * writes report-latest.md / report-latest.json (+ a dated copy) and prints the Markdown table:
 *   a. decode (bench/decode-bench.ts)          b. storage limit (bench/storage-limit-bench.ts)
 *   c. end to end (bench/e2e-bench.ts)         d. queries at 1M (+10M with --full) (bench/query-bench.ts)
 *   e. bytes per span after merges (from d and c)
 *   f. overload: capacity, accepted under 3×, answer p99, peak RSS (bench/overload-bench.ts)
 *   g. metrics tap cost (bench/metrics-tap-bench.ts)
 *   h. population analyses: group-by over 24 h, ranking over 1 h (bench/analysis-bench.ts)
 *   k. Skein next to Jaeger v2 with badger and with memory, same loadgen, interleaved (bench/jaeger-bench.ts;
 *      builds Jaeger once into ~/.cache/skein-bench, skipped without Go)
 *   l. Kafka clients: @platformatic/kafka next to kafkajs against one real broker, A B B A
 *      (bench/kafka-client-bench.ts; skipped without Java or the broker jars)
 * b runs before c in the same invocation so that the ratio c/b compares figures of the same
 * machine state.
 *
 *   npm run bench [-- --quick | --full] [--only decode,storage-limit,e2e,query,overload [--reuse-latest]] [--duration 60s] [--connections 16] [--out DIR]
 *
 * --quick: smoke sizes (~1–2 min), report in $TMPDIR/skein-bench-quick unless --out. The default
 * run takes ~6 min; --full adds the 10M-span query checkpoint (~20–30 min in all).
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { query } from 'chdb';
import { buildFigures } from './bench-figures.js';
import { renderMarkdown, type BenchEnvironment, type BenchReport, type BenchResults, type StepOutcome } from './bench-report.js';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    only: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    out: { type: 'string' },
    // With --only: the steps not run are taken from their `<name>-latest.json` in the output
    // directory, so re-measuring one part (e.g. on a quieter machine) still gives a whole report.
    'reuse-latest': { type: 'boolean', default: false },
  },
});
if (options.quick && options.full) throw new Error('--quick and --full exclude each other');
const mode: BenchEnvironment['mode'] = options.quick ? 'quick' : options.full ? 'full' : 'default';
const packageDir = resolve(import.meta.dirname, '..');
const outDir = resolve(options.out ?? (options.quick ? join(tmpdir(), 'skein-bench-quick') : join(packageDir, 'bench/results')));

interface Step {
  key: keyof BenchResults;
  /** Also the stem of its `<name>-latest.json` in the output directory. */
  name: string;
  label: string;
  script: string;
  args: string[];
}

const e2eArgs = [
  '--duration',
  options.duration ?? (options.quick ? '10s' : '60s'),
  ...(options.connections === undefined ? [] : ['--connections', options.connections]),
];
const STEPS: Step[] = [
  {
    key: 'decode',
    name: 'decode',
    label: 'a. decode: OTLP protobuf → model',
    script: 'bench/decode-bench.ts',
    args: options.quick ? ['--only', 'decode', '--runs', '3', '--run-ms', '300', '--warmup-ms', '300'] : [],
  },
  {
    key: 'storageLimit',
    name: 'storage-limit',
    label: 'b. storage limit: prepared rows into chDB',
    script: 'bench/storage-limit-bench.ts',
    args: options.quick ? ['--spans', '40000', '--batch', '10000'] : [],
  },
  { key: 'e2e', name: 'e2e', label: 'c. end to end: skein + skein loadgen', script: 'bench/e2e-bench.ts', args: e2eArgs },
  {
    key: 'query',
    name: 'query',
    label: `d. queries at ${options.quick ? '50k' : options.full ? '1M and 10M' : '1M'} stored spans (+ e. bytes/span)`,
    script: 'bench/query-bench.ts',
    args: options.quick ? ['--checkpoints', '50000', '--lookups', '50'] : ['--checkpoints', options.full ? '1000000,10000000' : '1000000'],
  },
  {
    key: 'overload',
    name: 'overload',
    label: 'f. overload: capacity, accepted under 3×, answer times, peak RSS (issue 20)',
    script: 'bench/overload-bench.ts',
    args: options.quick ? ['--calibrate', '3s', '--duration', '6s'] : [],
  },
  {
    key: 'metricsTap',
    name: 'metrics-tap',
    label: 'g. metrics tap: CPU per span and memory at the cardinality limit',
    script: 'bench/metrics-tap-bench.ts',
    args: options.quick ? ['--spans', '50000', '--runs', '2'] : [],
  },
  {
    key: 'traceOutline',
    name: 'trace-outline',
    label: "h. big traces: the windowed view's server side at 100k and 1M spans (issue 19)",
    script: 'bench/trace-outline-bench.ts',
    args: options.quick ? ['--sizes', '20000', '--runs', '1'] : [],
  },
  {
    key: 'columnBytes',
    name: 'column-bytes',
    label: 'i. bytes per span and per column, chDB and clickhouse-server (issue 19)',
    script: 'bench/column-bytes-bench.ts',
    args: options.quick ? ['--spans', '30000'] : [],
  },
  {
    key: 'analysis',
    name: 'analysis',
    label: `j. analyses: group-by over 24 h and ranking over 1 h at ${options.quick ? '50k' : options.full ? '10M' : '1M'} spans (issue 15)`,
    script: 'bench/analysis-bench.ts',
    args: ['--spans', options.quick ? '50000' : options.full ? '10000000' : '1000000', '--runs', options.quick ? '2' : '5'],
  },
  {
    key: 'jaeger',
    name: 'jaeger',
    label: 'k. Skein next to Jaeger v2 (badger, memory): same loadgen, interleaved rounds (issue 19)',
    script: 'bench/jaeger-bench.ts',
    args: options.quick ? ['--duration', '5s', '--rounds', '1', '--lookups', '20', '--searches', '5'] : [],
  },
  {
    key: 'kafkaClient',
    name: 'kafka-client',
    label: 'l. Kafka clients: @platformatic/kafka next to kafkajs, same payloads, interleaved runs (issue 18)',
    script: 'bench/kafka-client-bench.ts',
    args: options.quick ? ['--spans', '100000', '--rounds', '1'] : [],
  },
];

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function environment(): BenchEnvironment {
  let chdb = 'unknown';
  let chdbNpm = 'unknown';
  try {
    chdb = query('SELECT version()', 'TSV').trim();
    const path = createRequire(import.meta.url).resolve('chdb/package.json');
    chdbNpm = (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    // The report still says which figures it has; the versions are then "unknown".
  }
  return {
    date: new Date().toISOString(),
    commit: git('rev-parse', 'HEAD') || 'unknown',
    dirty: git('status', '--porcelain', '--untracked-files=no') !== '',
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    ramGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    chdb,
    chdbNpm,
    mode,
  };
}

/** Runs one benchmark with its output on our terminal; resolves with its exit code. */
function run(script: string, args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, ...args], { cwd: packageDir, stdio: 'inherit' });
  return new Promise((done) => {
    child.once('exit', (code) => done(code));
    child.once('error', () => done(null));
  });
}

async function main(): Promise<void> {
  const selected = options.only === undefined ? STEPS : STEPS.filter((s) => options.only!.split(',').includes(s.name));
  if (selected.length === 0) throw new Error(`--only: none of ${STEPS.map((s) => s.name).join(', ')}`);
  const env = environment();
  console.log(
    `skein bench (${mode}): ${env.cores} cores (${env.cpuModel}), ${env.ramGiB} GiB RAM, node ${env.node}, chDB ${env.chdb}, ` +
      `commit ${env.commit.slice(0, 12)}${env.dirty ? ' (uncommitted changes)' : ''}; results in ${outDir}`,
  );
  mkdirSync(outDir, { recursive: true });
  // Each benchmark writes into a scratch directory first: one that fails leaves no stale JSON
  // to be mistaken for its result, and the previous good `*-latest.json` stays in place.
  const scratch = mkdtempSync(join(tmpdir(), 'skein-bench-'));
  const results: BenchResults = {};
  const steps: StepOutcome[] = [];
  const started = performance.now();
  try {
    for (const [i, step] of selected.entries()) {
      const json = join(scratch, `${step.name}.json`);
      const args = [...step.args, '--json', json];
      const command = `node --import tsx ${step.script} ${step.args.join(' ')}`.trim();
      console.log(`\n=== [${i + 1}/${selected.length}] ${step.label}: ${command}`);
      const stepStarted = performance.now();
      const code = await run(step.script, args);
      const seconds = Math.round((performance.now() - stepStarted) / 100) / 10;
      const ok = code === 0 && existsSync(json);
      if (ok) {
        results[step.key] = JSON.parse(readFileSync(json, 'utf8')) as unknown;
        copyFileSync(json, join(outDir, `${step.name}-latest.json`));
      }
      steps.push({
        name: step.name,
        command,
        seconds,
        ok,
        ...(ok ? {} : { error: `exit code ${code}${existsSync(json) ? '' : ', no JSON'}` }),
      });
      const total = Math.round((performance.now() - started) / 1000);
      console.log(`=== ${step.name}: ${ok ? 'done' : 'FAILED'} in ${seconds} s (${total} s so far)`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (options['reuse-latest']) {
    for (const step of STEPS.filter((candidate) => !selected.includes(candidate))) {
      const latest = join(outDir, `${step.name}-latest.json`);
      if (!existsSync(latest)) continue;
      results[step.key] = JSON.parse(readFileSync(latest, 'utf8')) as unknown;
      steps.push({ name: step.name, command: `(reused ${step.name}-latest.json from an earlier run)`, seconds: 0, ok: true });
    }
  }

  const report: BenchReport = { environment: env, figures: buildFigures(results), steps, results };
  const markdown = renderMarkdown(report);
  const stamp = env.date.slice(0, 16).replace(/:/g, '');
  for (const name of ['report-latest', `report-${stamp}Z`]) {
    writeFileSync(join(outDir, `${name}.md`), markdown);
    writeFileSync(join(outDir, `${name}.json`), JSON.stringify(report, null, 2) + '\n');
  }
  console.log(`\n${markdown}`);
  console.log(`written ${join(outDir, 'report-latest.md')} and .json (+ report-${stamp}Z.*)`);
  if (steps.some((s) => !s.ok)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
