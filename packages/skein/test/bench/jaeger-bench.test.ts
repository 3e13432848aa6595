/**
 * Smoke tests of the Skein-next-to-Jaeger benchmark (issue 19, item 1): without Go it is skipped
 * with a message (exit 0, a JSON the report shows), and its Skein side gives every figure of the
 * table. The Jaeger side needs a Go build of Jaeger (minutes), so it runs in `npm run bench` only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { makeTempDir, removeDir } from '../support/skein-process.js';

const PACKAGE_DIR = resolve(import.meta.dirname, '../..');

async function runBench(args: string[], env: NodeJS.ProcessEnv, timeoutMillis: number): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/jaeger-bench.ts', ...args], {
    cwd: PACKAGE_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  clearTimeout(timer);
  return { code, output };
}

test('jaeger bench: without Go and without a cached build it is skipped with a message, exit 0', { timeout: 60_000 }, async () => {
  const dir = makeTempDir('jaeger-bench-skip');
  try {
    const json = join(dir, 'jaeger.json');
    // Only node's own directory on PATH: no `go`; an empty cache: no earlier build.
    const env = { ...process.env, PATH: dirname(process.execPath), SKEIN_BENCH_CACHE: join(dir, 'cache') };
    const { code, output } = await runBench(['--source', '--json', json], env, 50_000);
    assert.equal(code, 0, output);
    assert.match(output, /skipped: Go is not installed/);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    assert.match(result.skipped, /Go is not installed .*github\.com\/jaegertracing\/jaeger\/cmd\/jaeger@v1\.75\.0/);
  } finally {
    removeDir(dir);
  }
});

test('jaeger bench: the Skein side gives every figure of the table', { timeout: 150_000 }, async () => {
  const dir = makeTempDir('jaeger-bench-skein');
  try {
    const json = join(dir, 'jaeger.json');
    const args = [
      '--source',
      '--systems',
      'skein',
      '--duration',
      '3s',
      '--rounds',
      '1',
      '--connections',
      '4',
      '--lookups',
      '5',
      '--searches',
      '2',
    ];
    const { code, output } = await runBench([...args, '--json', json], process.env, 140_000);
    assert.equal(code, 0, output);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    assert.match(result.acknowledgement, /Jaeger acknowledges .*before storing.*Skein after storing/);
    assert.equal(result.runs.length, 1);
    const run = result.runs[0];
    assert.equal(run.system, 'skein');
    assert.ok(run.acknowledged > 0 && run.failed === 0, output);
    assert.ok(run.traceByIdMs.found > 0, 'the looked-up trace has spans');
    for (const key of [
      'spansPerSecond',
      'cpuSecondsPer100kSpans',
      'traceByIdP50Ms',
      'traceByIdP99Ms',
      'searchP50Ms',
      'searchP99Ms',
      'bytesPerSpan',
    ]) {
      assert.ok(result.medians.skein[key] > 0, `${key}: ${result.medians.skein[key]}`);
    }
  } finally {
    removeDir(dir);
  }
});
