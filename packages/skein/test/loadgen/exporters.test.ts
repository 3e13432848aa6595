/** Senders against fake endpoints: Retry-After, partial success, non-retryable refusals (issue 3, item 5). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeExportTraceServiceResponse } from '../../src/model/otlp-proto-encode.js';
import { decodeRpcStatus, parseRetryAfterHeader as parseRetryAfter } from '../../src/model/rpc-status.js';
import { parseLoadgenArgs, runLoadgen } from '../../src/loadgen/run-loadgen.js';

const quiet = { info: (): void => {}, warn: (): void => {} };

describe('HTTP sender against a throttling endpoint', () => {
  let server: Server;
  let url: string;
  let requests = 0;
  const sockets = new Set<unknown>();
  before(async () => {
    server = createServer((req, res) => {
      sockets.add(req.socket);
      req.resume();
      req.on('end', () => {
        requests++;
        // every third request is throttled once, every fifth refused, the rest partially accepted
        if (requests % 3 === 0) {
          res.writeHead(429, { 'Retry-After': '0' }).end();
        } else if (requests % 5 === 0) {
          res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad request body');
        } else {
          res.writeHead(200, { 'Content-Type': 'application/x-protobuf' });
          res.end(encodeExportTraceServiceResponse({ rejectedSpans: 2n, errorMessage: 'span x: name is empty' }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('counts sent, acknowledged, rejected, failed and retried; keeps connections alive', async () => {
    const options = parseLoadgenArgs([
      '--endpoint',
      url,
      '--traces',
      '200',
      '--rate',
      'max',
      '--batch-size',
      '100',
      '--connections',
      '2',
      '--seed',
      '1',
    ]);
    const summary = await runLoadgen(options, quiet);
    assert.equal(summary.sent, summary.spans);
    assert.equal(summary.acknowledged + summary.rejected + summary.failed, summary.sent);
    assert.ok(summary.retried > 0, 'throttled requests are retried');
    assert.ok(summary.failed > 0, '400 is not retried');
    assert.ok(summary.rejected > 0);
    assert.equal(summary.requests, requests);
    assert.ok(summary.messages.some((m) => m.includes('name is empty')));
    assert.ok(summary.messages.some((m) => m.includes('HTTP 400: bad request body')));
    assert.ok(sockets.size <= 2, `${sockets.size} connections for ${requests} requests`);
  });
});

test('Retry-After and RetryInfo parsing', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(undefined), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z')), 10_000);
  // google.rpc.Status{code: 8, details: [Any{type_url: ".../google.rpc.RetryInfo", value: RetryInfo{retry_delay: {seconds: 2, nanos: 5e8}}}]}
  const typeUrl = Buffer.from('type.googleapis.com/google.rpc.RetryInfo');
  const duration = Buffer.from([0x08, 0x02, 0x10, ...varint(500_000_000)]);
  const retryInfo = Buffer.concat([Buffer.from([0x0a, duration.length]), duration]);
  const any = Buffer.concat([Buffer.from([0x0a, typeUrl.length]), typeUrl, Buffer.from([0x12, retryInfo.length]), retryInfo]);
  const status = Buffer.concat([Buffer.from([0x08, 0x08, 0x1a, any.length]), any]);
  assert.equal(decodeRpcStatus(status)?.retryDelayMillis, 2500);
  assert.equal(decodeRpcStatus(Buffer.from([0x08, 0x08]))?.retryDelayMillis, undefined);
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
