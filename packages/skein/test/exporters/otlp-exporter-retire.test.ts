/**
 * Retiring an OTLP exporter (its backend left the load balancer's set): it stops sending and hands
 * every batch it still holds to whoever drains it, without calling anything of its owner. A caller
 * waiting in memory hears how its hand-over went; a batch from disk is handed over until settled
 * (with backoff), then the queue directory is deleted.
 */
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HandedOverBatch } from '../../src/collector/exporters/handover.js';
import { OtlpExporter } from '../../src/collector/exporters/otlp-exporter.js';
import type { RetryPolicy } from '../../src/collector/pipeline/retry-policy.js';
import { makeSpan } from '../support/span-factory.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';
import { ScriptedTransport, silentLogger, until } from './scripted-transport.js';

const RETRY: RetryPolicy = {
  enabled: true,
  initialIntervalMillis: 10,
  randomizationFactor: 0,
  multiplier: 2,
  maxIntervalMillis: 20,
  maxElapsedMillis: 0,
};

/** Reads a hand-over to its end, settling each batch with what `answer` says. */
async function drain(
  batches: AsyncIterable<HandedOverBatch>,
  answer: (batch: HandedOverBatch, index: number) => Parameters<HandedOverBatch['settle']>[0],
): Promise<HandedOverBatch[]> {
  const seen: HandedOverBatch[] = [];
  for await (const batch of batches) {
    seen.push(batch);
    batch.settle(answer(batch, seen.length - 1));
  }
  return seen;
}

test('in memory: waiting and retrying batches are handed over; each caller hears its hand-over’s outcome', async () => {
  const transport = new ScriptedTransport();
  transport.hold();
  transport.script.push({ kind: 'retry', throttled: false, message: 'connection reset' });
  const exporter = new OtlpExporter(
    'loadbalancing[b1:4317]',
    transport,
    RETRY,
    { enabled: true, numConsumers: 1, queueSize: 10, sizer: 'requests' },
    { metrics: undefined, logger: silentLogger },
  );
  await exporter.start();
  const callers = [exporter.consume([makeSpan()]), exporter.consume([makeSpan(), makeSpan()]), exporter.consume([makeSpan()])];
  await until(() => transport.heldSends === 1, 2_000, 'the first send');
  const handedOver = exporter.retire();
  const drained = drain(handedOver, (_, index) =>
    index === 1 ? { outcome: 'failure', message: 'placed nowhere' } : { outcome: 'success' },
  );
  transport.release();
  const results = await Promise.all(callers);
  const seen = await drained;
  assert.deepEqual(
    seen.map((batch) => batch.spans.length),
    [1, 2, 1],
    'the one whose send failed after retire, then the waiting ones, in order',
  );
  assert.deepEqual(
    results.map((result) => result.outcome),
    ['success', 'failure', 'success'],
  );
  assert.equal(transport.sends.length, 1, 'nothing more went to the retired destination');
  assert.equal(transport.closed, true);
  assert.deepEqual(await exporter.consume([makeSpan()]).then((result) => result.outcome), 'retryable', 'after retirement');
  await exporter.shutdown();
});

test('on disk: a retired exporter never sends, hands each record over until placed, then deletes its queue', async () => {
  const dir = makeTempDir('retire-queue');
  try {
    const down = new ScriptedTransport();
    down.whenEmpty = { kind: 'retry', throttled: false, message: 'connect ECONNREFUSED' };
    const options = { enabled: true, numConsumers: 2, queueSize: 100, sizer: 'requests' as const, persistentDir: dir };
    const before = new OtlpExporter('otlp/test', down, RETRY, options, { metrics: undefined, logger: silentLogger });
    await before.start();
    for (let i = 0; i < 4; i++) assert.deepEqual(await before.consume([makeSpan()]), { outcome: 'success' });
    await before.shutdown();

    const gone = new ScriptedTransport();
    const after = new OtlpExporter('otlp/test', gone, RETRY, options, { metrics: undefined, logger: silentLogger });
    const handedOver = after.retire();
    await after.start();
    let refusals = 2;
    const seen = await drain(handedOver, () =>
      refusals-- > 0
        ? { outcome: 'retryable', reason: 'unavailable', message: 'no backends', retryAfterMillis: 5 }
        : { outcome: 'success' },
    );
    assert.equal(seen.length, 6, 'four records, two of them handed over twice after a refusal');
    assert.equal(new Set(seen.map((batch) => batch.spans[0]!.spanId)).size, 4);
    assert.equal(gone.sends.length, 0, 'retired before start: not one send to the old destination');
    assert.equal(existsSync(dir), false, 'the queue directory is deleted once everything is placed');
    await after.shutdown();
  } finally {
    removeDir(dir);
  }
});
