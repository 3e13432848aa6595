import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  curvePoints,
  EDGE_LABEL_MAX_GAP_PX,
  gapToPoints,
  nodeBox,
  overlapArea,
  placeEdgeLabels,
  type Box,
  type Curve,
} from './map-label-placement';
import { layoutServiceGraph, MAP_PAGE_SPACING, type Dependency, type NodeInfo } from './service-graph';

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

/** The curve of a laid-out edge's path `M x y C x y x y x y`. */
const curveOf = (path: string): Curve => {
  const n = path.match(/-?[\d.]+/g)!.map(Number);
  return [
    [n[0]!, n[1]!],
    [n[2]!, n[3]!],
    [n[4]!, n[5]!],
    [n[6]!, n[7]!],
  ];
};

test('every shown label is within the bound of its own edge and overlaps nothing; a label with no spot near its edge is hidden', () => {
  // Ten parallel edges 22 px apart: too tight for every label between its line and the next.
  const requests = Array.from({ length: 10 }, (_, i) => ({ curve: straight(100 + i * 22), lines: [`${i}.0/s · p99 12 ms`] }));
  const lines = requests.flatMap((request) =>
    curvePoints(request.curve).map(([x, y]): Box => ({ left: x - 1, top: y - 1, right: x + 1, bottom: y + 1 })),
  );
  const placed = placeEdgeLabels(requests, lines);
  const shown = placed.filter((label) => !label.hidden);
  assert.ok(shown.length >= 2, 'the outer edges have room');
  assert.ok(
    placed.some((label) => label.hidden),
    'the crowded middle edges hide their labels rather than stray',
  );
  for (const [i, label] of placed.entries()) {
    if (label.hidden) continue;
    const gap = gapToPoints(label.box, curvePoints(requests[i]!.curve));
    assert.ok(gap <= EDGE_LABEL_MAX_GAP_PX, `label ${i} is ${gap} px from its edge`);
    for (const line of lines) assert.equal(overlapArea(label.box, line), 0, `a line runs through label ${i}`);
  }
  for (const [i, a] of shown.entries()) for (const b of shown.slice(i + 1)) assert.equal(overlapArea(a.box, b.box), 0);
});

test('the demo topology: every shown label is within the bound of its own edge, on no node, line or other label', () => {
  // The demo's figures: labels as wide as they are there ("0.01/s · p99 48.4 ms").
  const red = { rate: 0.0111, errorRatio: 0, p99Millis: 48.4 };
  const dep = (parentService: string, childService: string, errorRatio = 0): Dependency => ({
    parentService,
    childService,
    callCount: 40,
    errorCount: Math.round(40 * errorRatio),
    red: { ...red, errorRatio },
  });
  const deps = [
    dep('user', 'frontend'),
    dep('frontend', 'checkout'),
    dep('frontend', 'cart'),
    dep('checkout', 'payment', 0.2),
    dep('checkout', 'order-events'),
    dep('checkout', 'orders'),
    dep('cart', 'cart-cache'),
    dep('payment', 'stripe-api'),
  ];
  // The page's spacing, and a wider one.
  for (const layerGap of [MAP_PAGE_SPACING.layerGap, 360]) {
    // Every service with its stats line, as the metrics tap draws them (they make the node boxes wide).
    const nodeInfo = new Map(
      deps
        .flatMap((d) => [d.parentService, d.childService])
        .map((name): [string, NodeInfo] => [
          name,
          { virtual: false, type: 'service', red: name === 'payment' ? { ...red, errorRatio: 0.2 } : red },
        ]),
    );
    const layout = layoutServiceGraph(deps, { ...MAP_PAGE_SPACING, layerGap, nodeInfo });
    const nodes = layout.nodes.map(nodeBox);
    const labels = layout.edges.map((edge) => {
      const lines = edge.labelErrors ? [edge.labelText, edge.labelErrors] : [edge.labelText];
      const halfWidth = Math.max(...lines.map((line) => line.length * 6.2 + 12)) / 2;
      const halfHeight = (lines.length * 13) / 2 + 3;
      const box = {
        left: edge.labelX - halfWidth,
        right: edge.labelX + halfWidth,
        top: edge.labelY - halfHeight,
        bottom: edge.labelY + halfHeight,
      };
      return { name: `${edge.from}→${edge.to}`, box, points: curvePoints(curveOf(edge.path)), hidden: edge.labelHidden };
    });
    assert.ok(labels.filter((label) => !label.hidden).length >= 6, 'most labels find a spot');
    for (const [i, label] of labels.entries()) {
      if (label.hidden) continue;
      const gap = gapToPoints(label.box, label.points);
      assert.ok(gap <= EDGE_LABEL_MAX_GAP_PX, `${label.name} is ${gap} px from its edge`);
      for (const node of nodes) assert.equal(overlapArea(label.box, node), 0, `${label.name} on a node`);
      for (const other of labels) {
        const crossing = other.points.some(
          ([x, y]) => x > label.box.left && x < label.box.right && y > label.box.top && y < label.box.bottom,
        );
        assert.ok(!crossing, `${other.name}'s line runs through ${label.name}'s label`);
      }
      for (const other of labels.slice(i + 1))
        if (!other.hidden) assert.equal(overlapArea(label.box, other.box), 0, `${label.name} on ${other.name}`);
    }
  }
});
