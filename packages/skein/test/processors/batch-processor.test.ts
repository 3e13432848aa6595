import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchProcessor, batchConfigSchema } from '../../src/collector/processors/batch-processor.js';
import { createPipelineStep } from '../support/build-step.js';
import { CONSUME_SUCCESS, type ConsumeResult, type SpanConsumer } from '../../src/collector/pipeline/consume-result.js';
import { TracePipeline } from '../../src/collector/pipeline/trace-pipeline.js';
import type { Span } from '../../src/model/span.js';
import { SkeinMetrics } from '../../src/telemetry/skein-metrics.js';
import { makeSpan } from '../support/span-factory.js';

/** A downstream that records batches and answers each one when the test says so. */
class ControlledConsumer implements SpanConsumer {
  readonly batches: Span[][] = [];
  private readonly answers: Array<(result: ConsumeResult) => void> = [];

  consume(spans: Span[]): Promise<ConsumeResult> {
    this.batches.push(spans);
    return new Promise((resolve) => this.answers.push(resolve));
  }

  answer(index: number, result: ConsumeResult = CONSUME_SUCCESS): void {
    this.answers[index]!(result);
  }
}

function spans(count: number, prefix = 's'): Span[] {
  return Array.from({ length: count }, (_, i) => makeSpan({ name: `${prefix}${i}` }));
}

function config(raw: unknown) {
  return batchConfigSchema.parse(raw);
}

/** Resolves to 'pending' if the promise has not settled after the current macrotask. */
async function state<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
}

const OVERLOADED: ConsumeResult = { outcome: 'retryable', reason: 'overloaded', message: 'queue full', retryAfterMillis: 500 };

test('defaults are the Collector ones, durations parse, bad values name the key', () => {
  assert.deepEqual(config({}), { sendBatchSize: 8192, timeoutMillis: 200, sendBatchMaxSize: 0, maxWaitingSpans: 81920 });
  assert.equal(config({ timeout: '1.5s' }).timeoutMillis, 1500);
  assert.throws(
    () => createPipelineStep('batch', { send_batch_size: 100, send_batch_max_size: 50 }),
    /processors\.batch\.send_batch_max_size: must be 0/,
  );
  assert.throws(
    () => createPipelineStep('batch', { timeout: 'soon' }),
    /processors\.batch\.timeout: expected a duration such as 500ms, 5s or 1m \(got "soon"\)/,
  );
  assert.throws(() => createPipelineStep('batch/x', { send_batch_sise: 1 }), /processors\.batch\/x/);
});

test('a full batch is sent at once; callers are answered only with its downstream answer', async () => {
  const downstream = new ControlledConsumer();
  const batch = new BatchProcessor('batch', config({ send_batch_size: 5, timeout: '1h' }), downstream);
  const first = batch.consume(spans(3, 'a'));
  assert.equal(downstream.batches.length, 0, 'below send_batch_size nothing is sent');
  const second = batch.consume(spans(2, 'b'));
  assert.equal(downstream.batches.length, 1);
  assert.deepEqual(
    downstream.batches[0]!.map((s) => s.name),
    ['a0', 'a1', 'a2', 'b0', 'b1'],
  );
  assert.equal(await state(first), 'pending', 'not acknowledged before the downstream answered');
  downstream.answer(0);
  assert.deepEqual(await first, CONSUME_SUCCESS);
  assert.deepEqual(await second, CONSUME_SUCCESS);
  await batch.shutdown();
});

test('a downstream refusal reaches every caller whose spans were in the batch', async () => {
  const downstream = new ControlledConsumer();
  const batch = new BatchProcessor('batch', config({ send_batch_size: 4, timeout: '1h' }), downstream);
  const first = batch.consume(spans(2));
  const second = batch.consume(spans(2));
  downstream.answer(0, OVERLOADED);
  assert.deepEqual(await first, OVERLOADED);
  assert.deepEqual(await second, OVERLOADED);
  await batch.shutdown();
});

