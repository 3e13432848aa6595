import { StatusCode, type Span } from '../../model/span.js';
import { diffProfiles, traceDurationNano, traceProfile, type PathChange } from '../analysis/trace-diff.js';

/**
 * Two traces compared for a model (MCP `compare_traces`): the analysis' structural diff
 * (query/analysis/trace-diff.ts, the same one `/api/v1/analysis/compare-traces` and the Compare
 * page answer), cut to what fits a model's context: paths as one `service: op > service: op`
 * string, times in milliseconds, the changed paths only (largest self-time change first, at most
 * {@link MAX_PATHS}), and counts of what was left out. Self time is what the diff attributes: a
 * parent that only waits for a slower child is not reported slower itself.
 */

export interface PathDifference {
  path: string;
  /** `same` only for a path whose time and count held but whose errors changed. */
  change: PathChange;
  countA: number;
  countB: number;
  selfMillisA: number;
  selfMillisB: number;
  totalMillisA: number;
  totalMillisB: number;
  /** selfMillisB − selfMillisA: the time this path itself gained (or lost). */
  deltaSelfMillis: number;
  errorsA: number;
  errorsB: number;
}

export interface TraceOverview {
  traceId: string;
  spanCount: number;
  durationMillis: number;
  errors: number;
}

export interface TraceComparison {
  a: TraceOverview;
  b: TraceOverview;
  /** durationMillis of B minus A. */
  deltaMillis: number;
  /** Changed paths (added, missing, slower, faster, or other errors), largest |deltaSelfMillis| first. */
  paths: PathDifference[];
  /** Paths in both with the same count, errors and (within 5 % or 1 ms) self time. */
  unchanged: number;
  /** Changed paths left out of `paths` to keep the answer short. */
  omitted: number;
}

const MAX_PATHS = 25;

function millis(nanos: number): number {
  return Math.round(nanos / 1e3) / 1e3;
}

function overview(traceId: string, spans: readonly Span[]): TraceOverview {
  return {
    traceId,
    spanCount: spans.length,
    durationMillis: millis(traceDurationNano(spans)),
    errors: spans.filter((span) => span.status.code === StatusCode.ERROR).length,
  };
}

/** Both span lists non-empty; B is explained against A. */
export function compareTraces(traceIdA: string, spansA: readonly Span[], traceIdB: string, spansB: readonly Span[]): TraceComparison {
  const diff = diffProfiles(traceProfile(spansA), traceProfile(spansB), {
    durationNanoA: traceDurationNano(spansA),
    durationNanoB: traceDurationNano(spansB),
  });
  const changed = diff.paths.flatMap((p): PathDifference[] =>
    p.change === 'same' && p.errorsA === p.errorsB
      ? []
      : [
          {
            path: p.path.join(' > '),
            change: p.change,
            countA: p.countA,
            countB: p.countB,
            selfMillisA: millis(p.selfNanoA),
            selfMillisB: millis(p.selfNanoB),
            totalMillisA: millis(p.totalNanoA),
            totalMillisB: millis(p.totalNanoB),
            deltaSelfMillis: millis(p.deltaSelfNano),
            errorsA: p.errorsA,
            errorsB: p.errorsB,
          },
        ],
  );
  const a = overview(traceIdA, spansA);
  const b = overview(traceIdB, spansB);
  return {
    a,
    b,
    deltaMillis: millis(diff.durationNanoB - diff.durationNanoA),
    paths: changed.slice(0, MAX_PATHS),
    unchanged: diff.paths.length - changed.length,
    omitted: Math.max(0, changed.length - MAX_PATHS),
  };
}
