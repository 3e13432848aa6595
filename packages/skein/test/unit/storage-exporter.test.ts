/**
 * Group-commit batching and the bounded queue of the storage exporter. The store here is a
 * controllable in-memory double because the behaviour under test is timing (what waits for
 * what); the real engines are covered by the storage contract suite and the e2e tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StorageExporter } from '../../src/collector/exporters/storage-exporter.js';
import type { Span } from '../../src/model/span.js';
import { StorageError, type TraceStore } from '../../src/storage/trace-store.js';
import { makeSpan } from '../support/span-factory.js';

class GatedStore {
  readonly writes: number[] = [];
  private gates: Array<() => void> = [];
  failWith: Error | undefined;
  writeSpans(spans: readonly Span[]): Promise<void> {
    this.writes.push(spans.length);
    return new Promise((resolve, reject) => this.gates.push(() => (this.failWith ? reject(this.failWith) : resolve())));
  }
  releaseAll(): void {
    const gates = this.gates;
    this.gates = [];
    for (const open of gates) open();
  }
  get pending(): number {
    return this.gates.length;
  }
}

const spans = (n: number): Span[] => Array.from({ length: n }, () => makeSpan());
const tick = () => new Promise((r) => setImmediate(r));

test('an idle exporter writes at once; requests arriving during a write are merged into the next', async () => {
  const store = new GatedStore();
  const exporter = new StorageExporter(store as unknown as TraceStore, {
    maxBatchSpans: 1000,
    maxQueuedSpans: 10_000,
    maxConcurrentWrites: 1,
    retryAfterMillis: 500,
  });
  let firstDone = false;
  const first = exporter.consume(spans(10)).then((r) => ((firstDone = true), r));
  await tick();
  assert.deepEqual(store.writes, [10]);
  const rest = [exporter.consume(spans(5)), exporter.consume(spans(7)), exporter.consume(spans(3))];
  await tick();
  assert.deepEqual(store.writes, [10], 'later requests wait for the running write');
  assert.equal(firstDone, false, 'nothing resolves before its write completes');
  store.releaseAll();
  assert.deepEqual(await first, { outcome: 'success' });
  await tick();
  assert.deepEqual(store.writes, [10, 15], 'the waiting requests go out as one insert');
  store.releaseAll();
  for (const result of await Promise.all(rest)) assert.equal(result.outcome, 'success');
  assert.equal(exporter.stats().writtenSpans, 25);
});

test('a full queue refuses with a retry hint instead of growing', async () => {
  const store = new GatedStore();
  const exporter = new StorageExporter(store as unknown as TraceStore, {
    maxBatchSpans: 1000,
    maxQueuedSpans: 20,
    maxConcurrentWrites: 1,
    retryAfterMillis: 750,
  });
  const writing = exporter.consume(spans(50));
  const queued = exporter.consume(spans(15));
  const refused = await exporter.consume(spans(10));
  assert.deepEqual(refused, {
    outcome: 'retryable',
    reason: 'overloaded',
    message: 'storage write queue is full (15 spans waiting, limit 20)',
    retryAfterMillis: 750,
  });
  store.releaseAll();
  await writing;
  await tick();
  store.releaseAll();
  assert.equal((await queued).outcome, 'success');
});

test('storage errors map to retryable (unavailable) or failure (rejected) for every request of the batch', async () => {
  const store = new GatedStore();
  const exporter = new StorageExporter(store as unknown as TraceStore, {
    maxBatchSpans: 1000,
    maxQueuedSpans: 1000,
    maxConcurrentWrites: 1,
    retryAfterMillis: 100,
  });
  store.failWith = new StorageError('unavailable', 'connection refused');
  const a = exporter.consume(spans(1));
  await tick();
  store.releaseAll();
  assert.deepEqual(await a, {
    outcome: 'retryable',
    reason: 'unavailable',
    message: 'storage is unavailable: connection refused',
    retryAfterMillis: 100,
  });
  store.failWith = new StorageError('rejected', 'bad row');
  const b = exporter.consume(spans(1));
  await tick();
  store.releaseAll();
  assert.deepEqual(await b, { outcome: 'failure', message: 'storage rejected the batch: bad row' });
});

test('a batch larger than maxBatchSpans is written in several inserts; shutdown waits for them', async () => {
  const store = new GatedStore();
  const exporter = new StorageExporter(store as unknown as TraceStore, {
    maxBatchSpans: 4,
    maxQueuedSpans: 1000,
    maxConcurrentWrites: 1,
    retryAfterMillis: 100,
  });
  const result = exporter.consume(spans(10));
  let shutDown = false;
  const shutdown = exporter.shutdown().then(() => (shutDown = true));
  for (let i = 0; i < 3; i++) {
    await tick();
    assert.equal(shutDown, false);
    store.releaseAll();
  }
  assert.equal((await result).outcome, 'success');
  await shutdown;
  assert.deepEqual(store.writes, [4, 4, 2]);
  assert.equal((await exporter.consume(spans(1))).outcome, 'retryable', 'refuses work after shutdown');
});

test('bounded wait: a request whose insert cannot start within max wait is refused at once, one that waits too long is refused then', async () => {
  const store = new GatedStore();
  const exporter = new StorageExporter(store as unknown as TraceStore, {
    maxBatchSpans: 100_000,
    maxQueuedSpans: 1_000_000,
    maxConcurrentWrites: 1,
    retryAfterMillis: 500,
    maxQueueWaitMillis: 200,
  });
  // Measure the cost: 100 spans in about 50 ms, 0.5 ms a span.
  const first = exporter.consume(spans(100));
  await new Promise((r) => setTimeout(r, 50));
  store.releaseAll();
  assert.equal((await first).outcome, 'success');

  const running = exporter.consume(spans(100));
  await tick();
  const queued = exporter.consume(spans(400)); // nothing waits ahead of it: admitted
  const started = performance.now();
  const refused = await exporter.consume(spans(10)); // about 50 + 400 × 0.5 = 250 ms ahead of it
  assert.ok(refused.outcome === 'retryable' && refused.reason === 'overloaded', JSON.stringify(refused));
  assert.match(refused.message, /cannot start this write within 200 ms: the wait is predicted to be \d+ ms/);
  assert.ok(performance.now() - started < 100, 'refused at once, not after waiting');
  // Nothing is released: the waiting request is refused when its wait passes 200 ms.
  const queuedResult = await queued;
  assert.ok(queuedResult.outcome === 'retryable' && queuedResult.reason === 'overloaded', JSON.stringify(queuedResult));
  assert.match(queuedResult.message, /the wait passed the limit/);
  assert.ok(performance.now() - started < 1_000);
  assert.equal(exporter.stats().queuedSpans, 0);
  store.releaseAll();
  assert.equal((await running).outcome, 'success');
  assert.deepEqual(store.writes, [100, 100], 'refused requests are never written');
});