test('the timeout sends a partial batch', async () => {
  const downstream = new ControlledConsumer();
  const batch = new BatchProcessor('batch', config({ send_batch_size: 100, timeout: '20ms' }), downstream);
  const started = Date.now();
  const result = batch.consume(spans(3));
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(downstream.batches.length, 1);
  assert.equal(downstream.batches[0]!.length, 3);
  downstream.answer(0);
  assert.deepEqual(await result, CONSUME_SUCCESS);
  assert.ok(Date.now() - started >= 20);
  await batch.shutdown();
});

test('send_batch_max_size splits; a caller split across batches waits for all and gets the first failure', async () => {
  const downstream = new ControlledConsumer();
  const batch = new BatchProcessor('batch', config({ send_batch_size: 4, send_batch_max_size: 4, timeout: '1h' }), downstream);
  const big = batch.consume(spans(10, 'x'));
  assert.deepEqual(
    downstream.batches.map((b) => b.length),
    [4, 4],
    'two full batches at once; the last 2 spans wait for more or the timeout',
  );
  const small = batch.consume(spans(2, 'y'));
  assert.deepEqual(
    downstream.batches.map((b) => b.length),
    [4, 4, 4],
  );
  assert.deepEqual(
    downstream.batches[2]!.map((s) => s.name),
    ['x8', 'x9', 'y0', 'y1'],
  );
  downstream.answer(0);
  downstream.answer(2);
  assert.deepEqual(await small, CONSUME_SUCCESS);
  assert.equal(await state(big), 'pending', 'one of its batches is still unanswered');
  downstream.answer(1, { outcome: 'failure', message: 'rejected' });
  assert.deepEqual(await big, { outcome: 'failure', message: 'rejected' });
  await batch.shutdown();
});

test('timeout 0 sends every request at once, split only by the max size', async () => {
  const downstream = new ControlledConsumer();
  const batch = new BatchProcessor('batch', config({ send_batch_size: 100, send_batch_max_size: 100, timeout: '0s' }), downstream);
  const result = batch.consume(spans(150));
  assert.deepEqual(
    downstream.batches.map((b) => b.length),
    [100, 50],
  );
  downstream.answer(0);
  downstream.answer(1);
  assert.deepEqual(await result, CONSUME_SUCCESS);
});

test('held spans are bounded: past max_waiting_spans callers get overloaded with a retry hint', async () => {
  const downstream = new ControlledConsumer();
  const metrics = new SkeinMetrics();
  const batch = new BatchProcessor('batch', config({ send_batch_size: 10, max_waiting_spans: 15, timeout: '1h' }), downstream, { metrics });
  const sent = batch.consume(spans(10)); // sent, unanswered: still held
  const waiting = batch.consume(spans(4));
  const refused = await batch.consume(spans(2));
  assert.equal(refused.outcome, 'retryable');
  assert.ok(refused.outcome === 'retryable' && refused.reason === 'overloaded' && refused.retryAfterMillis > 0);
  assert.match((refused as { message: string }).message, /14 spans waiting .* limit 15/);
  assert.match(await metrics.registry.getSingleMetricAsString('skein_queue_spans'), /skein_queue_spans\{queue="batch"\} 14/);
  downstream.answer(0);
  await sent;
  const later = batch.consume(spans(1));
  assert.equal(await state(later), 'pending', 'room again once the downstream answered: taken, not refused');
  const shutdown = batch.shutdown();
  downstream.answer(1);
  await shutdown;
  assert.deepEqual(await waiting, CONSUME_SUCCESS);
  assert.deepEqual(await later, CONSUME_SUCCESS);
});

test('an empty stage takes one request larger than the bound', async () => {
  const downstream = new ControlledConsumer();
  const batch = new BatchProcessor('batch', config({ send_batch_size: 10, max_waiting_spans: 10, timeout: '1h' }), downstream);
  const result = batch.consume(spans(25));
  assert.equal(downstream.batches[0]!.length, 25);
  downstream.answer(0);
  assert.deepEqual(await result, CONSUME_SUCCESS);
});

