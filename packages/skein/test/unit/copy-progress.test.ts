import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CopyProgress, formatSeconds } from '../../src/storage/schema/copy-progress.js';

test('copy progress: count, share, rate so far and time left at that rate', () => {
  let now = 0;
  const lines: string[] = [];
  const progress = new CopyProgress(
    'schema v3',
    'span rows',
    3_000_000,
    (line) => lines.push(line),
    () => now,
  );
  now = 2000;
  progress.advance(1_000_000, 'day 20261130');
  now = 3000;
  progress.advance(2_000_000, 'day 20261201');
  assert.deepEqual(lines, [
    'schema v3: 1,000,000 of 3,000,000 span rows copied (day 20261130), 33.3 %, 500,000/s, ETA 4 s',
    'schema v3: 3,000,000 of 3,000,000 span rows copied (day 20261201), 100.0 %, 1,000,000/s, done',
  ]);
});

test('copy progress without a known total: count and rate only', () => {
  let now = 0;
  const lines: string[] = [];
  const progress = new CopyProgress(
    'bench',
    'spans',
    undefined,
    (line) => lines.push(line),
    () => now,
  );
  now = 500;
  progress.advance(100, 'page 1');
  assert.deepEqual(lines, ['bench: 100 spans copied (page 1), 200/s']);
});

test('durations left read as a person would say them', () => {
  assert.equal(formatSeconds(0.2), '1 s');
  assert.equal(formatSeconds(200), '3 min 20 s');
  assert.equal(formatSeconds(7500), '2 h 05 min');
  assert.equal(formatSeconds(Infinity), 'unknown');
});
