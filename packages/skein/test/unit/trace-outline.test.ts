import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ancestorsOf,
  buildTraceOutline,
  defaultFoldDepth,
  searchOutline,
  spanIdOf,
  startOrder,
  visibleRows,
} from '../../src/query/trace-outline.js';
import type { TraceOutlineColumns } from '../../src/storage/trace-store.js';

/** Short test labels as 8-byte IDs (zero-padded in front: labels of one length keep their order); '' is no parent. */
const idBytes = (label: string): Buffer => Buffer.from(label.padStart(8, '\0'), 'latin1');
const labelOf = (hex: string): string => Buffer.from(hex, 'hex').toString('latin1').replace(/^\0+/, '');

/** Columns from [spanId, parentSpanId, start ms, duration ms, status, name] rows (service: `svc-<first letter>`). */
function columns(rows: Array<[string, string, number, number, number, string]>): TraceOutlineColumns {
  const base = 1_700_000_000;
  const services = [...new Set(rows.map((r) => `svc-${r[5][0]}`))];
  const names = rows.map((r) => Buffer.from(r[5]));
  const nameOffsets = new Uint32Array(rows.length + 1);
  names.forEach((name, i) => (nameOffsets[i + 1] = nameOffsets[i]! + name.length));
  return {
    spanCount: rows.length,
    spanIds: new Uint8Array(Buffer.concat(rows.map((r) => idBytes(r[0])))),
    parentSpanIds: new Uint8Array(Buffer.concat(rows.map((r) => idBytes(r[1])))),
    startSeconds: Uint32Array.from(rows, (r) => base + Math.floor(r[2] / 1000)),
    startNanos: Uint32Array.from(rows, (r) => (r[2] % 1000) * 1_000_000),
    durationsNano: Float64Array.from(rows, (r) => r[3] * 1_000_000),
    statusCodes: Uint8Array.from(rows, (r) => r[4]),
    services,
    serviceIndex: Uint16Array.from(rows, (r) => services.indexOf(`svc-${r[5][0]}`)),
    nameBytes: new Uint8Array(Buffer.concat(names)),
    nameOffsets,
  };
}

const ids = (outline: ReturnType<typeof buildTraceOutline>, positions: Iterable<number>): string[] =>
  [...positions].map((p) => labelOf(spanIdOf(outline, outline.order[p]!)));

test('the outline orders spans depth first, children by start then ID, orphans and cycles at the top level', () => {
  // Given out of order, as an engine may return them.
  const outline = buildTraceOutline(
    't',
    columns([
      ['c', 'a', 1500, 10, 0, 'child late'],
      ['a', '', 0, 3000, 0, 'root'],
      ['b', 'a', 1000, 100, 2, 'child early'],
      ['d', 'b', 1001, 5, 0, 'grandchild'],
      ['e', 'zz', 500, 5, 0, 'orphan'],
      ['f', 'g', 2000, 5, 0, 'cycle f'],
      ['g', 'f', 2100, 5, 0, 'cycle g'],
      ['h', 'h', 2500, 1, 0, 'self parent'],
    ]),
  );
  assert.deepEqual(ids(outline, outline.order.keys()), ['a', 'b', 'd', 'c', 'e', 'h', 'f', 'g']);
  assert.deepEqual([...outline.depth], [0, 1, 2, 1, 0, 0, 0, 1]);
  assert.deepEqual([...outline.subtreeSize], [4, 2, 1, 1, 1, 1, 2, 1]);
  assert.deepEqual([...outline.childCount], [2, 1, 0, 0, 0, 0, 1, 0]);
  assert.equal(outline.orphan[outline.order[4]!], 1);
  assert.equal(outline.spanCount, 8);
  assert.equal(outline.errorCount, 1);
  assert.equal(outline.durationNano, 3000 * 1_000_000);
  assert.equal(outline.maxDepth, 3);
  assert.deepEqual(outline.services, ['svc-r', 'svc-o', 'svc-c', 'svc-g', 'svc-s']);
  assert.deepEqual(ancestorsOf(outline, 2), [1, 0]);
  assert.equal(outline.startOffsetNano[0], 1_500_000_000); // 'c' (column 0) starts 1.5 s in
});

test('visible rows follow the fold depth and the toggled rows; search finds the next match', () => {
  const rows: Array<[string, string, number, number, number, string]> = [['r', '', 0, 100, 0, 'root']];
  // r → 3 children → 2 grandchildren each
  for (let c = 0; c < 3; c++) {
    rows.push([`c${c}`, 'r', 10 + c * 20, 15, 0, `child ${c}`]);
    for (let g = 0; g < 2; g++) rows.push([`c${c}g${g}`, `c${c}`, 11 + c * 20 + g, 1, 0, `grand ${c}.${g}`]);
  }
  const outline = buildTraceOutline('t', columns(rows));
  assert.equal(visibleRows(outline, { foldDepth: 100, toggled: new Set() }).length, 10);
  assert.deepEqual(ids(outline, visibleRows(outline, { foldDepth: 1, toggled: new Set() })), ['r', 'c0', 'c1', 'c2']);
  assert.deepEqual(ids(outline, visibleRows(outline, { foldDepth: 0, toggled: new Set() })), ['r']);
  // c1 (position 4) flipped open under fold depth 1; the root flipped shut under no fold.
  assert.deepEqual(ids(outline, visibleRows(outline, { foldDepth: 1, toggled: new Set([4]) })), ['r', 'c0', 'c1', 'c1g0', 'c1g1', 'c2']);
  assert.deepEqual(ids(outline, visibleRows(outline, { foldDepth: 100, toggled: new Set([0]) })), ['r']);
  assert.deepEqual(searchOutline(outline, 'GRAND 1', -1), { count: 2, next: 5 });
  assert.deepEqual(searchOutline(outline, 'grand 1', 5), { count: 2, next: 6 });
  assert.deepEqual(searchOutline(outline, 'grand 1', 6), { count: 2, next: 5 }); // wraps
  assert.deepEqual(searchOutline(outline, 'nothing', -1), { count: 0, next: undefined });
  assert.equal(defaultFoldDepth(outline, 1_000_000), 1_000_000); // small: unfolded
});

test('start order: the radix sort gives the order of the comparator sort, ties by span ID, at every offset width', () => {
  let seed = 7;
  const random = (): number => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  for (const [count, maxOffset] of [
    [10, 1e6],
    [5_000, 100],
    [5_000, 60e9],
    [20_000, 2 ** 52],
  ] as const) {
    const ids = new Uint8Array(count * 8);
    for (let i = 0; i < ids.length; i++) ids[i] = Math.floor(random() * 256);
    // Few distinct values at a small maximum: many equal starts, decided by ID.
    const offsets = Float64Array.from({ length: count }, () => Math.floor(random() * maxOffset));
    const compareIds = (a: number, b: number): number => {
      for (let k = 0; k < 8; k++) if (ids[a * 8 + k] !== ids[b * 8 + k]) return ids[a * 8 + k]! - ids[b * 8 + k]!;
      return 0;
    };
    const expected = Int32Array.from({ length: count }, (_, i) => i).sort((a, b) => offsets[a]! - offsets[b]! || compareIds(a, b));
    assert.deepStrictEqual(startOrder(ids, offsets), expected, `${count} spans, offsets below ${maxOffset}`);
  }
});
