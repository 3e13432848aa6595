import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, dirname } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { SpanKind, StatusCode, type Span } from '../../src/model/span.js';
import { eventually, makeTempDir, removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { makeResource, makeSpan, randomTraceId } from '../support/span-factory.js';

/**
 * Issue 16, item 5 (alerts): a load whose latency the test switches (the fault), a rule on its
 * p99 evaluated every 200 ms; the alert goes pending → firing with both notifiers called (one
 * failing once, so retried; one refusing, so dead-lettered), carries exemplar trace links and the
 * exception; resolves when the fault stops; a restart (kill -9) while firing sends nothing again.
 * Real Skein processes on chDB, a real HTTP server receiving the webhooks.
 */

const MS = 1_000_000n;
const HTTP_TIMEOUT_MILLIS = 10_000;
const dataDir = makeTempDir('alerts-data');
let skein: SkeinProcess | undefined;
let receiver: Server;
let receiverUrl: string;
let configFile: string;
const received: Array<{ path: string; body: any; atMs: number }> = [];
let hookAttempts = 0;
let slow = false;
let loadTimer: NodeJS.Timeout | undefined;
const slowTraceIds = new Set<string>();

async function http(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${skein!.queryUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MILLIS),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/**
 * Three checkout requests: while the fault is on, 400 ms each with an exception, all on pod
 * replica-3 (the attribute the ranking must name); else 10 ms, spread over replica-1 and replica-2.
 */
async function sendLoad(): Promise<void> {
  const now = BigInt(Date.now()) * MS;
  const spans: Span[] = [];
  for (let i = 0; i < 3; i++) {
    const traceId = randomTraceId();
    const millis = slow ? 400n : 10n;
    if (slow) slowTraceIds.add(traceId);
    spans.push(
      makeSpan({
        traceId,
        resource: makeResource('checkout'),
        name: 'POST /orders',
        kind: SpanKind.SERVER,
        startTimeUnixNano: now - millis * MS,
        endTimeUnixNano: now,
        attributes: [{ key: 'k8s.pod.name', value: slow ? 'replica-3' : `replica-${1 + (i % 2)}` }],
        status: slow ? { code: StatusCode.ERROR, message: 'timeout' } : { code: StatusCode.UNSET, message: '' },
        events: slow
          ? [
              {
                timeUnixNano: now - MS,
                name: 'exception',
                attributes: [
                  { key: 'exception.type', value: 'TimeoutError' },
                  { key: 'exception.message', value: 'injected latency' },
                ],
                droppedAttributesCount: 0,
              },
            ]
          : [],
      }),
    );
  }
  await fetch(skein!.otlpHttpUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(encodeOtlpJsonTraces(spans)),
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MILLIS),
  }).then(
    (response) => response.arrayBuffer(),
    () => undefined, // between a kill and a restart the receiver is gone: the next tick sends again
  );
}

function startLoad(): void {
  const tick = (): void => {
    void sendLoad().finally(() => {
      if (loadTimer !== undefined) loadTimer = setTimeout(tick, 100);
    });
  };
  loadTimer = setTimeout(tick, 0);
}

function stopLoad(): void {
  clearTimeout(loadTimer);
  loadTimer = undefined;
}

const CONFIG = (port: number): string => `
extensions:
  query:
    alerts:
      evaluation_interval: 200ms
      lease_duration: 1s
      external_url: http://skein.example:16686
      notifiers:
        - { name: am, type: alertmanager, url: http://127.0.0.1:${port}/am/api/v2/alerts }
        - name: hook
          type: webhook
          url: http://127.0.0.1:${port}/hook
          headers: { X-Token: secret }
          retry_on_failure: { initial_interval: 50ms, max_interval: 100ms, max_elapsed_time: 2s }
        - name: broken
          type: webhook
          url: http://127.0.0.1:${port}/broken
          retry_on_failure: { initial_interval: 50ms, max_interval: 100ms, max_elapsed_time: 1s }
      rules:
        - id: checkout-p99
          name: checkout p99 above 300ms
          query: '{ resource.service.name = "checkout" && kind = server } | quantile_over_time(duration, 0.99)'
          threshold: 0.3
          for: 600ms
          window: 1500ms
          labels: { severity: page }
          description: checkout answers slowly
`;

before(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      if (path === '/broken') return void response.writeHead(400).end('no');
      if (path === '/hook') {
        hookAttempts++;
        assert.equal(request.headers['x-token'], 'secret');
        // The first delivery fails: the notifier must retry it.
        if (hookAttempts === 1) return void response.writeHead(503).end('busy');
      }
      received.push({ path, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), atMs: Date.now() });
      response.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  configFile = writeConfig(CONFIG((receiver.address() as AddressInfo).port));
  skein = await startSkein({ dataDir, args: ['--config', configFile] });
});

after(async () => {
  stopLoad();
  await skein?.kill();
  await new Promise((done) => receiver?.close(done));
  removeDir(dataDir);
  rmSync(dirname(configFile), { recursive: true, force: true });
});

