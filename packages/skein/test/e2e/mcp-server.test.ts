import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { validateConfig } from '../../src/cli/config.js';
import { createLogger } from '../../src/cli/logger.js';
import { startSkein, type RunningSkein } from '../../src/cli/start-skein.js';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { SpanKind, StatusCode, type Span } from '../../src/model/span.js';
import { sha256Hex } from '../security/security-support.js';
import { eventually, makeTempDir, removeDir } from '../support/skein-process.js';
import { makeResource, makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

/**
 * Issue 16, item 5 (MCP): the SDK's own client connects to `/mcp` on the query port over
 * Streamable HTTP, lists the tools and calls each against real data on chDB, with token auth:
 * no credential is refused, and tenant B's token sees nothing of tenant A's.
 */

const TOKENS = { teamA: 'team-a-mcp-token', teamB: 'team-b-mcp-token' };
const MS = 1_000_000n;
const CALL_TIMEOUT_MILLIS = 20_000;
let dir: string;
let skein: RunningSkein;
let base: string;
const slowTrace = randomTraceId();
const fastTrace = randomTraceId();
const clients: Client[] = [];

/** frontend GET /checkout → checkout POST /orders (fails with an exception when slow) → postgres INSERT. */
function checkoutTrace(traceId: string, dbMillis: number, fail: boolean): Span[] {
  const start = BigInt(Date.now() - 120_000) * MS;
  const ids = { root: randomSpanId(), orders: randomSpanId(), db: randomSpanId() };
  const span = (service: string, overrides: Partial<Span>, fromMillis: number, millis: number): Span =>
    makeSpan({
      traceId,
      resource: makeResource(service),
      startTimeUnixNano: start + BigInt(fromMillis) * MS,
      endTimeUnixNano: start + BigInt(fromMillis + millis) * MS,
      attributes: [],
      events: [],
      ...overrides,
    });
  return [
    span('frontend', { spanId: ids.root, name: 'GET /checkout', kind: SpanKind.SERVER }, 0, dbMillis + 30),
    span(
      'checkout',
      {
        spanId: ids.orders,
        parentSpanId: ids.root,
        name: 'POST /orders',
        kind: SpanKind.SERVER,
        status: fail ? { code: StatusCode.ERROR, message: 'order failed' } : { code: StatusCode.UNSET, message: '' },
        events: fail
          ? [
              {
                timeUnixNano: start + 10n * MS,
                name: 'exception',
                attributes: [
                  { key: 'exception.type', value: 'TimeoutError' },
                  { key: 'exception.message', value: 'db pool exhausted' },
                ],
                droppedAttributesCount: 0,
              },
            ]
          : [],
      },
      5,
      dbMillis + 20,
    ),
    span(
      'checkout',
      { parentSpanId: ids.orders, name: 'INSERT orders', kind: SpanKind.CLIENT, attributes: [{ key: 'db.system', value: 'postgresql' }] },
      10,
      dbMillis,
    ),
  ];
}

async function send(token: string, spans: Span[]): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${skein.ports['otlpHttp']}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(encodeOtlpJsonTraces(spans)),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MILLIS),
  });
  assert.equal(response.status, 200, await response.text());
}

async function connect(token: string | undefined): Promise<Client> {
  const client = new Client({ name: 'skein-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    requestInit: { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } },
    fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(CALL_TIMEOUT_MILLIS) }),
  });
  clients.push(client);
  await client.connect(transport, { timeout: CALL_TIMEOUT_MILLIS });
  return client;
}

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<{ isError: boolean; json: any; text: string }> {
  const result = await client.callTool({ name, arguments: args }, undefined, { timeout: CALL_TIMEOUT_MILLIS });
  const text = (result.content as Array<{ type: string; text: string }>)[0]!.text;
  const isError = result.isError === true;
  return { isError, text, json: isError ? undefined : JSON.parse(text) };
}

