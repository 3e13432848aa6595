/**
 * Where the service map's edge labels go: each label starts beside its edge's midpoint and, when that
 * spot is taken by a node (circle, name and stats line), a line or a label placed before it, slides
 * along its curve and a little off it; never further than EDGE_LABEL_MAX_GAP_PX from its own curve
 * (Jaeger and Kiali hide such a label and show it on hover instead). Text is not measured here (this runs outside the
 * DOM): widths are estimated from the character count with a generous per-character width, so a
 * box that is free by the estimate is free on screen too.
 */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** A cubic Bézier curve: start, two control points, end. */
export type Curve = readonly [readonly [number, number], readonly [number, number], readonly [number, number], readonly [number, number]];

export interface LabelRequest {
  curve: Curve;
  /** One entry per text line; the label's box is as wide as the longest. */
  lines: readonly string[];
}

/** Average advance of an 11 px semi-bold digit or letter (5.3 px measured in Chromium), rounded up, plus the 4 px halo each side. */
const EDGE_LABEL_CHAR_PX = 6.2;
const EDGE_LABEL_HALO_PX = 6;
/** One line of 11 px text is 13 px tall as drawn; lines are 13 px apart. */
export const EDGE_LABEL_LINE_PX = 13;
const EDGE_LABEL_PADDING_PX = 3;
/** The node name is 13 px semi-bold, its stats line 11 px (5.5 px a character measured). */
const NODE_NAME_CHAR_PX = 8.2;
const NODE_STATS_CHAR_PX = 6.2;
/** Space kept between a label and whatever it must not touch. */
const CLEARANCE_PX = 3;

/** Positions along the curve (0 = caller, 1 = callee), nearest the middle first. */
const CURVE_POSITIONS = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74];
/**
 * Extra distance from the line, nearest first. Never 0: a label sitting on its line would have the
 * line run through its text.
 */
const OFFSET_STEPS_PX = [0, 6, 12, 18];
/** Sideways shifts: a label above a sloping curve clears it by sliding towards the curve's high end. */
const SIDE_STEPS_PX = [15, 30, 45, 60];
/**
 * The most a label's box may be away from its own edge's curve. A label further away was read as
 * the label of a neighbouring edge (order→sqlite's sat beside fraud-check's line); one that finds no
 * free spot this close is hidden instead and shown on hover/focus of its edge.
 */
export const EDGE_LABEL_MAX_GAP_PX = 24;

export function edgeLabelWidth(text: string): number {
  return text.length * EDGE_LABEL_CHAR_PX + 2 * EDGE_LABEL_HALO_PX;
}

/** The box a node takes: its circle, the name under it and the stats lines under that. */
export function nodeBox(node: { x: number; y: number; radius: number; name: string; stats: string; statsErrors: string }): Box {
  const halfWidth = Math.max(
    node.radius + 5,
    (node.name.length * NODE_NAME_CHAR_PX) / 2 + 4,
    (Math.max(node.stats.length, node.statsErrors.length) * NODE_STATS_CHAR_PX) / 2 + 4,
  );
  const bottom = node.y + node.radius + (node.statsErrors ? 50 : 36);
  return { left: node.x - halfWidth, top: node.y - node.radius - 5, right: node.x + halfWidth, bottom };
}

export function pointOnCurve(curve: Curve, t: number): [number, number] {
  const [p0, p1, p2, p3] = curve;
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return [a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]];
}

export function overlapArea(a: Box, b: Box): number {
  const width = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  const height = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return width > 0 && height > 0 ? width * height : 0;
}

const grown = (box: Box, by: number): Box => ({ left: box.left - by, top: box.top - by, right: box.right + by, bottom: box.bottom + by });

export interface PlacedLabel {
  x: number;
  y: number;
  box: Box;
  /** No free spot near its own edge: drawn only while its edge is hovered or focused. */
  hidden: boolean;
}

/**
 * Label centres (the middle of the whole block of lines), one per request in order. Greedy: earlier
 * requests choose first, so callers pass the labels that matter most (errors, busiest) first. A label
 * goes only where it overlaps nothing and is within EDGE_LABEL_MAX_GAP_PX of its own curve; when no
 * such spot exists it is `hidden` (at the nearest spot off its line, for hover) and takes no room.
 */
export function placeEdgeLabels(requests: readonly LabelRequest[], obstacles: readonly Box[]): PlacedLabel[] {
  const taken = new BoxGrid();
  const candidateCache = new Map<string, Candidate[]>();
  for (const box of obstacles) taken.add(grown(box, CLEARANCE_PX));
  return requests.map((request) => {
    const halfWidth = Math.max(...request.lines.map(edgeLabelWidth)) / 2;
    const halfHeight = (request.lines.length * EDGE_LABEL_LINE_PX) / 2 + EDGE_LABEL_PADDING_PX;
    const ownPoints = curvePoints(request.curve);
    const candidates = candidatesFor(halfWidth, halfHeight, candidateCache);
    let fallback: PlacedLabel | undefined;
    for (const { t, dx, dy } of candidates) {
      const [cx, cy] = pointOnCurve(request.curve, t);
      const x = cx + dx;
      const y = cy + dy;
      const box = { left: x - halfWidth, top: y - halfHeight, right: x + halfWidth, bottom: y + halfHeight };
      const gap = gapToPoints(box, ownPoints);
      // Not on its own line (up to 6 px wide), nor far from it.
      if (gap < 3 || gap > EDGE_LABEL_MAX_GAP_PX) continue;
      // Where a hidden label shows on hover: the nearest spot off its own line, whatever it covers.
      fallback ??= { x, y, box, hidden: true };
      if (taken.overlapWith(box) > 0) continue;
      taken.add(grown(box, CLEARANCE_PX));
      return { x, y, box, hidden: false };
    }
    // A curve too short for any spot near it (not seen in practice): just above its middle.
    if (fallback) return fallback;
    const [cx, cy] = pointOnCurve(request.curve, 0.5);
    const y = cy - halfHeight - 4;
    return { x: cx, y, box: { left: cx - halfWidth, top: y - halfHeight, right: cx + halfWidth, bottom: y + halfHeight }, hidden: true };
  });
}

