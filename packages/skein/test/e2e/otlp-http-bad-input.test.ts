/** Every refusal rule of the OTLP/HTTP receiver, against the real process (issue 2, item 3). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { encodeOtlpProtoTraces, decodeExportTraceServiceResponse } from '../../src/model/otlp-proto-encode.js';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { getJson, removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { makeSpan, randomTraceId } from '../support/span-factory.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function post(url: string, body: Buffer | string, headers: Record<string, string>, method = 'POST'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const PROTO = { 'Content-Type': 'application/x-protobuf' };
const JSON_TYPE = { 'Content-Type': 'application/json' };

describe('OTLP/HTTP receiver refuses bad input precisely and keeps the good', () => {
  let skein: SkeinProcess;
  before(async () => {
    skein = await startSkein();
  });
  after(async () => {
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  test('valid protobuf and JSON bodies are accepted, gzip too, and answered in their own encoding', async () => {
    const protoSpan = makeSpan();
    const res = await post(skein.otlpHttpUrl, Buffer.from(encodeOtlpProtoTraces([protoSpan])), PROTO);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/x-protobuf');
    assert.equal(decodeExportTraceServiceResponse(res.body), undefined);

    const jsonSpan = makeSpan();
    const jsonRes = await post(skein.otlpHttpUrl, gzipSync(JSON.stringify(encodeOtlpJsonTraces([jsonSpan]))), {
      ...JSON_TYPE,
      'Content-Encoding': 'gzip',
    });
    assert.equal(jsonRes.status, 200);
    assert.equal(jsonRes.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(jsonRes.body.toString()), {});
    for (const span of [protoSpan, jsonSpan]) {
      assert.equal((await getJson(`${skein.queryUrl}/api/v1/traces/${span.traceId}`)).status, 200);
    }
  });

  test('415 for other content types, 405 for other methods, 404 for other paths', async () => {
    const unsupported = await post(skein.otlpHttpUrl, 'hello', { 'Content-Type': 'text/plain' });
    assert.equal(unsupported.status, 415);
    assert.match(JSON.parse(unsupported.body.toString()).message, /unsupported Content-Type "text\/plain"/);
    const badEncoding = await post(skein.otlpHttpUrl, 'x', { ...JSON_TYPE, 'Content-Encoding': 'br' });
    assert.equal(badEncoding.status, 415);
    assert.match(JSON.parse(badEncoding.body.toString()).message, /Content-Encoding "br"/);
    const get = await post(skein.otlpHttpUrl, '', JSON_TYPE, 'GET');
    assert.equal(get.status, 405);
    assert.equal(get.headers['allow'], 'POST');
    const wrongPath = await post(skein.otlpHttpUrl.replace('/v1/traces', '/v1/metrics'), '{}', JSON_TYPE);
    assert.equal(wrongPath.status, 404);
  });

  test('400 naming the problem for undecodable protobuf and JSON', async () => {
    const proto = await post(skein.otlpHttpUrl, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), PROTO);
    assert.equal(proto.status, 400);
    assert.equal(proto.headers['content-type'], 'application/x-protobuf');
    assert.match(proto.body.toString('latin1'), /cannot decode OTLP protobuf body/);

    const notJson = await post(skein.otlpHttpUrl, '{"resourceSpans": [', JSON_TYPE);
    assert.equal(notJson.status, 400);
    assert.match(JSON.parse(notJson.body.toString()).message, /not valid JSON/);

    const wrongShape = await post(
      skein.otlpHttpUrl,
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 5 }] }] }] }),
      JSON_TYPE,
    );
    assert.equal(wrongShape.status, 400);
    assert.match(
      JSON.parse(wrongShape.body.toString()).message,
      /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.name: expected a string/,
    );

    const badGzip = await post(skein.otlpHttpUrl, 'not gzip at all', { ...JSON_TYPE, 'Content-Encoding': 'gzip' });
    assert.equal(badGzip.status, 400);
    assert.match(JSON.parse(badGzip.body.toString()).message, /could not decompress/);
  });

  test('invalid spans are rejected one by one in partial_success while the rest are stored', async () => {
    const traceId = randomTraceId();
    const good = [makeSpan({ traceId, name: 'good-1' }), makeSpan({ traceId, name: 'good-2' })];
    const start = good[0]!.startTimeUnixNano;
    const bad = [
      makeSpan({ traceId: '0'.repeat(32), name: 'zero-trace' }),
      makeSpan({ traceId: 'abcd', name: 'short-trace' }),
      makeSpan({ traceId, spanId: '0'.repeat(16), name: 'zero-span' }),
      makeSpan({ traceId, spanId: 'abcdef', name: 'short-span' }),
      makeSpan({ traceId, name: 'backwards', startTimeUnixNano: start, endTimeUnixNano: start - 1n }),
      makeSpan({ traceId, name: '' }),
    ];
    for (const encoding of ['protobuf', 'json'] as const) {
      const spans = [...good, ...bad];
      const res =
        encoding === 'protobuf'
          ? await post(skein.otlpHttpUrl, Buffer.from(encodeOtlpProtoTraces(spans)), PROTO)
          : await post(skein.otlpHttpUrl, JSON.stringify(encodeOtlpJsonTraces(spans)), JSON_TYPE);
      assert.equal(res.status, 200);
      const partial =
        encoding === 'protobuf'
          ? decodeExportTraceServiceResponse(res.body)
          : (JSON.parse(res.body.toString()).partialSuccess as { rejectedSpans: string; errorMessage: string });
      assert.ok(partial, `${encoding}: partial success expected`);
      assert.equal(String(partial.rejectedSpans), '6');
      for (const fragment of [
        'invalid trace ID "000',
        'invalid trace ID "abcd"',
        'invalid span ID "0000',
        'invalid span ID "abcdef"',
        'is before startTimeUnixNano',
      ]) {
        assert.ok(partial.errorMessage.includes(fragment), `${encoding}: "${fragment}" in ${partial.errorMessage}`);
      }
      assert.match(partial.errorMessage, /and 1 more/);
    }
    const { body } = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}`);
    assert.deepEqual(body.spans.map((s: { name: string }) => s.name).sort(), ['good-1', 'good-2']);
  });

  test('413 above the body limit: declared, streamed, and after decompression (gzip bomb)', async () => {
    const small = await startSkein({
      args: [
        '--config',
        writeConfig('receivers:\n  otlp:\n    protocols:\n      http:\n        max_request_body_size: 100000\n      grpc: {}\n'),
      ],
    });
    try {
      const big = Buffer.alloc(200_000, 0x20);
      const declared = await post(small.otlpHttpUrl, big, JSON_TYPE);
      assert.equal(declared.status, 413);
      assert.match(JSON.parse(declared.body.toString()).message, /exceeds the limit of 100000 bytes/);
      const bomb = gzipSync(Buffer.alloc(50_000_000, 0x20));
      assert.ok(bomb.length < 100_000);
      const bombed = await post(small.otlpHttpUrl, bomb, { ...JSON_TYPE, 'Content-Encoding': 'gzip' });
      assert.equal(bombed.status, 413);
      assert.match(JSON.parse(bombed.body.toString()).message, /after decompression/);
      // The process is still healthy afterwards.
      assert.equal((await getJson(`${small.queryUrl}/healthz`)).status, 200);
    } finally {
      assert.equal(await small.stop(), 0);
      removeDir(small.dataDir);
    }
  });

  test('hostile strings are stored and returned unchanged', async () => {
    const hostile = '\'; DROP TABLE spans; -- \\ " \n\t \u0000 \u202e ☃ 𝄞 {x:String} ${x} %s';
    const span = makeSpan({ name: hostile, attributes: [{ key: hostile, value: hostile }] });
    const res = await post(skein.otlpHttpUrl, JSON.stringify(encodeOtlpJsonTraces([span])), JSON_TYPE);
    assert.equal(res.status, 200);
    const { body } = await getJson(`${skein.queryUrl}/api/v1/traces/${span.traceId}`);
    assert.equal(body.spans[0].name, hostile);
    assert.deepEqual(body.spans[0].attributes, [{ key: hostile, value: { stringValue: hostile } }]);
    const search = await getJson(
      `${skein.queryUrl}/api/v1/search?service=test-service&lookback=2h&attr=${encodeURIComponent(`${hostile}=${hostile}`)}`,
    );
    assert.equal(search.status, 200);
    assert.deepEqual(
      search.body.traces.map((t: { traceId: string }) => t.traceId),
      [span.traceId],
    );
  });
});
