/**
 * Issue 20's findings, each turned into a check against the real CLI: asset names that used to
 * answer 500 with the install path, a gRPC body that claims gzip and is not, slow clients that
 * held connections for a minute or five, and the 65 MiB upload answered by a connection reset.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { status as grpcStatus } from '@grpc/grpc-js';
import { grpcFrame, rawGrpcCall } from '../support/raw-grpc.js';
import { eventually, makeTempDir, removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';

const PACKAGE_DIR = new URL('../..', import.meta.url).pathname;

/** Sends `text` on a raw TCP connection and resolves with what came back once the server closed it. */
function rawExchange(port: number, text: string, timeoutMillis: number): Promise<{ answer: string; closedAfterMillis: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${timeoutMillis} ms; got ${JSON.stringify(answer)}`));
    }, timeoutMillis);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, closedAfterMillis: performance.now() - started });
    });
  });
}

describe('hostile input gets a precise 4xx (issue 20)', () => {
  let skein: SkeinProcess;
  before(async () => {
    const config = writeConfig(
      ['service:', '  http_server:', '    read_header_timeout: 1s', '    body_progress_timeout: 1s', '    read_timeout: 30s', ''].join(
        '\n',
      ),
    );
    skein = await startSkein({ args: ['--config', config], dataDir: makeTempDir('hostile') });
  });
  after(async () => {
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  test('asset names with a NUL byte, of 256 bytes or more, or escaping the folder are 404 naming the problem, never the install path', async () => {
    const names = [
      '%00',
      'x%00.js',
      'a'.repeat(256) + '.js',
      'b'.repeat(5000),
      '%2e%2e/%2e%2e/package.json',
      'a/../../x',
      '..%5c..%5cpackage.json',
      '%01',
    ];
    for (const name of names) {
      const response = await fetch(`${skein.queryUrl}/assets/${name}`);
      const text = await response.text();
      assert.equal(response.status, 404, `/assets/${name.slice(0, 40)}: ${text}`);
      // fetch resolves `..` and `%2e%2e` segments itself: those reach the API's own 404 instead.
      if (!name.includes('%2e') && !name.includes('/..')) assert.match(text, /^no such asset: /, name.slice(0, 40));
      assert.ok(!text.includes(PACKAGE_DIR) && !text.includes(skein.dataDir), `no internal path in ${JSON.stringify(text)}`);
    }
  });

  test('a gRPC message flagged gzip that is not gzip is INVALID_ARGUMENT with the reason; a good gzip message passes', async () => {
    const notGzip = await rawGrpcCall(skein.ports.otlpGrpc, grpcFrame(Buffer.from('certainly not gzip'), true), {
      headers: { 'grpc-encoding': 'gzip' },
    });
    assert.equal(notGzip.status, grpcStatus.INVALID_ARGUMENT, notGzip.message);
    assert.match(notGzip.message, /cannot decompress the gzip message: incorrect header check/);
    const notDeflate = await rawGrpcCall(skein.ports.otlpGrpc, grpcFrame(Buffer.from([1, 2, 3, 4]), true), {
      headers: { 'grpc-encoding': 'deflate' },
    });
    assert.equal(notDeflate.status, grpcStatus.INVALID_ARGUMENT, notDeflate.message);
    // An empty ExportTraceServiceRequest, properly gzipped: accepted.
    const good = await rawGrpcCall(skein.ports.otlpGrpc, grpcFrame(gzipSync(Buffer.alloc(0)), true), {
      headers: { 'grpc-encoding': 'gzip' },
    });
    assert.equal(good.status, grpcStatus.OK, good.message);
    // A gzip bomb past max_recv_msg_size_mib stays RESOURCE_EXHAUSTED.
    const bomb = await rawGrpcCall(skein.ports.otlpGrpc, grpcFrame(gzipSync(Buffer.alloc(65 * 1024 * 1024)), true), {
      headers: { 'grpc-encoding': 'gzip' },
    });
    assert.equal(bomb.status, grpcStatus.RESOURCE_EXHAUSTED, bomb.message);
  });

  test('a client that sends half its headers gets 408 and the connection closed within the header timeout, with one log line', async () => {
    for (const port of [skein.ports.otlpHttp, skein.ports.zipkin, skein.ports.query, skein.ports.metrics]) {
      const { answer, closedAfterMillis } = await rawExchange(port, 'POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Ty', 8_000);
      assert.match(answer, /^HTTP\/1\.1 408 Request Timeout/, `port ${port}`);
      assert.ok(closedAfterMillis < 5_000, `closed after ${Math.round(closedAfterMillis)} ms`);
    }
    await eventually(async () =>
      skein.logs.some((line) => /closed a connection from .*: 408 the request did not arrive/.test(line)) ? true : undefined,
    );
  });

  test('a chunked body that announces a huge chunk and stops is answered 408 after body_progress_timeout', async () => {
    const head = 'POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n';
    for (const port of [skein.ports.otlpHttp, skein.ports.zipkin]) {
      const path = port === skein.ports.zipkin ? '/api/v2/spans' : '/v1/traces';
      const { answer, closedAfterMillis } = await rawExchange(port, head.replace('/v1/traces', path) + 'fffffff\r\nabc', 8_000);
      assert.match(answer, /^HTTP\/1\.1 408/, `port ${port}: ${answer}`);
      assert.match(answer, /no request body bytes for 1000 ms \(service\.http_server\.body_progress_timeout\)/);
      assert.ok(closedAfterMillis < 5_000, `closed after ${Math.round(closedAfterMillis)} ms`);
    }
    assert.ok(skein.logs.some((line) => /closed a slow connection from .*: 408 no request body bytes/.test(line)));
  });

  test('a 65 MiB upload is answered 413, read by the client before the connection closes, every time', async () => {
    const body = Buffer.alloc(65 * 1024 * 1024, 7);
    for (const [port, path] of [
      [skein.ports.otlpHttp, '/v1/traces'],
      [skein.ports.zipkin, '/api/v2/spans'],
    ] as const) {
      for (let round = 0; round < 3; round++) {
        // node:http writes the whole body before reading: the case a close-at-once server resets.
        const status = await new Promise<number | string>((resolve) => {
          const request = httpRequest(
            {
              port,
              host: '127.0.0.1',
              method: 'POST',
              path,
              headers: { 'content-type': 'application/json', 'content-length': body.length },
            },
            (response) => {
              response.resume();
              resolve(response.statusCode ?? 0);
            },
          );
          request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
          request.end(body);
        });
        assert.equal(status, 413, `${path} round ${round}`);
        // And a chunked upload of the same size, refused part-way.
        const chunked = await fetch(`http://127.0.0.1:${port}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: new ReadableStream({
            start(controller) {
              for (let i = 0; i < 65; i++) controller.enqueue(new Uint8Array(1024 * 1024));
              controller.close();
            },
          }),
          duplex: 'half',
        } as RequestInit);
        assert.equal(chunked.status, 413, `${path} chunked round ${round}`);
        await chunked.arrayBuffer();
      }
    }
  });
});
