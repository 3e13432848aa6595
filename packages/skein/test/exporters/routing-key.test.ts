/** Batch splitting by routing key: whole traces (or services) per backend, nothing lost or doubled. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistentHashRing } from '../../src/collector/exporters/consistent-hash-ring.js';
import { splitByBackend } from '../../src/collector/exporters/routing-key.js';
import type { Span } from '../../src/model/span.js';
import { makeResource, makeSpan, randomTraceId } from '../support/span-factory.js';

const ring = new ConsistentHashRing(['a:4317', 'b:4317', 'c:4317']);

/** 50 traces of 5 spans, interleaved as a busy SDK batch would have them. */
function interleavedBatch(): Span[] {
  const traces = Array.from({ length: 50 }, () => randomTraceId());
  const spans: Span[] = [];
  for (let i = 0; i < 5; i++) {
    for (const [index, traceId] of traces.entries()) {
      spans.push(makeSpan({ traceId, name: `span-${i}`, resource: makeResource(`service-${index % 7}`) }));
    }
  }
  return spans;
}

test('routing by trace ID puts every span of a trace in one backend batch, in order', () => {
  const spans = interleavedBatch();
  const batches = splitByBackend(spans, ring, 'traceID');
  assert.ok(batches.size > 1, 'a batch of 50 traces spreads over several backends');
  const backendOfTrace = new Map<string, string>();
  let total = 0;
  for (const [backend, batch] of batches) {
    total += batch.length;
    for (const span of batch) {
      assert.equal(backendOfTrace.get(span.traceId) ?? backend, backend, `trace ${span.traceId} split across backends`);
      backendOfTrace.set(span.traceId, backend);
      assert.equal(ring.lookup(span.traceId), backend);
    }
    const order = batch.map((span) => spans.indexOf(span));
    assert.deepEqual(
      order,
      [...order].sort((x, y) => x - y),
    );
  }
  assert.equal(total, spans.length);
});

test('routing by service puts every span of a service in one backend batch', () => {
  const batches = splitByBackend(interleavedBatch(), ring, 'service');
  const backendOfService = new Map<string, string>();
  for (const [backend, batch] of batches) {
    for (const span of batch) {
      const service = span.resource.attributes[0]!.value as string;
      assert.equal(backendOfService.get(service) ?? backend, backend);
      backendOfService.set(service, backend);
    }
  }
  assert.equal(backendOfService.size, 7);
});

test('an empty ring cannot route', () => {
  assert.throws(() => splitByBackend([makeSpan()], new ConsistentHashRing([]), 'traceID'), /no backends/);
});
