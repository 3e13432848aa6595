import { serviceNameOf, type Span } from '../../model/span.js';

/**
 * Structural comparison of traces: each trace becomes a profile keyed by span *path* (the chain of
 * `service: operation` from the root down to the span), so two traces of the same request line up
 * by what they did, not by span IDs. Per path: how many spans, their total duration, their self
 * time (duration minus the time covered by children: what the span spent itself), errors.
 *
 * The diff of two profiles (or of two groups' average profiles) says per path: added (the path is
 * new, or has more spans: a retry loop), missing, slower, faster or same, with the change of self
 * time attributed to that path. Self time is what adds up: a parent that only waits for a slower
 * child does not get the child's time attributed twice.
 */

export interface PathStats {
  path: string[];
  /** Spans on the path (per trace, for a group: an average). */
  count: number;
  totalNano: number;
  selfNano: number;
  errors: number;
}

export type PathChange = 'added' | 'missing' | 'slower' | 'faster' | 'same';

export interface PathDiff {
  path: string[];
  change: PathChange;
  countA: number;
  countB: number;
  selfNanoA: number;
  selfNanoB: number;
  totalNanoA: number;
  totalNanoB: number;
  errorsA: number;
  errorsB: number;
  /** selfNanoB − selfNanoA: the time attributed to this path. */
  deltaSelfNano: number;
}

export interface ProfileDiff {
  /** Largest |time attributed| first; unchanged paths last. */
  paths: PathDiff[];
  durationNanoA: number;
  durationNanoB: number;
  spansA: number;
  spansB: number;
}

/** A self-time change below both of these is "same": 5 % of the path's time, or 1 ms. */
const SAME_SHARE = 0.05;
const SAME_NANO = 1_000_000;
const PATH_SEPARATOR = '\u0000';

export function pathLabel(span: Span): string {
  return `${serviceNameOf(span.resource)}: ${span.name}`;
}

/** The profile of one trace's spans. */
export function traceProfile(spans: readonly Span[]): Map<string, PathStats> {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const children = new Map<string, Span[]>();
  for (const span of spans) {
    if (span.parentSpanId === '' || !byId.has(span.parentSpanId)) continue;
    const list = children.get(span.parentSpanId) ?? [];
    list.push(span);
    children.set(span.parentSpanId, list);
  }
  const paths = new Map<string, string[]>();
  const pathOf = (span: Span, seen: Set<string> = new Set()): string[] => {
    const known = paths.get(span.spanId);
    if (known !== undefined) return known;
    const parent = byId.get(span.parentSpanId);
    // A cycle of parent IDs (broken data) ends the walk where it repeats.
    const path =
      parent !== undefined && !seen.has(span.spanId) ? [...pathOf(parent, seen.add(span.spanId)), pathLabel(span)] : [pathLabel(span)];
    paths.set(span.spanId, path);
    return path;
  };
  const profile = new Map<string, PathStats>();
  for (const span of spans) {
    const path = pathOf(span);
    const key = path.join(PATH_SEPARATOR);
    const stats = profile.get(key) ?? { path, count: 0, totalNano: 0, selfNano: 0, errors: 0 };
    const duration = durationNano(span);
    stats.count += 1;
    stats.totalNano += duration;
    stats.selfNano += selfTimeNano(span, children.get(span.spanId) ?? []);
    if (span.status.code === 2) stats.errors += 1;
    profile.set(key, stats);
  }
  return profile;
}

function durationNano(span: Span): number {
  const d = span.endTimeUnixNano - span.startTimeUnixNano;
  return d > 0n ? Number(d) : 0;
}

