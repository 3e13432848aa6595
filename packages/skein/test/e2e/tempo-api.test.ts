/**
 * The Tempo HTTP API over real HTTP against a real Skein, on both storage engines (issue 11,
 * items 4 and 7): every route, with the requests Grafana's Tempo data source sends. The request
 * shapes below are facts read from Grafana's public source (pkg/tsdb/tempo trace.go and
 * traceql_query.go, public/app/plugins/datasource/tempo datasource.ts and language_provider.ts);
 * none of its code is used.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOtlpProtoTraces } from '../../src/model/otlp-proto-decode.js';
import { encodeOtlpProtoTraces } from '../../src/model/otlp-proto-encode.js';
import type { Span } from '../../src/model/span.js';
import { removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';
import { makeResource, makeSpan, randomSpanId } from '../support/span-factory.js';
import { storageTargets } from '../support/storage-targets.js';

const MS = 1_000_000n;
const SECOND = 1000n * MS;
/** A 30-minute boundary 30–60 minutes ago: metrics slots are aligned to the step, as Tempo aligns them. */
const T0 = ((BigInt(Date.now()) * MS) / (1800n * SECOND) - 1n) * 1800n * SECOND;
const T0_SECONDS = Number(T0 / SECOND);

const checkout = makeResource('checkout', [{ key: 'deployment.environment', value: 'prod' }]);
const db = makeResource('db');
const payments = makeResource('payments');
const frontend = makeResource('frontend', [{ key: 'deployment.environment', value: 'staging' }]);
// Trace IDs with leading zeros: Tempo's search answers them without.
const traceA = '00000000000000000a1b2c3d4e5f6071';
const traceB = '0bcdef0123456789abcdef0123456789';
const traceC = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const rootA = randomSpanId();
const rootB = randomSpanId();

function span(overrides: Partial<Span> & { startOffsetMs: bigint; durationMs: bigint }): Span {
  const { startOffsetMs, durationMs, ...rest } = overrides;
  const start = T0 + startOffsetMs * MS;
  return makeSpan({ ...rest, startTimeUnixNano: start, endTimeUnixNano: start + durationMs * MS });
}

const SPANS: Span[] = [
  span({
    traceId: traceA,
    spanId: rootA,
    name: 'GET /cart',
    kind: 2,
    resource: checkout,
    startOffsetMs: 10_000n,
    durationMs: 100n,
    attributes: [
      { key: 'http.method', value: 'GET' },
      { key: 'http.status_code', value: 200n },
    ],
  }),
  span({
    traceId: traceA,
    parentSpanId: rootA,
    name: 'SELECT',
    kind: 3,
    resource: db,
    startOffsetMs: 10_005n,
    durationMs: 40n,
    attributes: [{ key: 'db.system', value: 'postgres' }],
  }),
  span({
    traceId: traceB,
    spanId: rootB,
    name: 'POST /pay',
    kind: 2,
    resource: checkout,
    startOffsetMs: 70_000n,
    durationMs: 300n,
    status: { code: 2, message: 'payment failed' },
    attributes: [
      { key: 'http.method', value: 'POST' },
      { key: 'http.status_code', value: 500n },
    ],
  }),
  span({
    traceId: traceB,
    parentSpanId: rootB,
    name: 'charge',
    kind: 3,
    resource: payments,
    startOffsetMs: 70_010n,
    durationMs: 250n,
    status: { code: 2, message: 'card declined' },
    attributes: [],
  }),
  span({
    traceId: traceC,
    name: 'GET /',
    kind: 2,
    resource: frontend,
    startOffsetMs: 130_000n,
    durationMs: 50n,
    attributes: [{ key: 'http.method', value: 'GET' }],
  }),
];

async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; text: string; bytes: Uint8Array; json: any }> {
  const response = await fetch(url, { headers });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const text = Buffer.from(bytes).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, type: response.headers.get('content-type') ?? '', text, bytes, json };
}

/** A 200 JSON answer, or a failure showing what came instead. */
async function getOk(url: string, headers: Record<string, string> = {}): Promise<any> {
  const response = await get(url, headers);
  assert.equal(response.status, 200, `${url}: ${response.text}`);
  return response.json;
}

/** `?a=b&…` as Go's url.Values.Encode and Grafana's request helpers write it. */
function query(params: Record<string, string | number>): string {
  return `?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()}`;
}

