import { formatDuration } from './format';
import type { SpanNode, TraceTree } from './trace-tree';

/** A stretch of time, as offsets (ns) from the trace start: [from, to). */
export type Segment = readonly [from: number, to: number];

/**
 * The critical path, by the standard backwards walk: from a span's end, take the child that
 * finishes last before the current point, walk it, continue from its start; the stretches of the
 * parent not covered by such a child belong to the parent. Children are clipped to their parent.
 * Returns, per node key, its critical segments in time order; every top-level row is walked.
 */
export function criticalPath(tree: TraceTree): Map<string, Segment[]> {
  const segments = new Map<string, Segment[]>();
  const add = (node: SpanNode, from: number, to: number): void => {
    if (to <= from) return;
    const list = segments.get(node.key);
    if (list) list.push([from, to]);
    else segments.set(node.key, [[from, to]]);
  };
  // Iterative (a deep trace must not overflow the stack): each frame walks one node backwards.
  // Its children, clipped to it, are sorted by end (latest first): as the cursor only moves back,
  // one pass finds each next child, so a span with thousands of children stays O(n log n).
  interface Candidate {
    child: SpanNode;
    from: number;
    to: number;
  }
  interface Frame {
    node: SpanNode;
    start: number;
    cursor: number;
    candidates: Candidate[];
    index: number;
  }
  const frame = (node: SpanNode, start: number, end: number): Frame => {
    const candidates: Candidate[] = [];
    for (const child of node.children) {
      const from = Math.max(start, child.startOffsetNano);
      const to = Math.min(end, child.startOffsetNano + child.durationNano);
      if (to > from) candidates.push({ child, from, to });
    }
    candidates.sort((a, b) => b.to - a.to || a.from - b.from);
    return { node, start, cursor: end, candidates, index: 0 };
  };
  for (const root of tree.roots) {
    const stack: Frame[] = [frame(root, root.startOffsetNano, root.startOffsetNano + root.durationNano)];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      // Children ending after the cursor never qualify again: skip them for good.
      while (top.index < top.candidates.length && top.candidates[top.index]!.to > top.cursor) top.index++;
      const next = top.candidates[top.index++];
      if (!next) {
        add(top.node, top.start, top.cursor);
        stack.pop();
        continue;
      }
      add(top.node, next.to, top.cursor);
      top.cursor = next.from;
      stack.push(frame(next.child, next.from, next.to));
    }
  }
  for (const list of segments.values()) list.sort((a, b) => a[0] - b[0]);
  return segments;
}

/** Total critical time of a node (ns). */
export function criticalTime(segments: readonly Segment[] | undefined): number {
  return (segments ?? []).reduce((sum, [from, to]) => sum + to - from, 0);
}

export interface Swallow {
  parent: SpanNode;
  child: SpanNode;
  /** Share of the parent's duration the child covers (clipped to the parent), 0–1. */
  share: number;
}

/** Spans one of whose children alone covers more than `threshold` of their duration. */
export function swallowedSpans(tree: TraceTree, threshold = 0.9): Swallow[] {
  const found: Swallow[] = [];
  for (const parent of tree.byKey.values()) {
    if (!parent.span || parent.durationNano <= 0) continue;
    const end = parent.startOffsetNano + parent.durationNano;
    for (const child of parent.children) {
      if (!child.span) continue;
      const covered = Math.min(end, child.startOffsetNano + child.durationNano) - Math.max(parent.startOffsetNano, child.startOffsetNano);
      const share = covered / parent.durationNano;
      if (share > threshold) found.push({ parent, child, share });
    }
  }
  return found;
}

export interface BottleneckHint extends Swallow {
  /** "geo-radius-lookup: 1,608 ms of 2,100 ms": the swallowing child's duration of the trace's. */
  text: string;
}

/**
 * The deepest swallowed span on the critical path (both it and its swallowing child are on the
 * path): the child is where the trace's time goes. Undefined when no span is swallowed.
 */
export function bottleneckHint(tree: TraceTree, critical: ReadonlyMap<string, readonly Segment[]>): BottleneckHint | undefined {
  let best: Swallow | undefined;
  for (const swallow of swallowedSpans(tree)) {
    if (!critical.has(swallow.parent.key) || !critical.has(swallow.child.key)) continue;
    if (
      !best ||
      swallow.parent.depth > best.parent.depth ||
      (swallow.parent.depth === best.parent.depth && swallow.child.durationNano > best.child.durationNano)
    ) {
      best = swallow;
    }
  }
  if (!best) return undefined;
  return { ...best, text: `${best.child.span!.name}: ${formatMillis(best.child.durationNano)} of ${formatMillis(tree.durationNano)}` };
}

/** Whole milliseconds with thousands separators ("1,608 ms"); shorter times in their own unit. */
export function formatMillis(nanos: number): string {
  if (Math.abs(nanos) < 1_000_000) return formatDuration(nanos);
  return `${Math.round(nanos / 1_000_000).toLocaleString('en-US')} ms`;
}