/** The span's duration minus the union of its children's intervals clipped to it. */
function selfTimeNano(span: Span, children: readonly Span[]): number {
  const start = span.startTimeUnixNano;
  const end = span.endTimeUnixNano;
  if (end <= start) return 0;
  const intervals = children
    .map((c) => [c.startTimeUnixNano < start ? start : c.startTimeUnixNano, c.endTimeUnixNano > end ? end : c.endTimeUnixNano] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let covered = 0n;
  let currentStart: bigint | undefined;
  let currentEnd = 0n;
  for (const [s, e] of intervals) {
    if (currentStart === undefined || s > currentEnd) {
      if (currentStart !== undefined) covered += currentEnd - currentStart;
      currentStart = s;
      currentEnd = e;
    } else if (e > currentEnd) currentEnd = e;
  }
  if (currentStart !== undefined) covered += currentEnd - currentStart;
  return Number(end - start - covered);
}

/** The average profile of several traces: every figure divided by the number of traces. */
export function averageProfile(profiles: readonly Map<string, PathStats>[]): Map<string, PathStats> {
  const out = new Map<string, PathStats>();
  for (const profile of profiles) {
    for (const [key, stats] of profile) {
      const sum = out.get(key) ?? { path: stats.path, count: 0, totalNano: 0, selfNano: 0, errors: 0 };
      sum.count += stats.count;
      sum.totalNano += stats.totalNano;
      sum.selfNano += stats.selfNano;
      sum.errors += stats.errors;
      out.set(key, sum);
    }
  }
  const n = Math.max(1, profiles.length);
  for (const stats of out.values()) {
    stats.count /= n;
    stats.totalNano /= n;
    stats.selfNano /= n;
    stats.errors /= n;
  }
  return out;
}

/** Trace duration: latest end minus earliest start. */
export function traceDurationNano(spans: readonly Span[]): number {
  if (spans.length === 0) return 0;
  let first = spans[0]!.startTimeUnixNano;
  let last = spans[0]!.endTimeUnixNano;
  for (const span of spans) {
    if (span.startTimeUnixNano < first) first = span.startTimeUnixNano;
    if (span.endTimeUnixNano > last) last = span.endTimeUnixNano;
  }
  return Number(last - first);
}

/**
 * B compared with A. `countTolerance`: a count difference at or below it is no structural change
 * (0 for two traces; for group averages 0.5 spans per trace, so that one odd trace is not "added").
 */
export function diffProfiles(
  a: Map<string, PathStats>,
  b: Map<string, PathStats>,
  totals: { durationNanoA: number; durationNanoB: number },
  countTolerance = 0,
): ProfileDiff {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const paths: PathDiff[] = [];
  for (const key of keys) {
    const x = a.get(key);
    const y = b.get(key);
    const countA = x?.count ?? 0;
    const countB = y?.count ?? 0;
    const selfNanoA = x?.selfNano ?? 0;
    const selfNanoB = y?.selfNano ?? 0;
    const delta = selfNanoB - selfNanoA;
    let change: PathChange;
    if (countA === 0) change = 'added';
    else if (countB === 0) change = 'missing';
    else if (countB - countA > countTolerance) change = 'added';
    else if (countA - countB > countTolerance) change = 'missing';
    else if (Math.abs(delta) < Math.max(SAME_NANO, SAME_SHARE * Math.max(selfNanoA, selfNanoB))) change = 'same';
    else change = delta > 0 ? 'slower' : 'faster';
    paths.push({
      path: (x ?? y)!.path,
      change,
      countA,
      countB,
      selfNanoA,
      selfNanoB,
      totalNanoA: x?.totalNano ?? 0,
      totalNanoB: y?.totalNano ?? 0,
      errorsA: x?.errors ?? 0,
      errorsB: y?.errors ?? 0,
      deltaSelfNano: delta,
    });
  }
  paths.sort(
    (p, q) =>
      Number(p.change === 'same') - Number(q.change === 'same') ||
      Math.abs(q.deltaSelfNano) - Math.abs(p.deltaSelfNano) ||
      p.path.join('/').localeCompare(q.path.join('/')),
  );
  const spans = (profile: Map<string, PathStats>): number => [...profile.values()].reduce((sum, s) => sum + s.count, 0);
  return { paths, ...totals, spansA: spans(a), spansB: spans(b) };
}