for (const target of storageTargets()) {
  describe(`Tempo API (${target.name})`, { skip: target.skip }, () => {
    let skein: SkeinProcess;
    let tempo: string;

    before(async () => {
      const { args } = await target.start();
      skein = await startSkein({ args, timeoutMillis: 60_000 });
      tempo = skein.tempoUrl;
      const response = await fetch(skein.otlpHttpUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-protobuf' },
        body: encodeOtlpProtoTraces(SPANS),
      });
      assert.equal(response.status, 200);
    });

    after(async () => {
      await skein?.stop();
      if (skein) removeDir(skein.dataDir);
      await target.stop();
    });

    test('echo, ready, build info', async () => {
      const echo = await get(`${tempo}/api/echo`);
      assert.deepEqual([echo.status, echo.text, echo.type], [200, 'echo', 'text/plain; charset=utf-8']);
      const ready = await get(`${tempo}/ready`);
      assert.deepEqual([ready.status, ready.text], [200, 'ready']);
      const info = await get(`${tempo}/api/status/buildinfo`);
      assert.equal(info.status, 200);
      assert.deepEqual(Object.keys(info.json), ['version', 'revision', 'branch', 'buildDate', 'buildUser', 'goVersion']);
      assert.match(info.json.version, /^\d+\.\d+\.\d+/);
      const missing = await get(`${tempo}/api/nothing`);
      assert.equal(missing.status, 404);
      assert.match(missing.type, /^text\/plain/);
    });

    test('trace by ID, v2 then v1, protobuf as Grafana asks (Accept: application/protobuf, start/end seconds)', async () => {
      const window = query({ start: T0_SECONDS - 3600, end: T0_SECONDS + 3600 });
      const v2 = await get(`${tempo}/api/v2/traces/${traceB}${window}`, { Accept: 'application/protobuf' });
      assert.equal(v2.status, 200);
      assert.equal(v2.type, 'application/protobuf');
      // TraceByIDResponse: field 1 (trace) holds a Trace, the OTLP request layout.
      assert.equal(v2.bytes[0], 0x0a);
      let length = 0;
      let at = 1;
      for (let shift = 0; ; shift += 7) {
        const byte = v2.bytes[at++]!;
        length += (byte & 0x7f) * 2 ** shift;
        if (byte < 0x80) break;
      }
      assert.equal(at + length, v2.bytes.length, 'nothing but the trace field');
      const inner = v2.bytes.subarray(at);
      const spans = decodeOtlpProtoTraces(inner);
      assert.deepEqual(spans.map((s) => s.name).sort(), ['POST /pay', 'charge']);
      assert.deepEqual(
        spans.find((s) => s.name === 'charge'),
        SPANS.find((s) => s.name === 'charge'),
        'the span round-trips exactly',
      );

      const v1 = await get(`${tempo}/api/traces/${traceB}${window}`, { Accept: 'application/protobuf' });
      assert.equal(v1.status, 200);
      assert.deepEqual(Buffer.from(v1.bytes), Buffer.from(inner), 'v1 is the bare Trace message');
    });

    test('trace by ID in JSON: Tempo’s jsonpb shape (base64 IDs, enum names, batches in v1, trace in v2)', async () => {
      const v1 = await get(`${tempo}/api/traces/${traceA}`);
      assert.equal(v1.status, 200);
      assert.equal(v1.type, 'application/json');
      assert.deepEqual(Object.keys(v1.json), ['batches']);
      const root = v1.json.batches
        .flatMap((batch: any) => batch.scopeSpans.flatMap((scope: any) => scope.spans))
        .find((s: any) => s.name === 'GET /cart');
      assert.deepEqual(root, {
        traceId: Buffer.from(traceA, 'hex').toString('base64'),
        spanId: Buffer.from(rootA, 'hex').toString('base64'),
        flags: 1,
        name: 'GET /cart',
        kind: 'SPAN_KIND_SERVER',
        startTimeUnixNano: (T0 + 10_000n * MS).toString(),
        endTimeUnixNano: (T0 + 10_100n * MS).toString(),
        attributes: [
          { key: 'http.method', value: { stringValue: 'GET' } },
          { key: 'http.status_code', value: { intValue: '200' } },
        ],
        status: {},
      });
      const batch = v1.json.batches.find((b: any) => b.resource.attributes[0].value.stringValue === 'checkout');
      assert.deepEqual(batch.scopeSpans[0].scope, { name: 'test-scope', version: '1.0.0' });

      const v2 = await get(`${tempo}/api/v2/traces/${traceB}`, { Accept: 'application/json' });
      assert.deepEqual(Object.keys(v2.json), ['trace']);
      const error = v2.json.trace.resourceSpans.flatMap((b: any) => b.scopeSpans[0].spans).find((s: any) => s.name === 'charge');
      assert.deepEqual(error.status, { message: 'card declined', code: 'STATUS_CODE_ERROR' });
      assert.equal(error.kind, 'SPAN_KIND_CLIENT');
      assert.equal(error.parentSpanId, Buffer.from(rootB, 'hex').toString('base64'));
    });

    test('trace by ID errors: 404 unknown (also Grafana’s "0" probe), 400 bad ID or window, as plain text', async () => {
      for (const path of ['/api/v2/traces/0123456789abcdef0123456789abcdef', '/api/traces/0123456789abcdef', '/api/v2/traces/0']) {
        const response = await get(`${tempo}${path}`, { Accept: 'application/protobuf' });
        assert.equal(response.status, 404, path);
        assert.match(response.type, /^text\/plain/);
      }
      const bad = await get(`${tempo}/api/v2/traces/not-hex`);
      assert.equal(bad.status, 400);
      assert.match(bad.text, /invalid trace ID "not-hex"/);
      const window = await get(`${tempo}/api/traces/${traceA}?start=200&end=100`);
      assert.equal(window.status, 400);
      assert.match(window.text, /start must be before end/);
      assert.equal((await get(`${tempo}/api/traces/${traceA}?start=yesterday`)).status, 400);
    });

    test('tag search: logfmt tags, durations, limit; Tempo’s SearchResponse shape', async () => {
      const window = { start: T0_SECONDS - 60, end: T0_SECONDS + 600 };
      const byService = await get(`${tempo}/api/search${query({ tags: 'service.name=checkout', limit: 20, ...window })}`);
      assert.equal(byService.status, 200);
      assert.deepEqual(
        byService.json.traces.map((t: any) => t.traceID),
        [traceB.replace(/^0+/, ''), traceA.replace(/^0+/, '')],
        'newest first, leading zeros trimmed',
      );
      assert.deepEqual(byService.json.traces[0], {
        traceID: traceB.replace(/^0+/, ''),
        rootServiceName: 'checkout',
        rootTraceName: 'POST /pay',
        startTimeUnixNano: (T0 + 70_000n * MS).toString(),
        durationMs: 300,
        serviceStats: { checkout: { spanCount: 1 }, payments: { spanCount: 1 } },
      });
      const quoted = await get(`${tempo}/api/search${query({ tags: 'http.method="POST" service.name=checkout', ...window })}`);
      assert.deepEqual(
        quoted.json.traces.map((t: any) => t.rootTraceName),
        ['POST /pay'],
      );
      const slow = await get(`${tempo}/api/search${query({ tags: 'service.name=checkout', minDuration: '200ms', ...window })}`);
      assert.deepEqual(
        slow.json.traces.map((t: any) => t.rootTraceName),
        ['POST /pay'],
      );
      const fast = await get(`${tempo}/api/search${query({ maxDuration: '100ms', ...window })}`);
      assert.deepEqual(
        fast.json.traces.map((t: any) => t.rootTraceName),
        ['GET /', 'GET /cart'],
      );
      const one = await get(`${tempo}/api/search${query({ limit: 1, ...window })}`);
      assert.equal(one.json.traces.length, 1);
      const errors = await get(`${tempo}/api/search${query({ tags: 'status.code=error', ...window })}`);
      assert.deepEqual(
        errors.json.traces.map((t: any) => t.rootTraceName),
        ['POST /pay'],
      );

      for (const [params, message] of [
        [{ limit: 0 }, /invalid limit: must be a positive number/],
        [{ start: 'x' }, /invalid start/],
        [{ start: 200, end: 100 }, /start must be before end/],
        [{ minDuration: 'soon' }, /invalid minDuration/],
        [{ minDuration: '2s', maxDuration: '1s' }, /invalid maxDuration: must be greater than minDuration/],
        [{ tags: 'a="unterminated' }, /invalid tags: unterminated quoted value/],
        [{ tags: 'a=1 a=2' }, /invalid tags: tag a has been set twice/],
        [{ tags: 'a=1', q: '{}' }, /can't specify tags and q in the same query/],
      ] as const) {
        const response = await get(`${tempo}/api/search${query(params)}`);
        assert.equal(response.status, 400, JSON.stringify(params));
        assert.match(response.text, message);
      }
    });

    test('TraceQL search as Grafana sends it (q, limit=20, spss=3, start/end seconds): spanSets, matched, structural', async () => {
      const window = { start: T0_SECONDS - 60, end: T0_SECONDS + 600 };
      const grafana = (q: string, extra: Record<string, string | number> = {}): string =>
        `${tempo}/api/search${query({ q, limit: 20, spss: 3, ...window, ...extra })}`;
      const post = await getOk(grafana('{ resource.service.name = "checkout" && span.http.method = "POST" }'));
      assert.equal(post.traces.length, 1);
      const trace = post.traces[0];
      assert.deepEqual(
        [trace.traceID, trace.rootServiceName, trace.rootTraceName, trace.startTimeUnixNano, trace.durationMs],
        [traceB.replace(/^0+/, ''), 'checkout', 'POST /pay', (T0 + 70_000n * MS).toString(), 300],
      );
      assert.deepEqual(trace.spanSet, trace.spanSets[0]);
      assert.equal(trace.spanSets[0].matched, 1);
      const matched = trace.spanSets[0].spans[0];
      assert.deepEqual(
        [matched.spanID, matched.name, matched.startTimeUnixNano, matched.durationNanos],
        [rootB, 'POST /pay', (T0 + 70_000n * MS).toString(), '300000000'],
      );
      assert.deepEqual(trace.serviceStats, { checkout: { spanCount: 1, errorCount: 1 }, payments: { spanCount: 1, errorCount: 1 } });

      const structural = await getOk(grafana('{ resource.service.name = "checkout" } >> { status = error }'));
      assert.deepEqual(
        structural.traces.map((t: any) => t.spanSets[0].spans.map((s: any) => s.name)),
        [['charge']],
      );
      const all = await getOk(grafana('{ }', { spss: 1 }));
      assert.deepEqual(all.traces.map((t: any) => t.traceID).sort(), [traceA, traceB, traceC].map((id) => id.replace(/^0+/, '')).sort());
      assert.ok(all.traces.every((t: any) => t.spanSets[0].spans.length === 1));
      assert.equal(all.traces.find((t: any) => t.traceID === traceB.replace(/^0+/, '')).spanSets[0].matched, 2);

      const bad = await get(grafana('{ .a = }'));
      assert.equal(bad.status, 400);
      assert.match(bad.text, /^invalid TraceQL query: parse error at line 1, col 8/);
      const metrics = await get(grafana('{ } | rate()'));
      assert.equal(metrics.status, 400);
      assert.match(metrics.text, /rate\(\) in a search/);
    });

    test('tag names: v1 and v2 with scopes, as Grafana’s language provider asks (limit=5000)', async () => {
      const window = { start: T0_SECONDS - 60, end: T0_SECONDS + 600 };
      const v2 = await get(`${tempo}/api/v2/search/tags${query({ limit: 5000, ...window })}`);
      assert.equal(v2.status, 200);
      assert.deepEqual(
        v2.json.scopes.map((s: any) => s.name),
        ['intrinsic', 'resource', 'span'],
      );
      assert.deepEqual(v2.json.scopes[1].tags, ['deployment.environment', 'service.name']);
      assert.deepEqual(
        v2.json.scopes[2].tags,
        ['db.system', 'http.method', 'http.status_code', 'test.index'].filter((t) => t !== 'test.index'),
      );
      assert.ok(v2.json.scopes[0].tags.includes('rootServiceName') && v2.json.scopes[0].tags.includes('span:name'));
      const spanOnly = await get(`${tempo}/api/v2/search/tags${query({ scope: 'span', ...window })}`);
      assert.deepEqual(
        spanOnly.json.scopes.map((s: any) => s.name),
        ['span'],
      );
      const intrinsic = await get(`${tempo}/api/v2/search/tags?scope=intrinsic`);
      assert.deepEqual(
        intrinsic.json.scopes.map((s: any) => s.name),
        ['intrinsic'],
      );
      const filtered = await get(`${tempo}/api/v2/search/tags${query({ scope: 'span', q: '{resource.service.name="db"}', ...window })}`);
      assert.deepEqual(filtered.json.scopes[0].tags, ['db.system']);
      const v1 = await get(`${tempo}/api/search/tags${query(window)}`);
      assert.deepEqual(v1.json.tagNames, ['db.system', 'deployment.environment', 'http.method', 'http.status_code', 'service.name']);
      const bad = await get(`${tempo}/api/v2/search/tags?scope=galaxy`);
      assert.deepEqual([bad.status, bad.text.trim()], [400, 'invalid scope: galaxy']);
    });

    test('tag values: v1 strings, v2 typed and filtered by a half-typed q (Grafana double-encodes the tag)', async () => {
      const window = { start: T0_SECONDS - 60, end: T0_SECONDS + 600 };
      const v1 = { json: await getOk(`${tempo}/api/search/tag/service.name/values${query(window)}`) };
      assert.deepEqual(v1.json.tagValues, ['checkout', 'db', 'frontend', 'payments']);
      // language_provider.ts encodes the tag twice; the proxy decodes once.
      const tag = encodeURIComponent('resource.service.name');
      const v2 = { json: await getOk(`${tempo}/api/v2/search/tag/${tag}/values${query({ limit: 5000, ...window })}`) };
      assert.deepEqual(v2.json.tagValues.map((v: any) => `${v.type}:${v.value}`).sort(), [
        'string:checkout',
        'string:db',
        'string:frontend',
        'string:payments',
      ]);
      const post = { json: await getOk(`${tempo}/api/v2/search/tag/${tag}/values${query({ q: '{span.http.method="POST"}', ...window })}`) };
      assert.deepEqual(post.json.tagValues, [{ type: 'string', value: 'checkout' }]);
      const halfTyped = {
        json: await getOk(
          `${tempo}/api/v2/search/tag/${tag}/values${query({ q: '{span.http.method="POST" && resource.deployment.environment = }', ...window })}`,
        ),
      };
      assert.deepEqual(halfTyped.json.tagValues, [{ type: 'string', value: 'checkout' }]);
      const codes = { json: await getOk(`${tempo}/api/v2/search/tag/span.http.status_code/values${query(window)}`) };
      assert.deepEqual(codes.json.tagValues.map((v: any) => `${v.type}:${v.value}`).sort(), ['int:200', 'int:500']);
      const names = {
        json: await getOk(`${tempo}/api/v2/search/tag/name/values${query({ q: '{resource.service.name="checkout"}', ...window })}`),
      };
      assert.deepEqual(names.json.tagValues.map((v: any) => v.value).sort(), ['GET /cart', 'POST /pay']);
      const unscoped = { json: await getOk(`${tempo}/api/v2/search/tag/.http.method/values${query(window)}`) };
      assert.deepEqual(unscoped.json.tagValues.map((v: any) => v.value).sort(), ['GET', 'POST']);
      const status = { json: await getOk(`${tempo}/api/v2/search/tag/status/values`) };
      assert.deepEqual(status.json.tagValues, [
        { type: 'keyword', value: 'ok' },
        { type: 'keyword', value: 'error' },
        { type: 'keyword', value: 'unset' },
      ]);
    });

    const range = { start: T0_SECONDS, end: T0_SECONDS + 180, step: '60s' };
    const samplesOf = (series: any): Array<[string, number | undefined]> => series.samples.map((s: any) => [s.timestampMs, s.value]);
    const at = (seconds: number): string => String((T0_SECONDS + seconds) * 1000);

    test('metrics query_range: rate() by an attribute, right-closed slots stamped with their end', async () => {
      const response = await get(
        `${tempo}/api/metrics/query_range${query({ q: '{resource.service.name="checkout"} | rate() by (span.http.method)', ...range })}`,
        {
          Accept: 'application/json',
        },
      );
      assert.equal(response.status, 200, response.text);
      const series = response.json.series.sort((a: any, b: any) =>
        a.labels[0].value.stringValue.localeCompare(b.labels[0].value.stringValue),
      );
      assert.deepEqual(series, [
        { labels: [{ key: 'span.http.method', value: { stringValue: 'GET' } }], samples: [{ timestampMs: at(60), value: 1 / 60 }] },
        { labels: [{ key: 'span.http.method', value: { stringValue: 'POST' } }], samples: [{ timestampMs: at(120), value: 1 / 60 }] },
      ]);
      const ungrouped = await get(`${tempo}/api/metrics/query_range${query({ q: '{} | count_over_time()', ...range })}`);
      assert.deepEqual(ungrouped.json.series, [
        {
          labels: [{ key: '__name__', value: { stringValue: 'count_over_time' } }],
          samples: [
            { timestampMs: at(60), value: 2 },
            { timestampMs: at(120), value: 2 },
            { timestampMs: at(180), value: 1 },
          ],
        },
      ]);
      const avg = await get(
        `${tempo}/api/metrics/query_range${query({ q: '{ kind = server } | avg_over_time(duration) by (resource.service.name)', start: T0_SECONDS, end: T0_SECONDS + 180, step: 180 })}`,
      );
      const bySvc = Object.fromEntries(avg.json.series.map((s: any) => [s.labels[0].value.stringValue, samplesOf(s)]));
      assert.deepEqual(bySvc, { checkout: [[at(180), 0.2]], frontend: [[at(180), 0.05]] });
      const sum = await get(
        `${tempo}/api/metrics/query_range${query({ q: '{} | sum_over_time(span.http.status_code)', start: T0_SECONDS, end: T0_SECONDS + 180, step: '3m' })}`,
      );
      assert.deepEqual(samplesOf(sum.json.series[0]), [[at(180), 700]]);
    });

    test('metrics: quantiles, histogram, topk, exemplars', async () => {
      const quantiles = await get(
        `${tempo}/api/metrics/query_range${query({ q: '{} | quantile_over_time(duration, 0.5, 1)', start: T0_SECONDS, end: T0_SECONDS + 180, step: '180s' })}`,
      );
      assert.deepEqual(
        quantiles.json.series.map((s: any) => [s.labels, samplesOf(s)]),
        [
          [[{ key: 'p', value: { doubleValue: 0.5 } }], [[at(180), 0.1]]],
          [[{ key: 'p', value: { doubleValue: 1 } }], [[at(180), 0.3]]],
        ],
      );
      const histogram = await get(
        `${tempo}/api/metrics/query_range${query({ q: '{} | histogram_over_time(duration)', start: T0_SECONDS, end: T0_SECONDS + 180, step: '180s' })}`,
      );
      assert.deepEqual(
        histogram.json.series.map((s: any) => [s.labels[0].key, s.labels[0].value.doubleValue, s.samples[0].value]),
        [
          ['__bucket', 0.067108864, 2],
          ['__bucket', 0.134217728, 1],
          ['__bucket', 0.268435456, 1],
          ['__bucket', 0.536870912, 1],
        ],
      );
      const top = await get(
        `${tempo}/api/metrics/query_range${query({ q: '{} | count_over_time() by (resource.service.name) | topk(1)', start: T0_SECONDS, end: T0_SECONDS + 180, step: '180s' })}`,
      );
      assert.deepEqual(
        top.json.series.map((s: any) => s.labels[0].value.stringValue),
        ['checkout'],
      );
      const exemplars = await get(`${tempo}/api/metrics/query_range${query({ q: '{status=error} | rate()', ...range, exemplars: 10 })}`);
      const found = exemplars.json.series[0].exemplars;
      assert.equal(found.length, 2);
      assert.deepEqual(
        found.map((e: any) => e.labels[0].key),
        ['trace:id', 'trace:id'],
      );
      assert.deepEqual(new Set(found.map((e: any) => e.labels[0].value.stringValue)), new Set([traceB]));
    });

    test('metrics filters: nil, !, ||, parentheses; a second-stage comparison', async () => {
      const filtered = await getOk(
        `${tempo}/api/metrics/query${query({ q: '{ .http.method != nil && !(name = "GET /" || status = error) } | count_over_time()', start: T0_SECONDS, end: T0_SECONDS + 180 })}`,
      );
      assert.deepEqual(filtered.series, [{ labels: [{ key: '__name__', value: { stringValue: 'count_over_time' } }], value: 1 }]);
      const busy = await getOk(
        `${tempo}/api/metrics/query${query({ q: '{} | count_over_time() by (resource.service.name) > 1', start: T0_SECONDS, end: T0_SECONDS + 180 })}`,
      );
      assert.deepEqual(busy.series, [{ labels: [{ key: 'resource.service.name', value: { stringValue: 'checkout' } }], value: 2 }]);
    });

    test('compare(): baseline and selection per attribute value, totals, topN (Traces Drilldown’s comparison)', async () => {
      const compare = async (q: string): Promise<Map<string, number>> => {
        const body = await getOk(`${tempo}/api/metrics/query${query({ q, start: T0_SECONDS, end: T0_SECONDS + 180 })}`);
        return new Map(
          body.series.map((s: any) => [
            `${s.labels[0].value.stringValue} ${s.labels[1].key}=${JSON.stringify(s.labels[1].value)}`,
            s.value,
          ]),
        );
      };
      const all = await compare('{ } | compare({ status = error })');
      for (const [series, value] of [
        ['baseline name={"stringValue":"GET /cart"}', 1],
        ['baseline status={"stringValue":"unset"}', 3],
        ['baseline kind={"stringValue":"server"}', 2],
        ['baseline span.http.method={"stringValue":"GET"}', 2],
        ['baseline span.http.status_code={"intValue":"200"}', 1],
        ['baseline resource.deployment.environment={"stringValue":"staging"}', 1],
        ['selection name={"stringValue":"charge"}', 1],
        ['selection status={"stringValue":"error"}', 2],
        ['selection resource.service.name={"stringValue":"payments"}', 1],
        ['selection span.http.status_code={"intValue":"500"}', 1],
        ['baseline_total resource.service.name={}', 3],
        ['baseline_total span.http.method={}', 2],
        ['selection_total name={}', 2],
        ['selection_total resource.deployment.environment={}', 1],
      ] as const) {
        assert.equal(all.get(series), value, series);
      }
      assert.equal(all.get('selection span.http.method={"stringValue":"GET"}'), undefined);
      assert.equal(all.size, 14 + 10 + 8 + 7, 'value series of both sides, then the totals of each attribute');
      const top1 = await compare('{ } | compare({ status = error }, 1)');
      assert.deepEqual(
        [...top1.keys()].filter((key) => key.startsWith('selection name=')),
        ['selection name={"stringValue":"POST /pay"}'],
      );
    });

    test('metrics instant query: one value per series, only QueryInstantResponse’s fields (Grafana’s strict jsonpb)', async () => {
      const response = await get(
        `${tempo}/api/metrics/query${query({ q: '{status=error} | count_over_time() by (resource.service.name)', start: T0_SECONDS, end: T0_SECONDS + 180 })}`,
      );
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(Object.keys(response.json).sort(), ['metrics', 'series']);
      const series = response.json.series.sort((a: any, b: any) =>
        a.labels[0].value.stringValue.localeCompare(b.labels[0].value.stringValue),
      );
      assert.deepEqual(series, [
        { labels: [{ key: 'resource.service.name', value: { stringValue: 'checkout' } }], value: 1 },
        { labels: [{ key: 'resource.service.name', value: { stringValue: 'payments' } }], value: 1 },
      ]);
      const rate = await get(`${tempo}/api/metrics/query${query({ query: '{} | rate()', start: T0_SECONDS, end: T0_SECONDS + 100 })}`);
      assert.deepEqual(rate.json.series, [{ labels: [{ key: '__name__', value: { stringValue: 'rate' } }], value: 4 / 100 }]);
    });

    test('metrics errors are 400s naming the problem', async () => {
      for (const [q, message] of [
        ['{} | compare({status=error} >> {})', /compare\(\) selection other than one spanset filter/],
        ['{ span.http.method = } | rate()', /invalid TraceQL query: parse error at line 1, col 22: expected/],
        ['{} | frobnicate()', /parse error at line 1, col 6/],
        ['{} | quantile_over_time(duration, 2)', /quantile 2 is not between 0 and 1/],
        ['{ status = 5 } | rate()', /cannot compare status with int/],
        ['{} | rate() by (event.x)', /event attributes in metrics queries is not supported/],
        ['{ duration > "slow" } | rate()', /cannot compare duration with string/],
        ['{} >> {} | rate()', /spanset operators or pipelines before a metrics function/],
      ] as const) {
        const response = await get(`${tempo}/api/metrics/query_range${query({ q, ...range })}`);
        assert.equal(response.status, 400, q);
        assert.match(response.text, message, q);
      }
      assert.equal((await get(`${tempo}/api/metrics/query_range${query({ q: '{} | rate()', start: 'noon' })}`)).status, 400);
      assert.equal((await get(`${tempo}/api/metrics/query_range`)).status, 400);
      assert.equal(
        (
          await get(
            `${tempo}/api/metrics/query_range${query({ q: '{} | rate()', start: T0_SECONDS, end: T0_SECONDS + 86400, step: '1s' })}`,
          )
        ).status,
        400,
      );
    });
  });
}
