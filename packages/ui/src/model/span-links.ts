import type { TraceTree, SpanNode } from './trace-tree';

/**
 * "Who links to me": span links point from a span to another span (a batch consumer to the
 * producers it handled, a retry to the first attempt). The API gives only outgoing links; the
 * incoming ones within the open trace are found by indexing every link once.
 */
export interface IncomingLink {
  /** The span that carries the link. */
  from: SpanNode;
  /** Position of the link among that span's links (its attributes are there). */
  linkIndex: number;
}

/** Span ID → the spans of this trace linking to it, in display order of the linking spans. O(n + links). */
export function incomingLinkIndex(tree: TraceTree): Map<string, IncomingLink[]> {
  const index = new Map<string, IncomingLink[]>();
  const stack = [...tree.roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    node.span?.links.forEach((link, linkIndex) => {
      if (link.traceId !== tree.traceId) return;
      const list = index.get(link.spanId);
      if (list) list.push({ from: node, linkIndex });
      else index.set(link.spanId, [{ from: node, linkIndex }]);
    });
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return index;
}

/** Where a link goes: a span of this trace (select it in place) or another trace (open it). */
export function linkTarget(
  tree: TraceTree,
  link: { traceId: string; spanId: string },
): { kind: 'this-trace'; node: SpanNode | undefined } | { kind: 'other-trace'; href: string } {
  if (link.traceId === tree.traceId) return { kind: 'this-trace', node: tree.bySpanId.get(link.spanId) };
  return { kind: 'other-trace', href: `/trace/${link.traceId}?span=${link.spanId}` };
}