before(async () => {
  dir = makeTempDir('skein-mcp-');
  const config = validateConfig(
    {
      receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } }, zipkin: null },
      processors: { metrics_tap: { spanmetrics: { metrics_flush_interval: '200ms' } } },
      extensions: { query: { endpoint: '127.0.0.1:0' }, tempo: { endpoint: '127.0.0.1:0' }, sampling: null },
      storage: { data_dir: join(dir, 'data') },
      security: {
        auth: {
          tokens: [
            { name: 'team-a', sha256: sha256Hex(TOKENS.teamA), tenant: 'team-a', roles: ['ingest', 'read'] },
            { name: 'team-b', sha256: sha256Hex(TOKENS.teamB), tenant: 'team-b', roles: ['ingest', 'read'] },
          ],
        },
      },
      service: { telemetry: { metrics: { address: '127.0.0.1:0' } } },
    },
    'test',
  );
  skein = await startSkein(config, 'all-in-one', createLogger({ write: () => undefined }));
  base = `http://127.0.0.1:${skein.ports['query']}`;
  assert.deepEqual(Object.keys(skein.ports).sort(), ['metrics', 'otlpHttp', 'query', 'tempo']);
  await send(TOKENS.teamA, [...checkoutTrace(slowTrace, 400, true), ...checkoutTrace(fastTrace, 20, false)]);
  await send(TOKENS.teamB, [makeSpan({ resource: makeResource('b-secret-service'), startTimeUnixNano: BigInt(Date.now() - 60_000) * MS })]);
});

after(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  await skein?.stop();
  if (dir) removeDir(dir);
});

