import { serviceNameOf, SPAN_KIND_NAMES, StatusCode, type AnyValue, type Span } from '../../model/span.js';

/**
 * A trace rewritten for a model's context window (issue 16, MCP `get_trace`): what a person reads
 * off the trace page — shape, critical path, errors, the bottleneck — as a few hundred tokens of
 * JSON, plus the span tree as indented one-line rows, in pages, so a 100k-span trace never has
 * to fit in one answer. Times are milliseconds relative to the trace start, rounded to 0.001 ms.
 */

export interface TraceDigest {
  traceId: string;
  rootService: string;
  rootOperation: string;
  /** False when no span without a parent is stored: the earliest span stands in for the root. */
  rootFound: boolean;
  durationMillis: number;
  spanCount: number;
  shape: { depth: number; maxChildren: number; services: Array<{ service: string; spans: number; errors: number; selfMillis: number }> };
  /** The spans the trace's end-to-end time waited on, in time order, with the time each contributed. */
  criticalPath: Array<{ spanId: string; service: string; operation: string; criticalMillis: number }>;
  /** The span with the most critical-path time of its own: where to look first. */
  bottleneck: { spanId: string; service: string; operation: string; criticalMillis: number; shareOfTrace: number } | null;
  errors: Array<{ spanId: string; service: string; operation: string; statusMessage: string; exception?: string }>;
  /** Errors found beyond the ones listed. */
  moreErrors: number;
}

export interface SpanOutlinePage {
  /** One row per span in tree order: `<indent>service: operation [kind] +startMs durationMs (ERROR …) #spanId`. */
  rows: string[];
  page: number;
  pages: number;
}

const MAX_ERRORS = 10;
const MAX_CRITICAL_STEPS = 25;

interface Node {
  span: Span;
  children: Node[];
  depth: number;
  /** Self time: the span's duration not covered by any of its children (ns). */
  selfNano: number;
}

function millis(nanos: number | bigint): number {
  return Math.round(Number(nanos) / 1e3) / 1e3;
}

/** Builds the tree (spans are in start order); orphans whose parent is not stored become roots. */
function treeOf(spans: readonly Span[]): { roots: Node[]; nodes: Node[] } {
  const byId = new Map<string, Node>();
  const nodes = spans.map((span) => {
    const node: Node = { span, children: [], depth: 0, selfNano: 0 };
    byId.set(span.spanId, node);
    return node;
  });
  const roots: Node[] = [];
  for (const node of nodes) {
    const parent = node.span.parentSpanId === '' ? undefined : byId.get(node.span.parentSpanId);
    if (parent === undefined || parent === node) roots.push(node);
    else parent.children.push(node);
  }
  // Depths and self times without recursion: a 10,000-deep chain must not overflow the stack.
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop()!;
    node.selfNano = selfTimeOf(node);
    for (const child of node.children) {
      child.depth = node.depth + 1;
      stack.push(child);
    }
  }
  return { roots, nodes };
}

function selfTimeOf(node: Node): number {
  const start = node.span.startTimeUnixNano;
  const end = node.span.endTimeUnixNano;
  const covered = node.children
    .map((c) => [
      c.span.startTimeUnixNano < start ? start : c.span.startTimeUnixNano,
      c.span.endTimeUnixNano > end ? end : c.span.endTimeUnixNano,
    ])
    .filter(([from, to]) => to! > from!)
    .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  let total = 0n;
  let cursor = start;
  for (const [from, to] of covered) {
    const segmentStart = from! > cursor ? from! : cursor;
    if (to! > segmentStart) {
      total += to! - segmentStart;
      cursor = to!;
    }
  }
  return Number(end - start - total);
}

/**
 * The critical path by the standard backwards walk (as the UI's model/critical-path.ts): from a
 * span's end take the child that finishes last before the cursor, walk it, continue from its
 * start; uncovered stretches belong to the parent. Iterative, children clipped to the parent.
 */
function criticalTimes(root: Node): Map<Node, number> {
  const times = new Map<Node, number>();
  const add = (node: Node, from: bigint, to: bigint): void => {
    if (to > from) times.set(node, (times.get(node) ?? 0) + Number(to - from));
  };
  interface Frame {
    node: Node;
    start: bigint;
    cursor: bigint;
    candidates: Array<{ child: Node; from: bigint; to: bigint }>;
    index: number;
  }
  const frame = (node: Node, start: bigint, end: bigint): Frame => {
    const candidates = node.children
      .map((child) => ({
        child,
        from: child.span.startTimeUnixNano > start ? child.span.startTimeUnixNano : start,
        to: child.span.endTimeUnixNano < end ? child.span.endTimeUnixNano : end,
      }))
      .filter((c) => c.to > c.from)
      .sort((a, b) => (a.to === b.to ? (a.from < b.from ? -1 : 1) : a.to > b.to ? -1 : 1));
    return { node, start, cursor: end, candidates, index: 0 };
  };
  const stack: Frame[] = [frame(root, root.span.startTimeUnixNano, root.span.endTimeUnixNano)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    while (top.index < top.candidates.length && top.candidates[top.index]!.to > top.cursor) top.index++;
    const next = top.candidates[top.index++];
    if (next === undefined) {
      add(top.node, top.start, top.cursor);
      stack.pop();
      continue;
    }
    add(top.node, next.to, top.cursor);
    top.cursor = next.from;
    stack.push(frame(next.child, next.from, next.to));
  }
  return times;
}

function text(value: AnyValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string'
    ? value
    : typeof value === 'object'
      ? JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
      : String(value);
}

