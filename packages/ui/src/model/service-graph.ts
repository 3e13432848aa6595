/**
 * The service map: caller → callee edges from `GET /api/v1/dependencies`, laid out left to right
 * in layers (a small Sugiyama-style layout, no graph library):
 *
 * 1. cycles are broken by reversing the back edges a depth-first walk finds (from the busiest
 *    roots first), so every edge that remains points to a later layer;
 * 2. each service's layer is its longest path from a root (callers sit left of their callees);
 * 3. the order inside a layer comes from a few barycenter sweeps down and up, which removes most
 *    edge crossings;
 * 4. coordinates: layers are columns, services in a column are spread evenly and centred;
 * 5. edge labels are placed clear of every node, line and other label, close to their own edge, or
 *    hidden until the edge is hovered (map-label-placement.ts).
 *
 * The metrics tap's service map (`/api/v1/metrics/service-map`) adds RED figures per edge and per
 * node and marks virtual nodes (databases, queues, uninstrumented peers, `user`); the traces'
 * dependencies have counts only.
 */
import { curveBox, curveSamples, nodeBox, placeEdgeLabels, type Box, type Curve } from './map-label-placement';
import { formatErrorPercent, formatRateAndP99, type RedSummary } from './red-format';

export type { RedSummary };

export interface Dependency {
  parentService: string;
  childService: string;
  callCount: number;
  errorCount: number;
  red?: RedSummary;
}

/** What the metrics service map says about a node; absent for the dependencies fallback. */
export interface NodeInfo {
  virtual: boolean;
  /** `service`, `database`, `messaging_system`, `virtual_node` or `user`. */
  type: string;
  red: RedSummary;
}

export interface GraphNode {
  name: string;
  /** Calls the service received (its incoming edges), or made when nothing calls it (a root). */
  calls: number;
  callsIn: number;
  callsOut: number;
  errorsIn: number;
  layer: number;
  order: number;
  x: number;
  y: number;
  radius: number;
  virtual: boolean;
  type: string;
  red?: RedSummary;
  /** The line under the name: RED when known, else call and error counts. */
  stats: string;
  /** A second line with the error share, when the RED figures have errors. */
  statsErrors: string;
}

export type EdgeSeverity = 'ok' | 'warn' | 'error';

export interface GraphEdge {
  from: string;
  to: string;
  callCount: number;
  errorCount: number;
  errorRatio: number;
  severity: EdgeSeverity;
  width: number;
  /** True when the edge runs against the layer order (part of a cycle) or stays in its layer. */
  backward: boolean;
  /** SVG path from the caller's rim to the callee's rim, and where its label goes. */
  path: string;
  labelX: number;
  labelY: number;
  /** The label's text; `labelErrors` follows it in the error colour (on a line of its own with RED figures). */
  labelText: string;
  labelErrors: string;
  /** No free spot near the edge: the label shows only while the edge is hovered or focused. */
  labelHidden: boolean;
  red?: RedSummary;
}

export interface GraphLayout {
  nodes: GraphNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
}

export interface LayoutOptions {
  layerGap?: number;
  rowGap?: number;
  margin?: number;
  minRadius?: number;
  maxRadius?: number;
  nodeInfo?: ReadonlyMap<string, NodeInfo>;
}

/** The map page's spacing (shared with the label tests, which lay the demo topology out as the page does). */
export const MAP_PAGE_SPACING = { layerGap: 290, rowGap: 130 } as const;

/** An error ratio of 5 % and more is an error edge, any error at all a warning. */
export function edgeSeverity(errorCount: number, callCount: number): EdgeSeverity {
  if (errorCount <= 0 || callCount <= 0) return 'ok';
  return errorCount / callCount >= 0.05 ? 'error' : 'warn';
}

/** Merges duplicate edges (the API sends one per pair, but be lenient) and drops empty names. */
function mergeDependencies(dependencies: readonly Dependency[]): Dependency[] {
  const byPair = new Map<string, Dependency>();
  for (const dependency of dependencies) {
    if (!dependency.parentService || !dependency.childService) continue;
    const key = `${dependency.parentService}\u0000${dependency.childService}`;
    const existing = byPair.get(key);
    if (existing) {
      existing.callCount += dependency.callCount;
      existing.errorCount += dependency.errorCount;
      // RED figures cannot be merged without their histograms: a duplicate pair keeps counts only.
      delete existing.red;
    } else byPair.set(key, { ...dependency });
  }
  return [...byPair.values()];
}

