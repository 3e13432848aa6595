import { test } from 'node:test';
import assert from 'node:assert/strict';
import { traceLoadStatus } from './trace-load-progress';

const states = (status: ReturnType<typeof traceLoadStatus>): string => status.steps.map((step) => `${step.label}:${step.state}`).join(' ');

test('before any report the first step is current: the outline request, or the download without it', () => {
  const first = traceLoadStatus(undefined, true, 0);
  assert.equal(states(first), 'server:current download:next decode:next build:next');
  assert.match(first.text, /^the server reads the trace/);
  const direct = traceLoadStatus(undefined, false, 0);
  assert.equal(states(direct), 'download:current decode:next build:next');
  assert.equal(direct.text, 'downloading: 0.0 MB received');
});

test('download: the span count once known, bytes received, and a rate after a second of it', () => {
  assert.equal(traceLoadStatus({ phase: 'download', bytes: 1_200_000 }, true, 400).text, 'downloading: 1.2 MB received');
  const status = traceLoadStatus({ phase: 'download', bytes: 3_000_000, spanCount: 20_000 }, true, 2_000);
  assert.equal(status.text, 'downloading 20,000 spans: 3.0 MB received (1.5 MB/s)');
  assert.equal(states(status), 'server:done download:current decode:next build:next');
});

test('decode and build name the size; earlier steps are done', () => {
  assert.equal(traceLoadStatus({ phase: 'decode', bytes: 2_345_678, spanCount: 10_000 }, true, 0).text, 'decoding 2.3 MB of 10,000 spans');
  assert.equal(traceLoadStatus({ phase: 'decode', bytes: 2_345_678 }, false, 0).text, 'decoding 2.3 MB');
  const build = traceLoadStatus({ phase: 'build', bytes: 0, spanCount: 10_000 }, false, 0);
  assert.equal(build.text, 'building the tree of 10,000 spans');
  assert.equal(states(build), 'download:done decode:done build:current');
  assert.equal(traceLoadStatus({ phase: 'build', bytes: 0 }, false, 0).text, 'building the tree of the spans');
});
