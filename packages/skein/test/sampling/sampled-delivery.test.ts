/** The delivery step: one batch per turn, retries with the shared retry policy, shutdown during a backoff. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumeResult } from '../../src/collector/pipeline/consume-result.js';
import type { RetryPolicy } from '../../src/collector/pipeline/retry-policy.js';
import { SampledDelivery, type SampledTrace } from '../../src/collector/sampling/sampled-delivery.js';
import { TraceBuffer } from '../../src/collector/sampling/trace-buffer.js';
import { makeSpan } from '../support/span-factory.js';
import { RecordingConsumer, counterValue, testContext } from './sampling-test-support.js';

const FAST: RetryPolicy = {
  enabled: true,
  initialIntervalMillis: 5,
  randomizationFactor: 0,
  multiplier: 1,
  maxIntervalMillis: 5,
  maxElapsedMillis: 0,
};
const DOWN: ConsumeResult = { outcome: 'retryable', reason: 'unavailable', message: 'down', retryAfterMillis: 1 };

function sampledTrace(spans: number): SampledTrace {
  const buffer = new TraceBuffer();
  const first = makeSpan();
  let trace = buffer.add(first, 0);
  for (let i = 1; i < spans; i++) trace = buffer.add(makeSpan({ traceId: first.traceId }), 0);
  return { trace, policy: 'all' };
}

function delivery(next: RecordingConsumer, retry: RetryPolicy = FAST) {
  const context = testContext(undefined);
  const done: (readonly SampledTrace[])[] = [];
  const step = new SampledDelivery({
    name: 'tail_sampling',
    next,
    metrics: context.metrics,
    logger: context.logger,
    durable: true,
    onDone: (batch) => done.push(batch),
    retry,
  });
  return { step, done, context };
}

describe('SampledDelivery', () => {
  test('traces queued in one turn go downstream as one batch; retryable answers are retried until taken', async () => {
    const next = new RecordingConsumer();
    let refusals = 3;
    next.answer = () => (refusals-- > 0 ? DOWN : { outcome: 'success' });
    const { step, done, context } = delivery(next);
    step.enqueue(sampledTrace(2));
    step.enqueue(sampledTrace(1));
    const started = Date.now();
    while (done.length === 0 && Date.now() - started < 5_000) await new Promise((r) => setTimeout(r, 5));
    assert.equal(next.batches.length, 1);
    assert.equal(next.spans.length, 3);
    assert.equal(done.length, 1);
    assert.equal(done[0]!.length, 2);
    assert.equal(refusals, -1, 'three refusals, then taken');
    assert.equal(await counterValue(context.metrics, 'skein_processor_outgoing_spans_total', { processor: 'tail_sampling' }), 3);
    await step.stop();
  });

  test('a failure answer is logged and the batch is done with (not retried)', async () => {
    const next = new RecordingConsumer();
    let calls = 0;
    next.answer = () => {
      calls++;
      return { outcome: 'failure', message: 'bad data' };
    };
    const { step, done, context } = delivery(next);
    step.enqueue(sampledTrace(1));
    await step.whenIdle();
    assert.equal(calls, 1);
    assert.equal(done.length, 1);
    assert.match(context.errors.join('\n'), /refused 1 sampled spans for good: bad data/);
    await step.stop();
  });

  test('stop cuts a backoff short and leaves the batch undelivered (the journal keeps it)', async () => {
    const next = new RecordingConsumer();
    let calls = 0;
    next.answer = () => {
      calls++;
      return DOWN;
    };
    const slow: RetryPolicy = { ...FAST, initialIntervalMillis: 60_000, maxIntervalMillis: 60_000 };
    const { step, done } = delivery(next, slow);
    step.enqueue(sampledTrace(1));
    await step.whenIdle();
    assert.equal(calls, 1, 'sent once, now waiting out a 60 s backoff');
    const started = Date.now();
    await step.stop();
    assert.ok(Date.now() - started < 1_000, 'stop does not wait for the backoff');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(calls, 1, 'no retry after stop');
    assert.equal(done.length, 0);
  });
});