/** Edges that, reversed, leave the graph acyclic (self-loops are left out of the layering). */
export function findBackEdges(names: readonly string[], edges: readonly Dependency[]): Set<string> {
  const out = new Map<string, string[]>(names.map((name) => [name, []]));
  const incoming = new Map<string, number>(names.map((name) => [name, 0]));
  const outCalls = new Map<string, number>(names.map((name) => [name, 0]));
  for (const edge of edges) {
    if (edge.parentService === edge.childService) continue;
    out.get(edge.parentService)!.push(edge.childService);
    incoming.set(edge.childService, incoming.get(edge.childService)! + 1);
    outCalls.set(edge.parentService, outCalls.get(edge.parentService)! + edge.callCount);
  }
  // Roots first (busiest first), then everything else, so a cycle is cut where it is entered.
  const starts = [...names].sort(
    (a, b) => Number(incoming.get(a)! > 0) - Number(incoming.get(b)! > 0) || outCalls.get(b)! - outCalls.get(a)! || a.localeCompare(b),
  );
  const state = new Map<string, 'open' | 'done'>();
  const back = new Set<string>();
  const visit = (start: string): void => {
    // Iterative DFS: service graphs are small, but a deep chain must not blow the stack.
    const stack: { name: string; next: number }[] = [{ name: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const children = out.get(frame.name)!;
      if (frame.next >= children.length) {
        state.set(frame.name, 'done');
        stack.pop();
        continue;
      }
      const child = children[frame.next++]!;
      const seen = state.get(child);
      if (seen === 'open') back.add(`${frame.name}\u0000${child}`);
      else if (seen === undefined) {
        state.set(child, 'open');
        stack.push({ name: child, next: 0 });
      }
    }
  };
  for (const name of starts) if (!state.has(name)) visit(name);
  return back;
}

export function layoutServiceGraph(dependencies: readonly Dependency[], options: LayoutOptions = {}): GraphLayout {
  const layerGap = options.layerGap ?? 240;
  const rowGap = options.rowGap ?? 110;
  const margin = options.margin ?? 70;
  const minRadius = options.minRadius ?? 16;
  const maxRadius = options.maxRadius ?? 34;

  const deps = mergeDependencies(dependencies);
  const names = [...new Set(deps.flatMap((d) => [d.parentService, d.childService]))].sort((a, b) => a.localeCompare(b));
  if (names.length === 0) return { nodes: [], edges: [], width: 0, height: 0 };

  const back = findBackEdges(names, deps);
  // The acyclic view: back edges reversed, self-loops dropped.
  const forward = deps
    .filter((d) => d.parentService !== d.childService)
    .map((d) =>
      back.has(`${d.parentService}\u0000${d.childService}`)
        ? { from: d.childService, to: d.parentService }
        : { from: d.parentService, to: d.childService },
    );

  // Longest path from a root, by relaxing in topological order (Kahn).
  const preds = new Map<string, string[]>(names.map((name) => [name, []]));
  const succs = new Map<string, string[]>(names.map((name) => [name, []]));
  const indegree = new Map<string, number>(names.map((name) => [name, 0]));
  for (const { from, to } of forward) {
    succs.get(from)!.push(to);
    preds.get(to)!.push(from);
    indegree.set(to, indegree.get(to)! + 1);
  }
  const layer = new Map<string, number>(names.map((name) => [name, 0]));
  const queue = names.filter((name) => indegree.get(name) === 0);
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i]!;
    for (const next of succs.get(name)!) {
      layer.set(next, Math.max(layer.get(next)!, layer.get(name)! + 1));
      indegree.set(next, indegree.get(next)! - 1);
      if (indegree.get(next) === 0) queue.push(next);
    }
  }
  // Pull a root towards its callees (a root calling only layer-3 services sits in layer 2).
  for (const name of names) {
    if (preds.get(name)!.length === 0 && succs.get(name)!.length > 0) {
      layer.set(name, Math.min(...succs.get(name)!.map((next) => layer.get(next)!)) - 1);
    }
  }

  const layerCount = Math.max(...layer.values()) + 1;
  const layers: string[][] = Array.from({ length: layerCount }, () => []);
  for (const name of names) layers[layer.get(name)!]!.push(name);

  // Barycenter sweeps: order each layer by the mean position of its neighbours in the previous one.
  const position = new Map<string, number>();
  const renumber = (): void => layers.forEach((row) => row.forEach((name, index) => position.set(name, index)));
  renumber();
  const sortBy = (row: string[], neighbours: (name: string) => string[]): void => {
    const weight = new Map<string, number>();
    for (const name of row) {
      const around = neighbours(name).map((n) => position.get(n)!);
      weight.set(name, around.length > 0 ? around.reduce((sum, p) => sum + p, 0) / around.length : position.get(name)!);
    }
    row.sort((a, b) => weight.get(a)! - weight.get(b)! || position.get(a)! - position.get(b)!);
    row.forEach((name, index) => position.set(name, index));
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let i = 1; i < layers.length; i++) sortBy(layers[i]!, (name) => preds.get(name)!);
    for (let i = layers.length - 2; i >= 0; i--) sortBy(layers[i]!, (name) => succs.get(name)!);
  }
  renumber();

  // Node weights.
  const callsIn = new Map<string, number>(names.map((name) => [name, 0]));
  const callsOut = new Map<string, number>(names.map((name) => [name, 0]));
  const errorsIn = new Map<string, number>(names.map((name) => [name, 0]));
  for (const d of deps) {
    callsIn.set(d.childService, callsIn.get(d.childService)! + d.callCount);
    errorsIn.set(d.childService, errorsIn.get(d.childService)! + d.errorCount);
    callsOut.set(d.parentService, callsOut.get(d.parentService)! + d.callCount);
  }
  const callsOf = (name: string): number => callsIn.get(name)! || callsOut.get(name)!;
  const maxCalls = Math.max(1, ...names.map(callsOf));

  const tallest = Math.max(...layers.map((row) => row.length));
  let height = margin * 2 + (tallest - 1) * rowGap;
  const baseWidth = margin * 2 + (layerCount - 1) * layerGap;
  const nodes = new Map<string, GraphNode>();
  layers.forEach((row, layerIndex) => {
    const top = (height - (row.length - 1) * rowGap) / 2;
    row.forEach((name, order) => {
      const calls = callsOf(name);
      const info = options.nodeInfo?.get(name);
      const counts = `${calls.toLocaleString('en')} calls${errorsIn.get(name)! > 0 ? ` · ${errorsIn.get(name)!.toLocaleString('en')} err` : ''}`;
      const red = info?.red;
      nodes.set(name, {
        name,
        calls,
        callsIn: callsIn.get(name)!,
        callsOut: callsOut.get(name)!,
        errorsIn: errorsIn.get(name)!,
        layer: layerIndex,
        order,
        x: margin + layerIndex * layerGap,
        y: top + order * rowGap,
        radius: minRadius + (maxRadius - minRadius) * Math.sqrt(calls / maxCalls),
        virtual: info?.virtual ?? false,
        type: info?.type ?? 'service',
        ...(red ? { red } : {}),
        stats: red ? formatRateAndP99(red) : counts,
        statsErrors: red && red.errorRatio > 0 ? `${formatErrorPercent(red.errorRatio)} errors` : '',
      });
    });
  });

  // Arcs of backward edges rise above their nodes: make room for them at the top.
  let highest = 0;
  for (const d of deps) {
    const from = nodes.get(d.parentService)!;
    const to = nodes.get(d.childService)!;
    if (from === to) highest = Math.min(highest, from.y - from.radius - 48 - 16);
    else if (to.layer <= from.layer)
      highest = Math.min(highest, Math.min(from.y - from.radius, to.y - to.radius) - backLift(from, to) - 16);
  }
  if (highest < 0) {
    for (const node of nodes.values()) node.y -= highest;
    height -= highest;
  }

  const maxEdgeCalls = Math.max(1, ...deps.map((d) => d.callCount));
  const edges = deps
    .map((d): GraphEdge & { curve: Curve } => {
      const from = nodes.get(d.parentService)!;
      const to = nodes.get(d.childService)!;
      const errorRatio = d.red?.errorRatio ?? (d.callCount > 0 ? d.errorCount / d.callCount : 0);
      return {
        from: d.parentService,
        to: d.childService,
        callCount: d.callCount,
        errorCount: d.errorCount,
        errorRatio,
        severity: edgeSeverity(d.errorCount, d.callCount),
        width: 1.5 + 4.5 * (Math.log1p(d.callCount) / Math.log1p(maxEdgeCalls)),
        backward: to.layer <= from.layer,
        curve: edgeCurve(from, to),
        path: '',
        labelX: 0,
        labelY: 0,
        labelHidden: false,
        labelText: d.red ? formatRateAndP99(d.red) : d.callCount.toLocaleString('en'),
        labelErrors:
          d.errorCount <= 0 ? '' : d.red ? `${formatErrorPercent(errorRatio)} errors` : ` · ${d.errorCount.toLocaleString('en')} err`,
        ...(d.red ? { red: d.red } : {}),
      };
    })
    // Error edges last, so they are drawn on top.
    .sort((a, b) => a.errorRatio - b.errorRatio || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));

  // Labels: the worst edges choose their spot first.
  const nodeBoxes = [...nodes.values()].map(nodeBox);
  const byPriority = [...edges].reverse();
  // Lines are obstacles too, so that no edge runs through a label (its own included).
  const lineBoxes = edges.flatMap((edge) => curveSamples(edge.curve, edge.width / 2));
  const placed = placeEdgeLabels(
    byPriority.map((edge) => ({
      curve: edge.curve,
      lines: edge.red && edge.labelErrors ? [edge.labelText, edge.labelErrors] : [edge.labelText + edge.labelErrors],
    })),
    [...nodeBoxes, ...lineBoxes],
  );
  byPriority.forEach((edge, index) => {
    edge.labelX = placed[index]!.x;
    edge.labelY = placed[index]!.y;
    edge.labelHidden = placed[index]!.hidden;
  });

  // Names, stats lines and labels may reach past the margin: shift everything into view.
  const boxes: Box[] = [...nodeBoxes, ...placed.map((label) => label.box), ...edges.map((edge) => curveBox(edge.curve))];
  const pad = 12;
  const shiftX = Math.max(0, pad - Math.min(...boxes.map((box) => box.left)));
  const shiftY = Math.max(0, pad - Math.min(...boxes.map((box) => box.top)));
  for (const node of nodes.values()) {
    node.x += shiftX;
    node.y += shiftY;
  }
  const laidOut = edges.map(({ curve, ...edge }): GraphEdge => {
    const moved = curve.map(([x, y]) => [x + shiftX, y + shiftY] as const) as unknown as Curve;
    const [p0, p1, p2, p3] = moved;
    return {
      ...edge,
      path: `M ${round(p0[0])} ${round(p0[1])} C ${round(p1[0])} ${round(p1[1])} ${round(p2[0])} ${round(p2[1])} ${round(p3[0])} ${round(p3[1])}`,
      labelX: round(edge.labelX + shiftX),
      labelY: round(edge.labelY + shiftY),
    };
  });
  const width = Math.max(baseWidth, ...boxes.map((box) => box.right + pad)) + shiftX;
  const fullHeight = Math.max(height, ...boxes.map((box) => box.bottom + pad)) + shiftY;
  return { nodes: [...nodes.values()], edges: laidOut, width: Math.ceil(width), height: Math.ceil(fullHeight) };
}