const notices = (path: string, status: string): Array<{ body: any; atMs: number }> =>
  received.filter(
    (r) =>
      r.path === path &&
      (path === '/hook' ? r.body.status === status : status === (r.body[0].endsAt === undefined ? 'firing' : 'resolved')),
  );

test('the alerts API validates rules with errors naming key and value, and creates, lists, updates, silences and deletes them', async () => {
  const bad = await http('POST', '/api/v1/alerts/rules', { name: '', query: '{ } | nope()', threshold: 'high', window: '2h', extra: 1 });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'bad_parameter');
  for (const part of [
    /name: must not be empty/,
    /query: "\{ \} \| nope\(\)" is not a TraceQL metrics query/,
    /threshold: expected a number \(got "high"\)/,
    /window: must be between 1ms and 60m \(got "2h"\)/,
    /Unrecognized key: "extra"|unrecognized/i,
  ])
    assert.match(bad.body.error.message, part);
  assert.equal((await http('POST', '/api/v1/alerts/rules', '{ nope')).status, 400);
  const unknownNotifier = await http('POST', '/api/v1/alerts/rules', {
    name: 'x',
    query: '{ } | rate()',
    threshold: 1,
    notifiers: ['pager'],
  });
  assert.match(unknownNotifier.body.error.message, /notifiers: no notifier named "pager"/);

  const created = await http('POST', '/api/v1/alerts/rules', {
    id: 'errors',
    name: 'errors in checkout',
    query: '{ resource.service.name = "checkout" && status = error } | count_over_time()',
    threshold: 1000,
    window: '1s',
    notifiers: ['hook'],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(
    [created.body.id, created.body.source, created.body.state, created.body.op, created.body.for, created.body.window],
    ['errors', 'api', 'inactive', '>', 0, 1000],
  );
  assert.equal(
    (await http('POST', '/api/v1/alerts/rules', { id: 'errors', name: 'again', query: '{ } | rate()', threshold: 1 })).status,
    409,
  );
  const list = await http('GET', '/api/v1/alerts/rules');
  assert.deepEqual(
    list.body.rules.map((r: any) => [r.id, r.source]),
    [
      ['checkout-p99', 'config'],
      ['errors', 'api'],
    ],
  );
  const updated = await http('PUT', '/api/v1/alerts/rules/errors', {
    name: 'errors in checkout',
    query: '{ status = error } | count_over_time()',
    threshold: 2000,
    window: '1s',
    notifiers: ['hook'],
  });
  assert.equal(updated.status, 200);
  assert.equal((await http('GET', '/api/v1/alerts/rules/errors')).body.threshold, 2000);
  const configRule = await http('PUT', '/api/v1/alerts/rules/checkout-p99', { name: 'x', query: '{ } | rate()', threshold: 1 });
  assert.equal(configRule.status, 409);
  assert.match(configRule.body.error.message, /defined in the config file/);
  assert.equal((await http('DELETE', '/api/v1/alerts/rules/checkout-p99')).status, 409);

  const silence = await http('POST', '/api/v1/alerts/rules/errors/silence', { for: '1h' });
  assert.equal(silence.status, 200);
  assert.ok(Date.parse(silence.body.silencedUntil) > Date.now() + 3_500_000);
  assert.match((await http('POST', '/api/v1/alerts/rules/errors/silence', { for: 'soon' })).body.error.message, /for: expected a duration/);
  assert.notEqual((await http('GET', '/api/v1/alerts/rules/errors')).body.silencedUntil, null);
  assert.equal((await http('DELETE', '/api/v1/alerts/rules/errors/silence')).body.silencedUntil, null);
  assert.equal((await http('DELETE', '/api/v1/alerts/rules/errors')).status, 204);
  assert.equal((await http('GET', '/api/v1/alerts/rules/errors')).status, 404);
  assert.equal((await http('GET', '/api/v1/alerts/rules/nope/history')).status, 404);
});

test('shaped latency fires the alert with evidence, both notifiers receive it (retried, dead-lettered), and it resolves', async () => {
  // A second of normal load first: the spans the ranking compares the slow ones with.
  startLoad();
  await new Promise((done) => setTimeout(done, 1_000));
  slow = true;
  const firing = await eventually(async () => notices('/hook', 'firing')[0], 15_000, 'the firing webhook');
  assert.ok(hookAttempts >= 2, 'the first delivery failed with 503 and was retried');
  const body = firing.body;
  assert.deepEqual(
    [body.version, body.status, body.tenant, body.rule.id, body.rule.threshold, body.rule.op],
    ['1', 'firing', 'single-tenant', 'checkout-p99', 0.3, '>'],
  );
  assert.ok(body.value >= 0.3, String(body.value));
  assert.ok(body.exemplars.length > 0);
  for (const exemplar of body.exemplars) {
    assert.ok(slowTraceIds.has(exemplar.traceId), 'an exemplar is one of the slow traces');
    assert.equal(exemplar.url, `http://skein.example:16686/trace/${exemplar.traceId}`);
  }
  assert.equal(body.exception, 'TimeoutError: injected latency');
  // The top distinguishing attribute of the spans above 0.3 s (the analysis' ranking).
  assert.equal(body.topAttributeReason, undefined);
  assert.deepEqual(
    [body.topAttribute.attribute, body.topAttribute.value, body.topAttribute.selectionShare],
    ['span.k8s.pod.name', 'replica-3', 1],
  );
  assert.equal(body.topAttribute.baselineShare, 0);
  assert.ok(body.topAttribute.baselineSpans >= 5, JSON.stringify(body.topAttribute));
  assert.equal(body.url, 'http://skein.example:16686/alerts?rule=checkout-p99');

  const am = await eventually(async () => notices('/am/api/v2/alerts', 'firing')[0], 5_000, 'the Alertmanager POST');
  assert.equal(am.body.length, 1);
  const alert = am.body[0];
  assert.deepEqual(alert.labels, {
    severity: 'page',
    alertname: 'checkout p99 above 300ms',
    skein_rule_id: 'checkout-p99',
    tenant: 'single-tenant',
  });
  assert.equal(alert.annotations.exception, 'TimeoutError: injected latency');
  assert.match(
    alert.annotations.top_attribute,
    /^span\.k8s\.pod\.name = "replica-3" \(100% of offending spans, 0% of others; spans at or above 0\.3s/,
  );
  assert.equal(alert.annotations.description, 'checkout answers slowly');
  assert.match(alert.annotations.exemplar_traces, /^http:\/\/skein\.example:16686\/trace\/[0-9a-f]{32}/);
  assert.ok(Date.parse(alert.startsAt) <= firing.atMs);
  assert.equal(alert.generatorURL, 'http://skein.example:16686/alerts?rule=checkout-p99');

  const state = (await http('GET', '/api/v1/alerts/rules/checkout-p99')).body;
  assert.equal(state.state, 'firing');
  const chart = (await http('GET', '/api/v1/alerts/rules/checkout-p99/chart?lookback=30s')).body;
  assert.deepEqual([chart.threshold, chart.op, chart.stepMillis], [0.3, '>', 1500]);
  assert.ok(chart.series[0].points.some(([, value]: [number, number]) => value > 0.3));

  slow = false;
  const resolved = await eventually(async () => notices('/hook', 'resolved')[0], 15_000, 'the resolved webhook');
  assert.equal(resolved.body.activeSince, body.activeSince);
  assert.ok(!('topAttribute' in resolved.body), 'the ranking explains a firing alert only');
  const amResolved = await eventually(async () => notices('/am/api/v2/alerts', 'resolved')[0], 5_000, 'the resolved Alertmanager POST');
  assert.ok(Date.parse(amResolved.body[0].endsAt) >= Date.parse(amResolved.body[0].startsAt));
  assert.equal(notices('/hook', 'firing').length, 1, 'one firing notification, however many rounds it fired');

  const history = (await http('GET', '/api/v1/alerts/rules/checkout-p99/history')).body.history;
  assert.deepEqual(history.map((event: any) => event.state).reverse(), ['pending', 'firing', 'resolved']);
  // The broken notifier refused (400, not retried) every notification: each is in the dead-letter log.
  const deadLetters = await eventually(
    async () => {
      const file = join(dataDir, 'collector-state', 'alerts-dead-letter.jsonl');
      const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
      return lines.length >= 2 ? lines.map((line) => JSON.parse(line)) : undefined;
    },
    5_000,
    'two dead letters',
  );
  assert.deepEqual(
    deadLetters.map((letter: any) => [letter.notifier, letter.reason, letter.payload.status]),
    [
      ['broken', 'failure: HTTP 400', 'firing'],
      ['broken', 'failure: HTTP 400', 'resolved'],
    ],
  );
});

test('a restart (kill -9) while firing does not notify again, and the new process resolves it', async () => {
  slow = true;
  await eventually(async () => (notices('/hook', 'firing').length === 2 ? true : undefined), 15_000, 'the second firing');
  assert.equal((await http('GET', '/api/v1/alerts/rules/checkout-p99')).body.state, 'firing');
  await skein!.kill();
  skein = await startSkein({ dataDir, args: ['--config', configFile] });
  // The killed evaluator's lease (1 s) expires, the new one takes over and evaluates while the fault goes on.
  await new Promise((done) => setTimeout(done, 2_500));
  const state = (await http('GET', '/api/v1/alerts/rules/checkout-p99')).body;
  assert.equal(state.state, 'firing');
  assert.equal(notices('/hook', 'firing').length, 2, 'no new firing notification after the restart');
  assert.equal(notices('/am/api/v2/alerts', 'firing').length, 2);
  slow = false;
  await eventually(
    async () => (notices('/hook', 'resolved').length === 2 ? true : undefined),
    15_000,
    'the resolved webhook from the new process',
  );
  stopLoad();
  assert.equal(received.filter((r) => r.path === '/hook').length, 4);
  void receiverUrl;
});
