import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { nativeTraceSchema, type NativeTrace } from '../api/schemas';
import {
  ancestorKeys,
  buildTraceTree,
  defaultCollapsed,
  descendantCounts,
  displayOrder,
  spansPerService,
  visibleRows,
  type SpanNode,
} from './trace-tree';

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

test('big traces open with deep levels folded within a row budget; small ones fully expanded', () => {
  // A synthetic trace: 1 root, 10 children, 100 grandchildren, 1,000 great-grandchildren (+ 5,000 below).
  const spans: NativeTrace['spans'] = [];
  const base = fixture('checkout-trace.json').spans[0]!;
  const add = (id: number, parent: number | undefined): void => {
    spans.push({
      ...base,
      spanId: id.toString(16).padStart(16, '0'),
      parentSpanId: parent === undefined ? '' : parent.toString(16).padStart(16, '0'),
      startTimeUnixNano: (1795428000000000000n + BigInt(id)).toString(),
    });
  };
  let next = 1;
  let level = [next++];
  add(level[0]!, undefined);
  for (const fanout of [10, 10, 10, 5]) {
    const below: number[] = [];
    for (const parent of level) {
      for (let i = 0; i < fanout; i++) {
        add(next, parent);
        below.push(next++);
      }
    }
    level = below;
  }
  const tree = buildTraceTree({ traceId: 'ab', spans, resources: [], scopes: [] });
  assert.equal(tree.spanCount, 6111);
  // 1 + 10 + 100 + 1,000 rows fit a 2,000-row budget; the 1,000 spans of level 3 are folded.
  const collapsed = defaultCollapsed(tree);
  assert.equal(collapsed.size, 1000);
  assert.equal(visibleRows(tree, collapsed).length, 1111);
  // A tight budget still shows the top two levels.
  assert.equal(visibleRows(tree, defaultCollapsed(tree, 5)).length, 11);
  assert.equal(defaultCollapsed(buildTraceTree(fixture('checkout-trace.json'))).size, 0);
  const counts = descendantCounts(tree);
  assert.equal(counts.get(tree.roots[0]!.key), 6110);
  assert.equal(counts.get('0000000000000002'), 610);
  assert.deepEqual([...displayOrder(tree).keys()].slice(0, 3), ['0000000000000001', '0000000000000002', '000000000000000c']);
});

test('a trace 20,000 levels deep builds without overflowing the stack', () => {
  const base = fixture('checkout-trace.json').spans[0]!;
  const spans = Array.from({ length: 20_000 }, (_, i) => ({
    ...base,
    spanId: (i + 1).toString(16).padStart(16, '0'),
    parentSpanId: i === 0 ? '' : i.toString(16).padStart(16, '0'),
    startTimeUnixNano: (1795428000000000000n + BigInt(i)).toString(),
  }));
  const tree = buildTraceTree({ traceId: 'ab', spans, resources: [], scopes: [] });
  assert.equal(tree.depth, 20_000);
  assert.equal(visibleRows(tree, new Set()).length, 20_000);
  assert.equal(ancestorKeys(tree, (20_000).toString(16).padStart(16, '0')).length, 19_999);
});
