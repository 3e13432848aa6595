import { test } from 'node:test';
import assert from 'node:assert/strict';
import { edgeSeverity, findBackEdges, layoutServiceGraph, type Dependency } from './service-graph';

const dep = (parentService: string, childService: string, callCount = 10, errorCount = 0): Dependency => ({
  parentService,
  childService,
  callCount,
  errorCount,
});

function byName(layout: ReturnType<typeof layoutServiceGraph>): Map<string, (typeof layout.nodes)[number]> {
  return new Map(layout.nodes.map((node) => [node.name, node]));
}

test('no dependencies: an empty layout', () => {
  assert.deepEqual(layoutServiceGraph([]), { nodes: [], edges: [], width: 0, height: 0 });
});

test('callers sit in columns left of their callees (longest path), roots pulled towards their callees', () => {
  const layout = layoutServiceGraph([
    dep('frontend', 'cart'),
    dep('cart', 'db'),
    dep('frontend', 'db'),
    dep('frontend', 'payment'),
    dep('batch', 'db'),
  ]);
  const nodes = byName(layout);
  assert.equal(nodes.get('frontend')!.layer, 0);
  assert.equal(nodes.get('cart')!.layer, 1);
  assert.equal(nodes.get('payment')!.layer, 1);
  // db is two calls deep through cart, even though frontend also calls it directly.
  assert.equal(nodes.get('db')!.layer, 2);
  // batch only calls db: it sits just before it, not in the first column.
  assert.equal(nodes.get('batch')!.layer, 1);
  for (const edge of layout.edges) {
    assert.ok(nodes.get(edge.to)!.x > nodes.get(edge.from)!.x, `${edge.from} → ${edge.to} points right`);
    assert.equal(edge.backward, false);
  }
  assert.ok(layout.nodes.every((n) => n.x > 0 && n.x < layout.width && n.y > 0 && n.y < layout.height));
});

test('no two services overlap', () => {
  const deps = [dep('a', 'b'), dep('a', 'c'), dep('a', 'd'), dep('b', 'e'), dep('c', 'e'), dep('d', 'f'), dep('g', 'f')];
  const nodes = layoutServiceGraph(deps).nodes;
  for (const a of nodes)
    for (const b of nodes) {
      if (a === b) continue;
      assert.ok(Math.hypot(a.x - b.x, a.y - b.y) > a.radius + b.radius, `${a.name} and ${b.name} are apart`);
    }
});

test('barycenter ordering removes an avoidable crossing', () => {
  // Alphabetically a→y and b→x cross; ordering by the callers' positions uncrosses them.
  const layout = layoutServiceGraph([dep('a', 'y'), dep('b', 'x')]);
  const nodes = byName(layout);
  assert.equal(Math.sign(nodes.get('a')!.y - nodes.get('b')!.y), Math.sign(nodes.get('y')!.y - nodes.get('x')!.y));
});

test('cycles are broken where they are entered; the back edge arcs above and stays inside the drawing', () => {
  const deps = [dep('gateway', 'orders', 50), dep('orders', 'stock'), dep('stock', 'orders', 3)];
  const back = findBackEdges(['gateway', 'orders', 'stock'], deps);
  assert.deepEqual([...back], ['stock\u0000orders']);
  const layout = layoutServiceGraph(deps);
  const nodes = byName(layout);
  assert.deepEqual(
    ['gateway', 'orders', 'stock'].map((name) => nodes.get(name)!.layer),
    [0, 1, 2],
  );
  const backEdge = layout.edges.find((edge) => edge.from === 'stock')!;
  assert.equal(backEdge.backward, true);
  assert.ok(backEdge.labelY < nodes.get('orders')!.y);
  for (const edge of layout.edges) {
    const ys = [...edge.path.matchAll(/-?\d+(?:\.\d+)?/g)].map((m) => Number(m[0])).filter((_, i) => i % 2 === 1);
    assert.ok(
      ys.every((y) => y >= 0 && y <= layout.height),
      `${edge.from} → ${edge.to} inside: ${edge.path}`,
    );
  }
});

test('a self-call is a loop on its service and does not disturb the layers', () => {
  const layout = layoutServiceGraph([dep('api', 'api', 4), dep('api', 'db')]);
  const nodes = byName(layout);
  assert.equal(nodes.get('api')!.layer, 0);
  assert.equal(nodes.get('db')!.layer, 1);
  const loop = layout.edges.find((edge) => edge.from === 'api' && edge.to === 'api')!;
  assert.ok(loop.labelY < nodes.get('api')!.y - nodes.get('api')!.radius);
  assert.ok(loop.labelY > 0);
});

test('a long chain lays out without recursion limits', () => {
  const deps = Array.from({ length: 5000 }, (_, i) => dep(`s${i}`, `s${i + 1}`));
  const layout = layoutServiceGraph(deps);
  assert.equal(layout.nodes.length, 5001);
  assert.equal(byName(layout).get('s5000')!.layer, 5000);
});

test('duplicate pairs merge; node size follows calls; edge width follows calls; error edges stand out and are drawn last', () => {
  const layout = layoutServiceGraph([
    dep('frontend', 'cart', 100, 0),
    dep('frontend', 'payment', 10, 6),
    dep('frontend', 'payment', 10, 0),
    dep('frontend', 'search', 1000, 2),
  ]);
  const nodes = byName(layout);
  assert.equal(layout.edges.length, 3);
  const payment = layout.edges.find((edge) => edge.to === 'payment')!;
  assert.deepEqual([payment.callCount, payment.errorCount, payment.errorRatio, payment.severity], [20, 6, 0.3, 'error']);
  const search = layout.edges.find((edge) => edge.to === 'search')!;
  assert.equal(search.severity, 'warn');
  assert.equal(layout.edges.find((edge) => edge.to === 'cart')!.severity, 'ok');
  assert.equal(layout.edges[layout.edges.length - 1], payment);
  assert.ok(search.width > payment.width);
  assert.ok(nodes.get('search')!.radius > nodes.get('cart')!.radius);
  assert.ok(nodes.get('cart')!.radius > nodes.get('payment')!.radius);
  // A root is sized by the calls it makes.
  assert.equal(nodes.get('frontend')!.calls, 1120);
  assert.equal(nodes.get('payment')!.errorsIn, 6);
});

test('edge severity thresholds', () => {
  assert.equal(edgeSeverity(0, 100), 'ok');
  assert.equal(edgeSeverity(1, 100), 'warn');
  assert.equal(edgeSeverity(5, 100), 'error');
  assert.equal(edgeSeverity(3, 0), 'ok');
});
