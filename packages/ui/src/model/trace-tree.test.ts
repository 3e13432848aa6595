import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { nativeTraceSchema, type NativeTrace } from '../api/schemas';
import { ancestorKeys, buildTraceTree, spansPerService, visibleRows, type SpanNode } from './trace-tree';

const MS = 1_000_000;

// Fixtures go through the same zod schema as API responses: they stay true to docs/api.md.
function fixture(name: string): NativeTrace {
  return nativeTraceSchema.parse(JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')));
}

function outline(nodes: SpanNode[], indent = ''): string[] {
  return nodes.flatMap((node) => [
    `${indent}${node.span ? node.span.name : `[missing ${node.missingSpanId}]`}${node.duplicate ? ' (dup)' : ''}${node.parentCycle ? ' (cycle)' : ''}`,
    ...outline(node.children, `${indent}  `),
  ]);
}

test('a well-formed trace: tree, offsets, self time, depth, summary', () => {
  const tree = buildTraceTree(fixture('checkout-trace.json'));
  assert.deepEqual(outline(tree.roots), ['GET /checkout', '  POST /cart/reserve', '    SELECT cart', '    cache get', '  charge']);
  assert.equal(tree.spanCount, 5);
  assert.equal(tree.errorCount, 1);
  assert.equal(tree.depth, 3);
  assert.equal(tree.durationNano, 500 * MS);
  assert.deepEqual(tree.services, ['frontend', 'cart', 'payment']);
  assert.equal(tree.rootSpan?.name, 'GET /checkout');
  assert.equal(tree.rootSpanMissing, false);
  assert.equal(tree.orphanCount, 0);

  const cart = tree.bySpanId.get('0000000000000c01')!;
  assert.equal(cart.startOffsetNano, 10 * MS);
  assert.equal(cart.depth, 1);
  // Children 20–120 and 100–180 overlap: covered 20–180 = 160 ms of 200 ms.
  assert.equal(cart.selfTimeNano, 40 * MS);
  const root = tree.bySpanId.get('eee19b7ec3c1b174')!;
  // Children cover 10–210 and 220–480: self time 500 − 200 − 260.
  assert.equal(root.selfTimeNano, 40 * MS);
  assert.equal(tree.bySpanId.get('0000000000000d01')!.selfTimeNano, 100 * MS);
  assert.deepEqual(spansPerService(tree), [
    { serviceName: 'cart', spanCount: 3 },
    { serviceName: 'frontend', spanCount: 1 },
    { serviceName: 'payment', spanCount: 1 },
  ]);
});

test('messy trace: orphans under placeholders, duplicate IDs kept, cycles and self-parents shown, nothing dropped', () => {
  const trace = fixture('messy-trace.json');
  const tree = buildTraceTree(trace);
  assert.deepEqual(outline(tree.roots), [
    'root',
    '  dup',
    '    under-dup',
    '  dup (dup)',
    'cycle-a (cycle)',
    '  cycle-b',
    '[missing ffffffffffffff01]',
    '  late-child-1',
    '    grandchild',
    '  late-child-2',
    '[missing ffffffffffffff02]',
    '  other-orphan',
    '[missing 00000000000000f1]',
    '  self-parent',
  ]);
  const spanRows = [...tree.byKey.values()].filter((node) => node.span);
  assert.equal(spanRows.length, trace.spans.length);
  assert.equal(tree.spanCount, trace.spans.length);
  assert.equal(tree.orphanCount, 4);
  assert.equal(tree.duplicateCount, 1);
  assert.ok(tree.byKey.has('00000000000000d2#1'));
  // The first span with a repeated ID (by start time) owns it: children attach there.
  assert.equal(tree.bySpanId.get('00000000000000d2')!.span!.serviceName, 'frontend');
  // A placeholder spans its children; depth counts the missing parent as a level.
  const missing = tree.byKey.get('missing:ffffffffffffff01')!;
  assert.equal(missing.startOffsetNano, 30 * MS);
  assert.equal(missing.durationNano, 30 * MS);
  assert.equal(tree.depth, 3);
  assert.equal(tree.rootSpan?.name, 'root');
});

test('a trace without any root reports rootSpanMissing and the earliest span', () => {
  const trace = fixture('messy-trace.json');
  const tree = buildTraceTree({ ...trace, spans: trace.spans.filter((span) => span.parentSpanId !== '') });
  assert.equal(tree.rootSpanMissing, true);
  assert.equal(tree.rootSpan?.name, 'cycle-a');
});

test('visible rows skip collapsed subtrees; ancestors lead up to the top', () => {
  const tree = buildTraceTree(fixture('checkout-trace.json'));
  const names = (collapsed: string[]): string[] => visibleRows(tree, new Set(collapsed)).map((node) => node.span?.name ?? '?');
  assert.deepEqual(names([]), ['GET /checkout', 'POST /cart/reserve', 'SELECT cart', 'cache get', 'charge']);
  assert.deepEqual(names(['0000000000000c01']), ['GET /checkout', 'POST /cart/reserve', 'charge']);
  assert.deepEqual(names(['eee19b7ec3c1b174']), ['GET /checkout']);
  assert.deepEqual(ancestorKeys(tree, '0000000000000d02'), ['0000000000000c01', 'eee19b7ec3c1b174']);
});

test('an empty trace builds an empty tree', () => {
  const tree = buildTraceTree({ traceId: 'ab', spans: [], resources: [], scopes: [] });
  assert.equal(tree.roots.length, 0);
  assert.equal(tree.depth, 0);
  assert.equal(tree.rootSpan, undefined);
  assert.equal(tree.rootSpanMissing, false);
});