test('without a credential /mcp answers 401, as every query route', async () => {
  const response = await fetch(`${base}/mcp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MILLIS),
  });
  assert.equal(response.status, 401);
  await assert.rejects(connect(undefined));
});

test('the SDK client lists the tools, each with a description and described arguments', async () => {
  const client = await connect(TOKENS.teamA);
  const { tools } = await client.listTools(undefined, { timeout: CALL_TIMEOUT_MILLIS });
  assert.deepEqual(tools.map((tool) => tool.name).sort(), [
    'compare_traces',
    'find_latency_changes',
    'get_dependencies',
    'get_red_metrics',
    'get_trace',
    'list_operations',
    'list_services',
    'query_metrics',
    'rank_attributes',
    'search_traces',
  ]);
  for (const tool of tools) {
    assert.ok((tool.description ?? '').length > 40, tool.name);
    for (const [key, schema] of Object.entries((tool.inputSchema.properties ?? {}) as Record<string, { description?: string }>))
      assert.ok((schema.description ?? '').length > 10, `${tool.name}.${key} has no description`);
  }
  assert.match(client.getInstructions() ?? '', /search_traces/);
  const { prompts } = await client.listPrompts(undefined, { timeout: CALL_TIMEOUT_MILLIS });
  assert.deepEqual(
    prompts.map((prompt) => prompt.name),
    ['investigate_service'],
  );
  const prompt = await client.getPrompt(
    { name: 'investigate_service', arguments: { service: 'checkout' } },
    { timeout: CALL_TIMEOUT_MILLIS },
  );
  assert.match((prompt.messages[0]!.content as { text: string }).text, /get_red_metrics with service="checkout"/);
  assert.match((prompt.messages[0]!.content as { text: string }).text, /find_latency_changes with service="checkout"/);
});

test("every tool answers from tenant A's data", async () => {
  const client = await connect(TOKENS.teamA);
  assert.deepEqual((await call(client, 'list_services')).json, { services: ['checkout', 'frontend'] });
  const operations = (await call(client, 'list_operations', { service: 'checkout' })).json;
  assert.deepEqual(operations.operations, [
    { name: 'INSERT orders', spanKind: 'CLIENT' },
    { name: 'POST /orders', spanKind: 'SERVER' },
  ]);

  const byFilter = (await call(client, 'search_traces', { service: 'checkout', errorsOnly: true, lookback: '1h' })).json;
  assert.deepEqual(
    byFilter.traces.map((t: any) => [t.traceId, t.rootService, t.rootOperation, t.errorCount]),
    [[slowTrace, 'frontend', 'GET /checkout', 1]],
  );
  const byTraceQL = (await call(client, 'search_traces', { traceql: '{ span.db.system = "postgresql" && duration > 100ms }' })).json;
  assert.deepEqual(
    byTraceQL.traces.map((t: any) => t.traceId),
    [slowTrace],
  );
  const both = await call(client, 'search_traces', { traceql: '{ }', service: 'checkout' });
  assert.equal(both.isError, true);
  assert.match(both.text, /either traceql or the simple filters/);
  const badQuery = await call(client, 'search_traces', { traceql: '{ duration > }' });
  assert.equal(badQuery.isError, true);

  const digest = (await call(client, 'get_trace', { traceId: slowTrace })).json;
  assert.equal(digest.rootService, 'frontend');
  assert.equal(digest.rootOperation, 'GET /checkout');
  assert.equal(digest.spanCount, 3);
  assert.equal(digest.durationMillis, 430);
  assert.deepEqual({ depth: digest.shape.depth, maxChildren: digest.shape.maxChildren }, { depth: 3, maxChildren: 1 });
  assert.deepEqual(
    digest.criticalPath.map((step: any) => [step.operation, step.criticalMillis]),
    [
      ['GET /checkout', 10],
      ['POST /orders', 20],
      ['INSERT orders', 400],
    ],
  );
  assert.deepEqual(
    { operation: digest.bottleneck.operation, share: digest.bottleneck.shareOfTrace },
    { operation: 'INSERT orders', share: 0.93 },
  );
  assert.deepEqual(digest.errors, [
    {
      spanId: digest.errors[0].spanId,
      service: 'checkout',
      operation: 'POST /orders',
      statusMessage: 'order failed',
      exception: 'TimeoutError: db pool exhausted',
    },
  ]);
  const paged = (await call(client, 'get_trace', { traceId: slowTrace, includeSpans: true, pageSize: 10 })).json;
  assert.deepEqual(paged.spans.pages, 1);
  assert.equal(paged.spans.rows.length, 3);
  assert.match(
    paged.spans.rows[1],
    /^ {2}checkout: POST \/orders \[SERVER\] \+5ms 420ms ERROR "order failed" exception="TimeoutError: db pool exhausted" #/,
  );
  const past = await call(client, 'get_trace', { traceId: slowTrace, includeSpans: true, page: 2, pageSize: 10 });
  assert.match(past.text, /past the last page, 1/);
  const unknown = await call(client, 'get_trace', { traceId: randomTraceId() });
  assert.equal(unknown.isError, true);
  assert.match(unknown.text, /not found/);

  const comparison = (await call(client, 'compare_traces', { traceIdA: fastTrace, traceIdB: slowTrace })).json;
  // The analysis' diff (trace-diff.ts): the 380 ms are attributed to the INSERT's self time, not to its waiting parents.
  const ordersPath = 'frontend: GET /checkout > checkout: POST /orders';
  assert.deepEqual(comparison.paths, [
    {
      path: `${ordersPath} > checkout: INSERT orders`,
      change: 'slower',
      countA: 1,
      countB: 1,
      selfMillisA: 20,
      selfMillisB: 400,
      totalMillisA: 20,
      totalMillisB: 400,
      deltaSelfMillis: 380,
      errorsA: 0,
      errorsB: 0,
    },
    {
      path: ordersPath,
      change: 'same',
      countA: 1,
      countB: 1,
      selfMillisA: 20,
      selfMillisB: 20,
      totalMillisA: 40,
      totalMillisB: 420,
      deltaSelfMillis: 0,
      errorsA: 0,
      errorsB: 1,
    },
  ]);
  assert.deepEqual(
    [comparison.a.errors, comparison.b.errors, comparison.deltaMillis, comparison.unchanged, comparison.omitted],
    [0, 1, 380, 1, 0],
  );

  const dependencies = (await call(client, 'get_dependencies', { lookback: '1h' })).json;
  assert.deepEqual(
    dependencies.dependencies.map((d: any) => [d.parentService, d.childService, d.callCount]),
    [['frontend', 'checkout', 2]],
  );
  const metrics = (await call(client, 'query_metrics', { query: '{ resource.service.name = "checkout" } | count_over_time() by (name)' }))
    .json;
  assert.deepEqual(metrics.series.map((s: any) => [s.labels.name, s.value]).sort(), [
    ['INSERT orders', 2],
    ['POST /orders', 2],
  ]);
  // RED numbers come from the metrics tap's per-minute rows, flushed every 200 ms here.
  const red = await eventually(
    async () => {
      const rows = (await call(client, 'get_red_metrics', { service: 'checkout', lookback: '10m' })).json.rows;
      return rows.length > 0 ? rows : undefined;
    },
    15_000,
    'RED rows of checkout',
  );
  assert.deepEqual(
    red.map((row: any) => [row.service, row.operation, row.calls, row.errors]),
    [['checkout', 'POST /orders', 2, 1]],
  );
  const badLookback = await call(client, 'get_red_metrics', { lookback: 'an hour' });
  assert.equal(badLookback.isError, true);
  assert.match(badLookback.text, /lookback "an hour" is not a duration/);
  // Two requests are no latency series: nothing changed (test/analysis/latency-change-api.test.ts has the jumps).
  assert.deepEqual((await call(client, 'find_latency_changes', { service: 'checkout', lookback: '30m' })).json, { changes: [] });
  const badRatio = await call(client, 'find_latency_changes', { minRatio: 1 });
  assert.equal(badRatio.isError, true);
  assert.match(badRatio.text, /minRatio/);
  // The ranking route's code: two slow spans against two fast ones is too little support for a cause.
  const ranking = (await call(client, 'rank_attributes', { service: 'checkout', selectionMinDuration: '300ms' })).json;
  assert.equal(ranking.selection.spans, 2);
  assert.equal(ranking.baseline.spans, 2);
  assert.ok(Array.isArray(ranking.attributes) && ranking.attributes.length > 0);
  assert.equal(ranking.attributes.filter((a: any) => a.significant).length, 0);
  const noSelection = await call(client, 'rank_attributes', { service: 'checkout' });
  assert.equal(noSelection.isError, true);
  assert.match(noSelection.text, /needs a selection/);
});

test("tenant B's token sees none of tenant A's data through MCP", async () => {
  const client = await connect(TOKENS.teamB);
  assert.deepEqual((await call(client, 'list_services')).json, { services: ['b-secret-service'] });
  assert.deepEqual((await call(client, 'search_traces', { service: 'checkout' })).json.traces, []);
  assert.deepEqual((await call(client, 'search_traces', { traceql: '{ }' })).json.traces.length, 1);
  const theirs = await call(client, 'get_trace', { traceId: slowTrace });
  assert.equal(theirs.isError, true);
  assert.match(theirs.text, /not found/);
  assert.deepEqual((await call(client, 'get_dependencies')).json.dependencies, []);
  assert.deepEqual(
    (await call(client, 'query_metrics', { query: '{ resource.service.name = "checkout" } | count_over_time()' })).json.series,
    [],
  );
  const ranking = (await call(client, 'rank_attributes', { service: 'checkout', selectionErrors: true })).json;
  assert.deepEqual([ranking.selection.spans, ranking.baseline.spans], [0, 0]);
});

test('GET /mcp (the server-to-client stream) is 405: the server is stateless', async () => {
  const response = await fetch(`${base}/mcp`, {
    headers: { Authorization: `Bearer ${TOKENS.teamA}`, Accept: 'text/event-stream' },
    signal: AbortSignal.timeout(CALL_TIMEOUT_MILLIS),
  });
  assert.equal(response.status, 405);
  assert.equal(response.headers.get('allow'), 'POST');
});