interface Candidate {
  t: number;
  dx: number;
  dy: number;
}

/**
 * Spots to try for a label of this size, nearest the preferred one first: above or below the line,
 * slid sideways (which clears a sloping curve), or beside it where it is steep; the gap check keeps
 * only those near the curve. Cached by size: sorting them per label made a 5,000-service chain 4x slower.
 */
function candidatesFor(halfWidth: number, halfHeight: number, cache: Map<string, Candidate[]>): Candidate[] {
  const key = `${halfWidth},${halfHeight}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const rows = [0, ...OFFSET_STEPS_PX.flatMap((step) => [-(halfHeight + 4 + step), halfHeight + 4 + step])];
  const columns = [0, ...SIDE_STEPS_PX.flatMap((step) => [-step, step]), -(halfWidth + 4), halfWidth + 4];
  const cost = ({ t, dx, dy }: Candidate): number => Math.abs(dy) + Math.abs(dx) / 2 + Math.abs(t - 0.5) * 40;
  const candidates = CURVE_POSITIONS.flatMap((t) => rows.flatMap((dy) => columns.map((dx) => ({ t, dx, dy }))));
  candidates.sort((a, b) => cost(a) - cost(b));
  cache.set(key, candidates);
  return candidates;
}

/** Points along a curve, at most about 5 px apart (the control polygon's length bounds the curve's). */
export function curvePoints(curve: Curve, spacingPx = 5): [number, number][] {
  let length = 0;
  for (let i = 1; i < curve.length; i++) length += Math.hypot(curve[i]![0] - curve[i - 1]![0], curve[i]![1] - curve[i - 1]![1]);
  const count = Math.min(400, Math.max(8, Math.ceil(length / spacingPx)));
  return Array.from({ length: count + 1 }, (_, i) => pointOnCurve(curve, i / count));
}

/** The shortest distance from a box to any of the points (0 when one lies inside). */
export function gapToPoints(box: Box, points: readonly (readonly [number, number])[]): number {
  let best = Infinity;
  for (const [x, y] of points) {
    const dx = Math.max(box.left - x, 0, x - box.right);
    const dy = Math.max(box.top - y, 0, y - box.bottom);
    best = Math.min(best, Math.hypot(dx, dy));
  }
  return best;
}

/**
 * Boxes bucketed by a uniform grid, so a candidate is compared with the boxes near it only. Comparing
 * with every box made placement quadratic: a 5,000-service chain (130,000 line samples) never finished.
 */
class BoxGrid {
  private static readonly CELL_PX = 64;
  private readonly boxes: Box[] = [];
  private readonly cells = new Map<string, number[]>();
  /** Per-box stamp of the last query that counted it: a box spanning several cells counts once. */
  private readonly seenAt: number[] = [];
  private query = 0;

  add(box: Box): void {
    const index = this.boxes.push(box) - 1;
    this.seenAt.push(0);
    this.forEachCell(box, (key) => {
      const cell = this.cells.get(key);
      if (cell) cell.push(index);
      else this.cells.set(key, [index]);
    });
  }

  /** The summed overlap area of `box` with every box added. */
  overlapWith(box: Box): number {
    const query = ++this.query;
    let sum = 0;
    this.forEachCell(box, (key) => {
      for (const index of this.cells.get(key) ?? []) {
        if (this.seenAt[index] === query) continue;
        this.seenAt[index] = query;
        sum += overlapArea(box, this.boxes[index]!);
      }
    });
    return sum;
  }

  private forEachCell(box: Box, visit: (key: string) => void): void {
    const size = BoxGrid.CELL_PX;
    for (let x = Math.floor(box.left / size); x <= Math.floor(box.right / size); x++)
      for (let y = Math.floor(box.top / size); y <= Math.floor(box.bottom / size); y++) visit(`${x},${y}`);
  }
}

/**
 * Small boxes along a curve, about 5 px apart: a line is an obstacle all along, so no curve passes
 * behind a label (boxes every 4 % of the parameter left gaps of 20 px and more on long curves).
 */
export function curveSamples(curve: Curve, halfWidth: number): Box[] {
  return curvePoints(curve).map(([x, y]) => ({ left: x - halfWidth, top: y - halfWidth, right: x + halfWidth, bottom: y + halfWidth }));
}

/** Where a curve can reach: inside the hull of its control points. */
export function curveBox(curve: Curve): Box {
  const xs = curve.map(([x]) => x);
  const ys = curve.map(([, y]) => y);
  return { left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys) };
}
