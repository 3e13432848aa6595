/**
 * `skein loadgen --summary-json FILE`: the final figures as JSON, which bench/e2e-bench.ts reads
 * when it drives loadgen as a separate process (issue 3, item 2c).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { encodeExportTraceServiceResponse } from '../../src/model/otlp-proto-encode.js';
import { parseLoadgenArgs, runLoadgen, type LoadgenSummary } from '../../src/loadgen/run-loadgen.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';

const quiet = { info: (): void => {}, warn: (): void => {} };

let server: Server;
let url: string;
let dir: string;
let requests = 0;
before(async () => {
  // Every second request is throttled once, so `retried` is not trivially zero.
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (++requests % 2 === 0) {
        res.writeHead(429, { 'Retry-After': '0' }).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf' });
      res.end(encodeExportTraceServiceResponse({ rejectedSpans: 0n, errorMessage: '' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  dir = makeTempDir('loadgen-summary');
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  removeDir(dir);
});

test('--summary-json writes the returned summary, with the run settings, and nothing else', async () => {
  const path = join(dir, 'summary.json');
  const options = parseLoadgenArgs([
    `--endpoint=${url}`,
    '--traces=40',
    '--seed=5',
    '--rate=max',
    '--connections=2',
    '--batch-size=100',
    `--summary-json=${path}`,
  ]);
  const summary = await runLoadgen(options, quiet);
  const written = JSON.parse(readFileSync(path, 'utf8')) as LoadgenSummary;
  assert.deepEqual(written, summary);
  assert.equal(written.mode, 'send');
  assert.equal(written.rate, 'max');
  assert.equal(written.connections, 2);
  assert.equal(written.batchSize, 100);
  assert.equal(written.sent, written.spans);
  assert.equal(written.acknowledged, written.spans);
  assert.ok(written.retried > 0, 'throttled requests were retried');
  assert.ok(written.seconds > 0 && written.spansPerSecond > 0);
  for (const key of ['p50', 'p90', 'p99', 'max'] as const) assert.equal(typeof written.latencyMillis[key], 'number', key);
  // Written under a temporary name and renamed: no leftovers next to it.
  assert.deepEqual(readdirSync(dir), ['summary.json']);
});

test('a paced run records its target rate; without the flag no file is written', async () => {
  const path = join(dir, 'paced.json');
  const summary = await runLoadgen(parseLoadgenArgs([`--endpoint=${url}`, '--traces=5', '--rate=50000', `--summary-json=${path}`]), quiet);
  assert.equal(summary.rate, 50000);
  assert.equal((JSON.parse(readFileSync(path, 'utf8')) as LoadgenSummary).rate, 50000);
  await runLoadgen(parseLoadgenArgs([`--endpoint=${url}`, '--traces=5', '--rate=max']), quiet);
  assert.deepEqual(readdirSync(dir).sort(), ['paced.json', 'summary.json']);
});
