/** Start-up and shutdown behaviour of the `skein` command (issue 2, item 6). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { getJson, makeTempDir, removeDir, runSkeinToExit, startSkein, writeConfig } from '../support/skein-process.js';
import { makeSpan } from '../support/span-factory.js';

test('--help prints usage with every flag and its environment variable', async () => {
  const { code, output } = await runSkeinToExit(['--help']);
  assert.equal(code, 0);
  for (const word of [
    '--config',
    '--data-dir',
    '--storage',
    '--otlp-grpc-port',
    'SKEIN_OTLP_HTTP_PORT',
    'SKEIN_QUERY_PORT',
    '--tempo-port',
    'SKEIN_TEMPO_PORT',
    '--metrics-port',
    'SKEIN_METRICS_PORT',
  ])
    assert.ok(output.includes(word), word);
});

test('a taken port is reported clearly and the process exits 1', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  const dataDir = makeTempDir('port');
  try {
    const { code, output } = await runSkeinToExit([
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--otlp-grpc-port',
      '0',
      '--query-port',
      '0',
      '--metrics-port',
      '0',
      '--tempo-port',
      '0',
      '--otlp-http-port',
      String(port),
    ]);
    assert.equal(code, 1);
    assert.match(
      output,
      new RegExp(
        `cannot listen on 127\\.0\\.0\\.1:${port} for the OTLP/HTTP receiver: the port is already in use \\(set --otlp-http-port or SKEIN_OTLP_HTTP_PORT\\)`,
      ),
    );
  } finally {
    blocker.close();
    removeDir(dataDir);
  }
});

test(
  'an unwritable data directory is reported clearly',
  { skip: process.getuid?.() === 0 ? 'root can write anywhere; covered by the file-in-the-way case' : false },
  async () => {
    const parent = makeTempDir('ro');
    chmodSync(parent, 0o500);
    try {
      const { code, output } = await runSkeinToExit(['--data-dir', join(parent, 'data')]);
      assert.equal(code, 1);
      assert.match(output, /data directory .* is not writable/);
    } finally {
      chmodSync(parent, 0o700);
      removeDir(parent);
    }
  },
);

test('a data directory path blocked by a file is reported clearly', async () => {
  const parent = makeTempDir('blocked');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(parent, 'file'), 'x');
  try {
    const { code, output } = await runSkeinToExit(['--data-dir', join(parent, 'file', 'data')]);
    assert.equal(code, 1);
    assert.match(output, /data directory .*file\/data is not writable: .*--data-dir or SKEIN_DATA_DIR/);
  } finally {
    removeDir(parent);
  }
});

test('invalid configuration names the key and the bad value', async () => {
  const config = writeConfig(
    'receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: "nohost"\nstorage:\n  engine: postgres\n  colour: blue\n',
  );
  const { code, output } = await runSkeinToExit(['--config', config]);
  assert.equal(code, 1);
  assert.match(output, /receivers\.otlp\.protocols\.http\.endpoint: expected host:port.*\(got "nohost"\)/);
  assert.match(output, /storage\.engine: .*\(got "postgres"\)/);
  assert.match(output, /storage: unknown key\(s\) "colour"/);
  const badFlag = await runSkeinToExit(['--storage', 'ftp://x']);
  assert.equal(badFlag.code, 1);
  assert.match(badFlag.output, /--storage: unsupported scheme ftp:/);
  const badEnv = await runSkeinToExit([], { SKEIN_QUERY_PORT: 'eighty' });
  assert.equal(badEnv.code, 1);
  assert.match(badEnv.output, /SKEIN_QUERY_PORT: expected a port number, got "eighty"/);
});

test('configuration errors are printed as their message, without a stack trace', async () => {
  const cases: [args: string[], expected: RegExp][] = [
    [['--storage', 'ftp://x'], /--storage: unsupported scheme ftp:/],
    [['--config', writeConfig('storage: [\n')], /config file .*skein\.yaml is not valid YAML/],
    [['loadgen', '--duration', '30'], /--duration: expected a positive duration such as 500ms, 30s, 2m or 1h, got "30"/],
    [['loadgen', '--topology', writeConfig('services: [\n')], /topology file .*skein\.yaml is not valid YAML/],
    [['loadgen', '--topology', writeConfig('services: {}\n')], /invalid topology in .*skein\.yaml:\n {2}/],
  ];
  for (const [args, expected] of cases) {
    const { code, output } = await runSkeinToExit(args);
    assert.equal(code, 1, args.join(' '));
    assert.match(output, expected);
    assert.doesNotMatch(output, /^\s+at /m, `no stack trace for ${args.join(' ')}`);
  }
});

test('one log line per listener, SIGTERM flushes and exits 0, data survives the restart', async () => {
  const dataDir = makeTempDir('restart');
  mkdirSync(dataDir, { recursive: true });
  const first = await startSkein({ dataDir });
  // OTLP gRPC, OTLP HTTP, Zipkin receiver, Zipkin API (same port), query, Tempo, metrics.
  assert.equal(first.logs.filter((l) => /listening on/.test(l)).length, 7);
  assert.ok(first.logs.some((l) => new RegExp(`Zipkin API listening on http://127\\.0\\.0\\.1:${first.ports.zipkin}/api/v2$`).test(l)));
  assert.ok(first.logs.some((l) => /Tempo API listening on http:\/\/127\.0\.0\.1:\d+\/api$/.test(l)));
  assert.ok(first.logs.some((l) => /metrics listening on http:\/\/127\.0\.0\.1:\d+\/metrics$/.test(l)));
  // Remote sampling is on by default (as Jaeger's), on loopback: HTTP, gRPC and /api/sampling on the query port.
  assert.ok(first.ports.sampling > 0 && first.ports.samplingGrpc > 0, first.logs.join('\n'));
  assert.ok(first.logs.some((l) => /sampling strategies \(sample all\) on http:\/\/127\.0\.0\.1:\d+\/sampling$/.test(l)));
  for (const url of [`http://127.0.0.1:${first.ports.sampling}/sampling?service=a`, `${first.queryUrl}/api/sampling?service=a`]) {
    const strategy = await getJson(url);
    assert.equal(strategy.status, 200, url);
    assert.equal(strategy.body.strategyType, 'PROBABILISTIC', url);
  }
  const span = makeSpan();
  const response = await fetch(first.otlpHttpUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(encodeOtlpJsonTraces([span])),
  });
  assert.equal(response.status, 200);
  assert.equal(await first.stop(), 0);
  assert.ok(first.logs.some((l) => l.includes('shut down cleanly')));
  const second = await startSkein({ dataDir });
  try {
    assert.equal((await getJson(`${second.queryUrl}/api/v1/traces/${span.traceId}`)).status, 200);
    assert.equal((await getJson(`${second.queryUrl}/readyz`)).status, 200);
  } finally {
    assert.equal(await second.stop(), 0);
    removeDir(dataDir);
  }
});

test('skein loadgen sends traces to a running Skein and prints a summary', async () => {
  const skein = await startSkein();
  try {
    const { code, output } = await runSkeinToExit([
      'loadgen',
      '--endpoint',
      `http://127.0.0.1:${skein.ports.otlpHttp}`,
      '--traces',
      '20',
      '--rate',
      'max',
      '--seed',
      '7',
    ]);
    assert.equal(code, 0, output);
    assert.match(output, /acknowledged/);
    const { body } = await getJson(`${skein.queryUrl}/api/v1/search?lookback=1h&limit=100`);
    assert.equal(body.traces.length, 20);
    const bad = await runSkeinToExit(['loadgen', '--rate', 'fast']);
    assert.equal(bad.code, 1);
    assert.match(bad.output, /--rate/);
  } finally {
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  }
});
