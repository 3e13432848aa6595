import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isZeroId, SpanIdTable } from '../../src/model/span-id-table.js';

test('span ID table: counter-like IDs spread (no quadratic probing), copies found, replace wins', () => {
  const count = 200_000;
  // IDs that differ only in their last three bytes, as big-trace.ts makes them.
  const ids = new Uint8Array(count * 8 + 8);
  for (let i = 0; i < count; i++) Buffer.from((i + 1).toString(16).padStart(16, '0'), 'hex').copy(ids, i * 8);
  ids.set(ids.subarray(5 * 8, 6 * 8), count * 8); // a copy of span 5's ID at index `count`
  const table = new SpanIdTable(ids, count + 1);
  // A hash that clusters these IDs made this loop quadratic (minutes); spread, it takes milliseconds.
  for (let i = 0; i < count; i++) assert.equal(table.add(i), i);
  assert.equal(table.add(count), 5);
  assert.equal(table.get(Buffer.from('0000000000000006', 'hex'), 0), 5);
  assert.equal(table.get(Buffer.from('00000000ffffffff', 'hex'), 0), -1);
  table.replace(count);
  assert.equal(table.get(Buffer.from('0000000000000006', 'hex'), 0), count);
  assert.equal(isZeroId(new Uint8Array(8), 0), true);
  assert.equal(isZeroId(ids, 0), false);
});
