import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRowBatches, buildRowBatchesInTurns } from '../../src/storage/span-rows.js';
import { makeResource, makeScope, makeSpan } from '../support/span-factory.js';

test('rows built a slice at a time are byte for byte the rows built in one go', async () => {
  const resources = [makeResource('a'), makeResource('b', [{ key: 'k8s.pod.name', value: 'p-1' }]), makeResource('c')];
  const scopes = [makeScope('one'), makeScope('two')];
  const spans = Array.from({ length: 53 }, (_, index) =>
    makeSpan({
      name: `op-${index % 5}`,
      resource: resources[index % 3]!,
      scope: scopes[index % 2]!,
      startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(index) * 1_000_000n,
      endTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(index) * 1_000_000n + 500_000n,
      attributes: [{ key: 'i', value: index }],
    }),
  );
  // A resource and an operation already known: both paths must skip them alike.
  const known = buildRowBatches(spans.slice(0, 3));
  const knownRows = {
    resources: new Set(known.newResources.slice(0, 1)),
    scopes: new Set<string>(),
    operations: new Map(known.writtenOperations.slice(0, 1)),
  };
  for (const format of ['TabSeparated', 'RowBinary'] as const) {
    for (const slice of [1, 7, 53, 1000]) {
      assert.deepEqual(
        await buildRowBatchesInTurns(spans, knownRows, slice, format),
        buildRowBatches(spans, knownRows, format),
        `${format}, slices of ${slice}`,
      );
    }
    assert.deepEqual(await buildRowBatchesInTurns([], knownRows, undefined, format), buildRowBatches([], knownRows, format));
  }
  // The formats differ only in the spans table's rows.
  const text = buildRowBatches(spans, knownRows, 'TabSeparated');
  const binary = buildRowBatches(spans, knownRows, 'RowBinary');
  assert.notDeepEqual(binary.spans, text.spans);
  assert.deepEqual({ ...binary, spans: text.spans, spansFormat: text.spansFormat }, text);
});
