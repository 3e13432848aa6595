/**
 * Where the service map's edge labels go: each label starts at its edge's midpoint and, when that
 * spot is taken by a node (circle, name and stats line) or by a label placed before it, slides
 * along its curve and off it until it is free. Text is not measured here (this runs outside the
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
const CURVE_POSITIONS = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82];
/**
 * Offsets across the curve (vertical), nearest first: up to a row's height either way. Never 0:
 * a label sitting on its line would have the line run through its text.
 */
const OFFSET_STEPS_PX = Array.from({ length: 8 }, (_, i) => i * 12);

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

/**
 * Label centres (the middle of the whole block of lines), one per request in order. Greedy: earlier requests choose first, so callers pass
 * the labels that matter most (errors, busiest) first. When no candidate is free the one with the
 * least overlap wins; the caller grows the canvas when a label ends up outside `bounds`.
 */
export function placeEdgeLabels(requests: readonly LabelRequest[], obstacles: readonly Box[]): { x: number; y: number; box: Box }[] {
  const taken: Box[] = obstacles.map((box) => grown(box, CLEARANCE_PX));
  return requests.map((request) => {
    const halfWidth = Math.max(...request.lines.map(edgeLabelWidth)) / 2;
    const halfHeight = (request.lines.length * EDGE_LABEL_LINE_PX) / 2 + EDGE_LABEL_PADDING_PX;
    // Clear of the line (up to 6 px wide) by the label's half height, above first, then below.
    const offsets = OFFSET_STEPS_PX.flatMap((step) => [-(halfHeight + 4 + step), halfHeight + 4 + step]);
    let best: { x: number; y: number; box: Box; cost: number } | undefined;
    search: for (const offset of offsets) {
      for (const t of CURVE_POSITIONS) {
        const [cx, cy] = pointOnCurve(request.curve, t);
        const y = cy + offset;
        const box = { left: cx - halfWidth, top: y - halfHeight, right: cx + halfWidth, bottom: y + halfHeight };
        // Distance from the preferred spot breaks ties between overlapping candidates.
        const cost = taken.reduce((sum, other) => sum + overlapArea(box, other), 0) * 1000 + Math.abs(offset) + Math.abs(t - 0.5) * 40;
        if (!best || cost < best.cost) best = { x: cx, y, box, cost };
        if (cost < 1000) break search;
      }
    }
    const chosen = best!;
    taken.push(grown(chosen.box, CLEARANCE_PX));
    return { x: chosen.x, y: chosen.y, box: chosen.box };
  });
}

/** Small boxes along a curve, every 4 % of its length by parameter. */
export function curveSamples(curve: Curve, halfWidth: number): Box[] {
  return Array.from({ length: 26 }, (_, i) => {
    const [x, y] = pointOnCurve(curve, i / 25);
    return { left: x - halfWidth, top: y - halfWidth, right: x + halfWidth, bottom: y + halfWidth };
  });
}

/** Where a curve can reach: inside the hull of its control points. */
export function curveBox(curve: Curve): Box {
  const xs = curve.map(([x]) => x);
  const ys = curve.map(([, y]) => y);
  return { left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys) };
}