/** `type: message` of the span's first `exception` event (OpenTelemetry's semantic conventions), if any. */
export function exceptionOf(span: Span): string | undefined {
  const event = span.events.find((e) => e.name === 'exception');
  if (event === undefined) return undefined;
  const attribute = (key: string): string | undefined => text(event.attributes.find((a) => a.key === key)?.value);
  const type = attribute('exception.type');
  const message = attribute('exception.message');
  if (type === undefined && message === undefined) return undefined;
  return [type, message].filter((part) => part !== undefined).join(': ');
}

/** Spans in start order, as storage returns them; at least one. */
export function digestTrace(traceId: string, spans: readonly Span[]): TraceDigest {
  const { roots, nodes } = treeOf(spans);
  const trueRoot = roots.find((node) => node.span.parentSpanId === '');
  const root = trueRoot ?? roots[0]!;
  let traceStart = spans[0]!.startTimeUnixNano;
  let traceEnd = spans[0]!.endTimeUnixNano;
  for (const span of spans) {
    if (span.startTimeUnixNano < traceStart) traceStart = span.startTimeUnixNano;
    if (span.endTimeUnixNano > traceEnd) traceEnd = span.endTimeUnixNano;
  }
  const services = new Map<string, { service: string; spans: number; errors: number; selfNano: number }>();
  let depth = 0;
  let maxChildren = 0;
  const errors: TraceDigest['errors'] = [];
  let errorCount = 0;
  for (const node of nodes) {
    const service = serviceNameOf(node.span.resource);
    const entry = services.get(service) ?? { service, spans: 0, errors: 0, selfNano: 0 };
    entry.spans++;
    entry.selfNano += node.selfNano;
    depth = Math.max(depth, node.depth + 1);
    maxChildren = Math.max(maxChildren, node.children.length);
    const exception = exceptionOf(node.span);
    if (node.span.status.code === StatusCode.ERROR) {
      entry.errors++;
      errorCount++;
      if (errors.length < MAX_ERRORS)
        errors.push({
          spanId: node.span.spanId,
          service,
          operation: node.span.name,
          statusMessage: node.span.status.message,
          ...(exception !== undefined && { exception }),
        });
    }
    services.set(service, entry);
  }
  const critical = criticalTimes(root);
  const path = [...critical.entries()].sort(([a], [b]) => (a.span.startTimeUnixNano < b.span.startTimeUnixNano ? -1 : 1));
  const durationNano = Number(traceEnd - traceStart);
  const ranked = [...critical.entries()].sort(([, a], [, b]) => b - a);
  const top = ranked[0];
  // The longest contributions when the path is long: a model needs where the time went, not every hop.
  const cutoff = ranked[Math.min(ranked.length, MAX_CRITICAL_STEPS) - 1]?.[1] ?? 0;
  return {
    traceId,
    rootService: serviceNameOf(root.span.resource),
    rootOperation: root.span.name,
    rootFound: trueRoot !== undefined,
    durationMillis: millis(durationNano),
    spanCount: spans.length,
    shape: {
      depth,
      maxChildren,
      services: [...services.values()]
        .sort((a, b) => b.selfNano - a.selfNano)
        .map((s) => ({ service: s.service, spans: s.spans, errors: s.errors, selfMillis: millis(s.selfNano) })),
    },
    criticalPath: path
      .filter(([, nanos]) => nanos >= cutoff)
      .slice(0, MAX_CRITICAL_STEPS)
      .map(([node, nanos]) => ({
        spanId: node.span.spanId,
        service: serviceNameOf(node.span.resource),
        operation: node.span.name,
        criticalMillis: millis(nanos),
      })),
    bottleneck:
      top === undefined
        ? null
        : {
            spanId: top[0].span.spanId,
            service: serviceNameOf(top[0].span.resource),
            operation: top[0].span.name,
            criticalMillis: millis(top[1]),
            shareOfTrace: durationNano > 0 ? Math.round((top[1] / durationNano) * 1000) / 1000 : 0,
          },
    errors,
    moreErrors: errorCount - errors.length,
  };
}

/** The span tree as indented rows in depth-first order, page `page` (1-based) of `pageSize` rows. */
export function outlineTrace(spans: readonly Span[], page: number, pageSize: number): SpanOutlinePage {
  const { roots } = treeOf(spans);
  const traceStart = spans.reduce((min, s) => (s.startTimeUnixNano < min ? s.startTimeUnixNano : min), spans[0]!.startTimeUnixNano);
  const pages = Math.max(1, Math.ceil(spans.length / pageSize));
  const first = (page - 1) * pageSize;
  const rows: string[] = [];
  let index = 0;
  const stack = [...roots].reverse();
  while (stack.length > 0 && index < first + pageSize) {
    const node = stack.pop()!;
    if (index >= first) {
      const span = node.span;
      const status =
        span.status.code === StatusCode.ERROR ? ` ERROR${span.status.message === '' ? '' : ` ${JSON.stringify(span.status.message)}`}` : '';
      const exception = exceptionOf(span);
      rows.push(
        `${'  '.repeat(Math.min(node.depth, 40))}${serviceNameOf(span.resource)}: ${span.name} [${SPAN_KIND_NAMES[span.kind] ?? span.kind}] ` +
          `+${millis(span.startTimeUnixNano - traceStart)}ms ${millis(span.endTimeUnixNano - span.startTimeUnixNano)}ms${status}` +
          `${exception === undefined ? '' : ` exception=${JSON.stringify(exception)}`} #${span.spanId}`,
      );
    }
    index++;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return { rows, page, pages };
}
