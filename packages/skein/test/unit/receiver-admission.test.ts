/**
 * Admission control on request bytes in flight (receivers' `admission.request_limit_mib`): the
 * budget itself, and the OTLP/HTTP receiver answering 429 + Retry-After once it is spent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { CONSUME_SUCCESS, type ConsumeResult, type SpanConsumer } from '../../src/collector/pipeline/consume-result.js';
import { InFlightBytes } from '../../src/collector/receivers/in-flight-bytes.js';
import { createOtlpHttpHandler } from '../../src/collector/receivers/otlp-http-receiver.js';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import type { Span } from '../../src/model/span.js';
import { SkeinMetrics } from '../../src/telemetry/skein-metrics.js';
import { makeSpan } from '../support/span-factory.js';

const KIB = 1024;

test('a reservation grows while the budget lasts; a request alone may always grow; release returns the bytes', () => {
  const budget = new InFlightBytes(100, 'otlp');
  const a = budget.reserve();
  assert.equal(a.grow(150), true, 'alone: may pass the limit');
  assert.equal(a.grow(50), true, 'still alone');
  const b = budget.reserve();
  assert.equal(b.grow(1), false, 'the budget is spent by a');
  a.release();
  assert.equal(budget.used, 0);
  assert.equal(b.grow(60), true);
  const c = budget.reserve();
  assert.equal(c.grow(40), true, 'exactly at the limit');
  assert.equal(c.grow(1), false);
  a.release(); // releasing twice is harmless
  assert.equal(budget.used, 100);
});

/** A pipeline that holds every batch until the test lets it go. */
class HeldPipeline implements SpanConsumer {
  private readonly waiting: Array<() => void> = [];
  received = 0;
  consume(spans: Span[]): Promise<ConsumeResult> {
    this.received += spans.length;
    return new Promise((resolve) => this.waiting.push(() => resolve(CONSUME_SUCCESS)));
  }
  get held(): number {
    return this.waiting.length;
  }
  releaseAll(): void {
    for (const release of this.waiting.splice(0)) release();
  }
}

function bodyOfAbout(bytes: number): string {
  return JSON.stringify(encodeOtlpJsonTraces([makeSpan({ attributes: [{ key: 'payload', value: 'x'.repeat(bytes) }] })]));
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), 'condition not reached in time');
}

test('OTLP/HTTP: past the in-flight budget a request gets 429 + Retry-After + RESOURCE_EXHAUSTED; bytes come back after the answer', async () => {
  const pipeline = new HeldPipeline();
  const metrics = new SkeinMetrics();
  const budget = new InFlightBytes(256 * KIB, 'otlp', metrics);
  const server: Server = createServer(
    createOtlpHttpHandler(pipeline, { maxRequestBodyBytes: 4 * 1024 * KIB, inFlightBytes: budget, metrics }, { warn: () => undefined }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`;
  const post = (body: string): Promise<Response> => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  try {
    // 400 KiB alone: larger than the budget, served because nothing else is in flight.
    const first = post(bodyOfAbout(400 * KIB));
    await until(() => pipeline.held === 1);
    assert.ok(budget.used > 256 * KIB);
    const second = await post(bodyOfAbout(10 * KIB));
    assert.equal(second.status, 429);
    assert.equal(second.headers.get('retry-after'), '1');
    const status = (await second.json()) as { code: number; message: string; details: Array<{ '@type': string }> };
    assert.equal(status.code, 8);
    assert.match(status.message, /too many request bytes in flight/);
    assert.equal(status.details[0]?.['@type'], 'type.googleapis.com/google.rpc.RetryInfo');
    assert.equal(pipeline.received, 1, 'the refused request never reached the pipeline');

    pipeline.releaseAll();
    assert.equal((await first).status, 200);
    await until(() => budget.used === 0);
    const third = post(bodyOfAbout(10 * KIB));
    await until(() => pipeline.held === 1);
    pipeline.releaseAll();
    assert.equal((await third).status, 200, 'admitted again once the bytes were released');
    assert.match(await metrics.registry.getSingleMetricAsString('skein_receiver_refused_requests_total'), /reason="overloaded"\} 1/);
  } finally {
    pipeline.releaseAll();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
