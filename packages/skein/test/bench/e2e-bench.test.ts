/**
 * Smoke test of the end-to-end benchmark (issue 3, item 2c): Skein and `skein loadgen` as two
 * processes for 5 s, then the JSON that bench/run-bench.ts builds its report from. Runs the
 * sources (--source) so that it needs no build; ~15 s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeTempDir, removeDir } from '../support/skein-process.js';

const PACKAGE_DIR = resolve(import.meta.dirname, '../..');

test('e2e bench: 5 s of loadgen against Skein gives every report figure', { timeout: 120_000 }, async () => {
  const dir = makeTempDir('e2e-bench');
  try {
    const json = join(dir, 'e2e.json');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/e2e-bench.ts', '--source', '--duration', '5s', '--connections', '4', '--json', json],
      { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    assert.equal(code, 0, output);
    assert.match(output, /^ +\d+s {2}acked .* spans\/s {2}skein \d+\.\d+ cores \d+ MiB/m, 'a progress line per second');

    const result = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(result.settings.durationSeconds, 5);
    assert.equal(result.settings.connections, 4);
    assert.equal(result.loadgen.mode, 'send');
    assert.ok(result.loadgen.seconds >= 5, 'loadgen ran for the duration');
    assert.ok(result.loadgen.acknowledged > 0);
    assert.equal(result.loadgen.acknowledged, result.loadgen.sent, 'nothing lost or refused for good');
    assert.equal(result.spansPerSecond, result.loadgen.spansPerSecond);
    for (const key of ['p50', 'p90', 'p99', 'max']) assert.ok(result.exportLatencyMillis[key] > 0, key);
    assert.ok(result.skein.cpuSeconds > 0 && result.skein.cpuSecondsPer100kSpans > 0);
    assert.ok(result.skein.peakRssMiB >= result.skein.sampledPeakRssMiB && result.skein.sampledPeakRssMiB > 0);
    assert.equal(result.skein.exitCode, 0, 'Skein shut down cleanly');
    assert.ok(result.loadgenProcess.cpuSeconds > 0);
    assert.ok(result.timeline.length >= 3);
    assert.equal(result.disk.storedSpans, result.loadgen.acknowledged);
    assert.ok(result.disk.bytesPerSpan > 0);
    assert.ok(Object.keys(result.disk.tables).length > 0);
  } finally {
    removeDir(dir);
  }
});
