import { serviceNameOf, StatusCode, type Span } from '../../model/span.js';

/**
 * Two traces compared structurally (MCP `compare_traces`): each span is keyed by its path of
 * `service: operation` from the root, so "the same call" matches across traces whatever its span
 * IDs; per path, span counts, summed durations and errors on each side, and the paths whose time
 * changed most. A simple comparison until the analysis APIs (being built in parallel) land.
 */

export interface PathDifference {
  path: string;
  countA: number;
  countB: number;
  totalMillisA: number;
  totalMillisB: number;
  /** totalMillisB − totalMillisA. */
  deltaMillis: number;
  errorsA: number;
  errorsB: number;
}

export interface TraceComparison {
  a: { traceId: string; spanCount: number; durationMillis: number; errors: number };
  b: { traceId: string; spanCount: number; durationMillis: number; errors: number };
  onlyInA: PathDifference[];
  onlyInB: PathDifference[];
  /** Paths in both, largest absolute time change first. */
  changed: PathDifference[];
  /** Paths left out of the three lists above to keep the answer short. */
  omitted: number;
}

interface PathTotals {
  count: number;
  nanos: number;
  errors: number;
}

const MAX_PATHS_PER_LIST = 20;
/** Deeper paths are cut to their last hops: the tail names the call, the head repeats the root. */
const MAX_PATH_HOPS = 6;

function pathsOf(spans: readonly Span[]): Map<string, PathTotals> {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const pathById = new Map<string, string[]>();
  const pathOf = (start: Span): string[] => {
    // Walk up to a known path or a root, then fill in downwards: no recursion, each span once.
    const chain: Span[] = [];
    let span: Span | undefined = start;
    while (span !== undefined && !pathById.has(span.spanId) && !chain.includes(span)) {
      chain.push(span);
      span = span.parentSpanId === '' ? undefined : byId.get(span.parentSpanId);
    }
    let path = span === undefined ? [] : (pathById.get(span.spanId) ?? []);
    for (let i = chain.length - 1; i >= 0; i--) {
      const hop = chain[i]!;
      path = [...path, `${serviceNameOf(hop.resource)}: ${hop.name}`].slice(-MAX_PATH_HOPS);
      pathById.set(hop.spanId, path);
    }
    return path;
  };
  const totals = new Map<string, PathTotals>();
  for (const span of spans) {
    const key = pathOf(span).join(' > ');
    const entry = totals.get(key) ?? { count: 0, nanos: 0, errors: 0 };
    entry.count++;
    entry.nanos += Number(span.endTimeUnixNano - span.startTimeUnixNano);
    if (span.status.code === StatusCode.ERROR) entry.errors++;
    totals.set(key, entry);
  }
  return totals;
}

function millis(nanos: number): number {
  return Math.round(nanos / 1e3) / 1e3;
}

function overview(traceId: string, spans: readonly Span[]): TraceComparison['a'] {
  let start = spans[0]!.startTimeUnixNano;
  let end = spans[0]!.endTimeUnixNano;
  for (const span of spans) {
    if (span.startTimeUnixNano < start) start = span.startTimeUnixNano;
    if (span.endTimeUnixNano > end) end = span.endTimeUnixNano;
  }
  return {
    traceId,
    spanCount: spans.length,
    durationMillis: millis(Number(end - start)),
    errors: spans.filter((span) => span.status.code === StatusCode.ERROR).length,
  };
}

/** Both span lists non-empty. */
export function compareTraces(traceIdA: string, spansA: readonly Span[], traceIdB: string, spansB: readonly Span[]): TraceComparison {
  const a = pathsOf(spansA);
  const b = pathsOf(spansB);
  const empty: PathTotals = { count: 0, nanos: 0, errors: 0 };
  const differences = [...new Set([...a.keys(), ...b.keys()])].map((path): PathDifference => {
    const left = a.get(path) ?? empty;
    const right = b.get(path) ?? empty;
    return {
      path,
      countA: left.count,
      countB: right.count,
      totalMillisA: millis(left.nanos),
      totalMillisB: millis(right.nanos),
      deltaMillis: millis(right.nanos - left.nanos),
      errorsA: left.errors,
      errorsB: right.errors,
    };
  });
  // Ties go to the deeper path: a slow leaf makes every ancestor slower by as much, and the leaf is the cause.
  const depth = (d: PathDifference): number => d.path.split(' > ').length;
  const bySize = (x: PathDifference, y: PathDifference): number =>
    Math.abs(y.deltaMillis) - Math.abs(x.deltaMillis) || depth(y) - depth(x) || (x.path < y.path ? -1 : 1);
  const onlyInA = differences.filter((d) => d.countB === 0).sort(bySize);
  const onlyInB = differences.filter((d) => d.countA === 0).sort(bySize);
  const changed = differences
    .filter((d) => d.countA > 0 && d.countB > 0 && (d.deltaMillis !== 0 || d.countA !== d.countB || d.errorsA !== d.errorsB))
    .sort(bySize);
  const kept = [onlyInA, onlyInB, changed].map((list) => list.slice(0, MAX_PATHS_PER_LIST));
  return {
    a: overview(traceIdA, spansA),
    b: overview(traceIdB, spansB),
    onlyInA: kept[0]!,
    onlyInB: kept[1]!,
    changed: kept[2]!,
    omitted: onlyInA.length + onlyInB.length + changed.length - kept.reduce((sum, list) => sum + list.length, 0),
  };
}
