import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { nativeTraceSchema, type NativeTrace } from '../api/schemas';
import { timelineKey, type TimelineCommand } from './timeline-keys';
import { buildTraceTree, visibleRows } from './trace-tree';

function fixture(name: string): NativeTrace {
  return nativeTraceSchema.parse(JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')));
}

// checkout-trace: GET /checkout (eee1…) > POST /cart/reserve (c01) > SELECT cart (d01), cache get (d02); > charge (a01).
const tree = buildTraceTree(fixture('checkout-trace.json'));
const ROOT = 'eee19b7ec3c1b174';
const CART = '0000000000000c01';
const SELECT = '0000000000000d01';
const CACHE = '0000000000000d02';
const CHARGE = '0000000000000a01';

/** Runs the reducer the way the component does, applying select/collapse/expand. */
function press(keys: string[], start: { selected?: string; collapsed?: string[] } = {}) {
  let selected = start.selected;
  const collapsed = new Set(start.collapsed ?? []);
  const commands: TimelineCommand[] = [];
  for (const key of keys) {
    const rows = visibleRows(tree, collapsed);
    const command = timelineKey(key, {
      rows,
      rowIndex: new Map(rows.map((row, index) => [row.key, index])),
      selectedKey: selected,
      isCollapsed: (k) => collapsed.has(k),
      pageSize: 2,
    });
    if (!command) continue;
    commands.push(command);
    if (command.type === 'select') selected = command.key;
    if (command.type === 'collapse') collapsed.add(command.key);
    if (command.type === 'expand') collapsed.delete(command.key);
    if (command.type === 'clear') selected = undefined;
  }
  return { selected, collapsed: [...collapsed], commands };
}

test('up and down move through the visible rows and stop at the ends; without a selection they start at the top', () => {
  assert.equal(press(['ArrowDown']).selected, ROOT);
  assert.equal(press(['ArrowDown', 'ArrowDown', 'ArrowDown']).selected, SELECT);
  assert.equal(press(['ArrowUp'], { selected: CART }).selected, ROOT);
  assert.equal(press(['ArrowUp'], { selected: ROOT }).commands.length, 0);
  assert.equal(press(['ArrowDown'], { selected: CHARGE }).commands.length, 0);
  // Rows hidden under a collapsed span are skipped.
  assert.equal(press(['ArrowDown'], { selected: CART, collapsed: [CART] }).selected, CHARGE);
  assert.equal(press(['End']).selected, CHARGE);
  assert.equal(press(['Home'], { selected: CACHE }).selected, ROOT);
  assert.equal(press(['PageDown'], { selected: ROOT }).selected, SELECT);
  assert.equal(press(['PageDown', 'PageDown', 'PageDown'], { selected: ROOT }).selected, CHARGE);
  assert.equal(press(['PageUp'], { selected: CACHE }).selected, CART);
});

test('left collapses, then goes to the parent; right expands, then goes to the first child', () => {
  assert.deepEqual(press(['ArrowLeft'], { selected: CART }), {
    selected: CART,
    collapsed: [CART],
    commands: [{ type: 'collapse', key: CART }],
  });
  assert.equal(press(['ArrowLeft', 'ArrowLeft'], { selected: CART }).selected, ROOT);
  assert.equal(press(['ArrowLeft'], { selected: SELECT }).selected, CART);
  assert.equal(press(['ArrowLeft'], { selected: ROOT, collapsed: [ROOT] }).commands.length, 0);
  assert.deepEqual(press(['ArrowRight'], { selected: CART, collapsed: [CART] }).collapsed, []);
  assert.equal(press(['ArrowRight', 'ArrowRight'], { selected: CART, collapsed: [CART] }).selected, SELECT);
  assert.equal(press(['ArrowRight'], { selected: SELECT }).commands.length, 0);
});

test('Enter opens the selected span, / focuses the search, Escape clears the selection, other keys do nothing', () => {
  assert.deepEqual(press(['Enter'], { selected: CHARGE }).commands, [{ type: 'open', key: CHARGE }]);
  assert.deepEqual(press(['Enter']).commands, [{ type: 'select', key: ROOT }]);
  assert.deepEqual(press(['/']).commands, [{ type: 'focus-search' }]);
  assert.deepEqual(press(['Escape'], { selected: CART }), { selected: undefined, collapsed: [], commands: [{ type: 'clear' }] });
  assert.deepEqual(press(['Escape']).commands, []);
  assert.deepEqual(press(['a', 'Tab', ' '], { selected: CART }).commands, []);
});