const backLift = (from: GraphNode, to: GraphNode): number => 50 + Math.abs(from.x - to.x) * 0.15;

const round = (n: number): number => Math.round(n * 10) / 10;

/** A curve from rim to rim: a gentle S forwards, an arc over the top backwards, a loop for a self-call. */
function edgeCurve(from: GraphNode, to: GraphNode): Curve {
  if (from === to) {
    const x = from.x;
    const y = from.y - from.radius;
    const r = 16;
    return [
      [x - 8, y + 2],
      [x - 30, y - 3 * r],
      [x + 30, y - 3 * r],
      [x + 8, y + 2],
    ];
  }
  const arrowGap = 4; // leave room for the arrow head
  if (to.layer > from.layer) {
    const x1 = from.x + from.radius;
    const x2 = to.x - to.radius - arrowGap;
    const mid = (x1 + x2) / 2;
    return [
      [x1, from.y],
      [mid, from.y],
      [mid, to.y],
      [x2, to.y],
    ];
  }
  // Backwards or within a layer: leave from the top, arc above, arrive at the top.
  const lift = backLift(from, to);
  const y1 = from.y - from.radius;
  const y2 = to.y - to.radius - arrowGap;
  const top = Math.min(y1, y2) - lift;
  return [
    [from.x, y1],
    [from.x, top],
    [to.x, top],
    [to.x, y2],
  ];
}