test('shutdown flushes what is waiting, then refuses as unavailable', async () => {
  const downstream = new ControlledConsumer();
  const batch = new BatchProcessor('batch', config({ send_batch_size: 100, timeout: '1h' }), downstream);
  const result = batch.consume(spans(3));
  const shutdown = batch.shutdown();
  assert.equal(downstream.batches.length, 1);
  assert.equal(await state(shutdown), 'pending', 'shutdown waits for the answer');
  downstream.answer(0);
  await shutdown;
  assert.deepEqual(await result, CONSUME_SUCCESS);
  const late = await batch.consume(spans(1));
  assert.equal(late.outcome === 'retryable' && late.reason, 'unavailable');
});

test('a throwing downstream becomes a failure answer, not a hung caller', async () => {
  const batch = new BatchProcessor('batch', config({ send_batch_size: 1 }), {
    consume: () => Promise.reject(new Error('boom')),
  });
  assert.deepEqual(await batch.consume(spans(1)), { outcome: 'failure', message: 'processor batch: boom' });
});

test('in a pipeline: counted, batched and acknowledged through TracePipeline', async () => {
  const stored: Span[][] = [];
  const exporter: SpanConsumer = {
    consume: (batch) => {
      stored.push(batch);
      return Promise.resolve(CONSUME_SUCCESS);
    },
  };
  const metrics = new SkeinMetrics();
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const pipeline = new TracePipeline([exporter], [createPipelineStep('batch', { send_batch_size: 6, timeout: '10ms' })], {
    metrics,
    logger,
    stateDir: undefined,
  });
  const results = await Promise.all([pipeline.consume(spans(4)), pipeline.consume(spans(4)), pipeline.consume(spans(1))]);
  assert.deepEqual(results, [CONSUME_SUCCESS, CONSUME_SUCCESS, CONSUME_SUCCESS]);
  assert.deepEqual(
    stored.map((b) => b.length),
    [8, 1],
  );
  const text = (await metrics.render()).body;
  assert.match(text, /skein_processor_incoming_spans_total\{processor="batch"\} 9/);
  assert.match(text, /skein_processor_outgoing_spans_total\{processor="batch"\} 9/);
  assert.match(text, /skein_processor_batch_sends_total\{processor="batch",trigger="size"\} 1/);
  assert.match(text, /skein_processor_batch_sends_total\{processor="batch",trigger="timeout"\} 1/);
  await pipeline.shutdown();
});

test('admission: refused at the headers when full or shutting down, otherwise the next stage decides', async () => {
  const refusing = new ControlledConsumer();
  let asked: unknown = 'never';
  const downstream = Object.assign(refusing, {
    admission(request?: unknown): ConsumeResult | undefined {
      asked = request;
      return OVERLOADED;
    },
  });
  const batch = new BatchProcessor('batch', config({ send_batch_size: 10, max_waiting_spans: 10, timeout: '1h' }), downstream);
  const request = { declaredBytes: 100, hold: () => undefined };
  assert.equal(batch.admission(request), OVERLOADED, "the storage queue's refusal reaches the receiver");
  assert.equal(asked, request, 'the request is passed on unchanged, so the storage queue can count it as arriving');

  const open = new BatchProcessor('batch', config({ send_batch_size: 10, max_waiting_spans: 10, timeout: '1h' }), new ControlledConsumer());
  assert.equal(open.admission(request), undefined, 'a next stage without admission admits');
  const pending = open.consume(spans(10));
  const full = open.admission(request);
  assert.equal(full?.outcome === 'retryable' && full.reason, 'overloaded');
  assert.match(full?.outcome === 'retryable' ? full.message : '', /processor batch is full \(10 spans .* limit 10\)/);
  assert.equal(await state(pending), 'pending');
});

test('a traces pipeline with batch still refuses at the headers when storage would refuse', () => {
  const storage = Object.assign(new ControlledConsumer(), { admission: (): ConsumeResult | undefined => OVERLOADED });
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const context = { metrics: new SkeinMetrics(), logger, stateDir: undefined };
  const pipeline = new TracePipeline([storage], [createPipelineStep('batch', { timeout: '1h' })], context);
  assert.equal(pipeline.admission(), OVERLOADED);
});
