import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeBox, overlapArea, placeEdgeLabels, type Box, type Curve } from './map-label-placement';
import { layoutServiceGraph, type Dependency, type NodeInfo } from './service-graph';

const straight = (y: number): Curve => [
  [0, y],
  [100, y],
  [200, y],
  [300, y],
];

test('labels sit beside their line, never on it, and never on each other or on an obstacle', () => {
  const obstacle: Box = { left: 100, top: 70, right: 200, bottom: 100 };
  const placed = placeEdgeLabels(
    [
      { curve: straight(100), lines: ['12/s · p99 35 ms'] },
      { curve: straight(100), lines: ['3.0/s · p99 8 ms', '4.0 % errors'] },
    ],
    [obstacle],
  );
  assert.equal(placed.length, 2);
  for (const label of placed) {
    assert.equal(overlapArea(label.box, obstacle), 0);
    assert.ok(label.box.bottom < 100 || label.box.top > 100, 'the line does not run through the label');
  }
  assert.equal(overlapArea(placed[0]!.box, placed[1]!.box), 0);
});

test('the metrics layout: virtual nodes keep their type, labels overlap no node and no other label, RED in labels', () => {
  const red = { rate: 2.5, errorRatio: 0, p99Millis: 35 };
  const deps: Dependency[] = [
    { parentService: 'user', childService: 'frontend', callCount: 100, errorCount: 0, red },
    { parentService: 'frontend', childService: 'checkout', callCount: 60, errorCount: 0, red },
    { parentService: 'frontend', childService: 'cart', callCount: 40, errorCount: 0, red },
    { parentService: 'checkout', childService: 'payment', callCount: 60, errorCount: 6, red: { ...red, errorRatio: 0.1 } },
    { parentService: 'checkout', childService: 'orders', callCount: 60, errorCount: 0, red },
    { parentService: 'cart', childService: 'cart-cache', callCount: 40, errorCount: 0, red },
    { parentService: 'payment', childService: 'stripe-api', callCount: 60, errorCount: 0, red },
  ];
  const info = (virtual: boolean, type: string): NodeInfo => ({ virtual, type, red });
  const nodeInfo = new Map<string, NodeInfo>([
    ['user', info(true, 'user')],
    ['orders', info(true, 'database')],
    ['cart-cache', info(true, 'database')],
    ['stripe-api', info(true, 'virtual_node')],
    ['checkout', info(false, 'service')],
  ]);
  const layout = layoutServiceGraph(deps, { layerGap: 290, rowGap: 130, nodeInfo });
  const byName = new Map(layout.nodes.map((node) => [node.name, node]));
  assert.equal(byName.get('orders')!.virtual, true);
  assert.equal(byName.get('orders')!.type, 'database');
  assert.equal(byName.get('checkout')!.virtual, false);
  assert.equal(byName.get('checkout')!.stats, '2.5/s · p99 35 ms');
  const payment = layout.edges.find((edge) => edge.to === 'payment')!;
  assert.equal(payment.labelText, '2.5/s · p99 35 ms');
  assert.equal(payment.labelErrors, '10.0 % errors');
  const labelBox = (edge: (typeof layout.edges)[number]): Box => ({
    left: edge.labelX - 60,
    right: edge.labelX + 60,
    top: edge.labelY - 8,
    bottom: edge.labelY + 8,
  });
  const nodes = layout.nodes.map(nodeBox);
  for (const [i, edge] of layout.edges.entries()) {
    for (const node of nodes) assert.equal(overlapArea(labelBox(edge), node), 0, `${edge.from}→${edge.to} label on a node`);
    for (const other of layout.edges.slice(i + 1)) assert.equal(overlapArea(labelBox(edge), labelBox(other)), 0);
  }
  for (const node of layout.nodes) assert.ok(nodeBox(node).left >= 0 && nodeBox(node).right <= layout.width);
});
