/** `skein loadgen` flags: defaults, and errors that name the flag (issue 3, item 5). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOADGEN_USAGE, LoadgenUsageError, parseLoadgenArgs } from '../../src/loadgen/run-loadgen.js';

test('defaults', () => {
  const o = parseLoadgenArgs([]);
  assert.equal(o.endpoint, 'http://localhost:4318/v1/traces');
  assert.equal(o.protocol, 'http/protobuf');
  assert.equal(o.rate, 1000);
  assert.equal(o.connections, 4);
  assert.equal(o.batchSize, 512);
  assert.equal(o.durationSeconds, 30);
  assert.equal(o.traces, undefined);
  assert.ok(Number.isInteger(o.seed));
  assert.equal(parseLoadgenArgs(['--protocol', 'grpc']).endpoint, 'localhost:4317');
});

test('every flag', () => {
  const o = parseLoadgenArgs([
    '--endpoint=http://collector:4318',
    '--protocol=http/json',
    '--rate=max',
    '--connections=8',
    '--batch-size=100',
    '--duration=2m',
    '--traces=500',
    '--seed=7',
    '--start-time=2026-11-23T10:00:00Z',
    '--topology=t.yaml',
    '--large-trace-share=0.01',
    '--header=authorization=Bearer x=y',
    '--timeout=500ms',
    '--max-retries=0',
    '--summary-json=summary.json',
  ]);
  assert.equal(o.endpoint, 'http://collector:4318/v1/traces', 'a base URL gets /v1/traces');
  assert.equal(o.protocol, 'http/json');
  assert.equal(o.rate, undefined);
  assert.equal(o.connections, 8);
  assert.equal(o.batchSize, 100);
  assert.equal(o.durationSeconds, 120);
  assert.equal(o.traces, 500);
  assert.equal(o.seed, 7);
  assert.equal(o.startTimeUnixNano, 1_795_428_000_000_000_000n);
  assert.equal(o.topologyFile, 't.yaml');
  assert.equal(o.largeTraceShare, 0.01);
  assert.deepEqual(o.headers, { authorization: 'Bearer x=y' });
  assert.equal(o.timeoutMillis, 500);
  assert.equal(o.maxRetries, 0);
  assert.equal(o.summaryJson, 'summary.json');
  assert.equal(parseLoadgenArgs([]).summaryJson, undefined);
  assert.equal(parseLoadgenArgs(['--endpoint', 'https://x.example/otlp/v1/traces']).endpoint, 'https://x.example/otlp/v1/traces');
  assert.equal(parseLoadgenArgs(['--traces', '5']).durationSeconds, undefined, '--traces alone runs until done');
});

test('errors name the flag and the value', () => {
  const cases: [string[], RegExp][] = [
    [['--protocol', 'http'], /--protocol: expected one of http\/protobuf, http\/json, grpc, got "http"/],
    [['--rate', 'fast'], /--rate: expected .*got "fast"/],
    [['--connections', '0'], /--connections: expected an integer between 1 and 1024, got "0"/],
    [['--batch-size', '1.5'], /--batch-size: .*got "1.5"/],
    [['--duration', '10 minutes'], /--duration: expected a positive duration .*got "10 minutes"/],
    [['--seed=-1'], /--seed: .*got "-1"/],
    [['--start-time', 'yesterday'], /--start-time: .*got "yesterday"/],
    [['--large-trace-share', '2'], /--large-trace-share: expected a number between 0 and 1, got "2"/],
    [['--header', 'novalue'], /--header: expected KEY=VALUE, got "novalue"/],
    [['--endpoint', 'ftp://x'], /--endpoint: expected an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x"/],
    [['--write-fixture', 'f', '--duration', '5s'], /--duration: expected no --duration with --write-fixture/],
    [['--from-fixture', 'f', '--traces', '5'], /--traces: expected no --traces with --from-fixture/],
    [['--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [argv, expected] of cases) {
    assert.throws(
      () => parseLoadgenArgs(argv),
      (error: unknown) => error instanceof LoadgenUsageError && expected.test(error.message),
      argv.join(' '),
    );
  }
});

test('usage lists every flag', () => {
  for (const flag of [
    '--endpoint',
    '--protocol',
    '--rate',
    '--connections',
    '--batch-size',
    '--duration',
    '--traces',
    '--seed',
    '--topology',
    '--write-fixture',
    '--from-fixture',
    '--summary-json',
  ]) {
    assert.ok(LOADGEN_USAGE.includes(flag), flag);
  }
});
