import type { LatencyChange } from '../api/analysis-schemas';
import { exploreUrl } from './explore-state';
import { formatDuration } from './format';

/** What the Services pages say about a detected latency change and where its clicks lead. */

/** `14:07` in the viewer's time zone: the minute the change starts. */
export function formatClock(unixMillis: number): string {
  return new Date(unixMillis).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

/** `p99`, `p95`. */
export function quantileName(change: Pick<LatencyChange, 'quantile'>): string {
  return `p${Math.round(change.quantile * 100)}`;
}

/** `p99 240 ms → 1.8 s at 14:07`: the callout's headline. */
export function changeHeadline(change: LatencyChange, clock: (unixMillis: number) => string = formatClock): string {
  const before = formatDuration(change.before.quantileMillis * 1e6);
  const after = formatDuration(change.after.quantileMillis * 1e6);
  return `${quantileName(change)} ${before} → ${after} at ${clock(change.changeTimeUnixMillis)}`;
}

const nanos = (unixMillis: number): string => (BigInt(Math.round(unixMillis)) * 1_000_000n).toString();

/**
 * Explore with this operation over the change's window and its slow side selected: the spans
 * slower than the level between the two quantiles (the detector's threshold) on the slow side of
 * the change. The ranking then says which attributes the slow requests share against the rest.
 */
export function slowVersusNormalUrl(change: LatencyChange): string {
  const q = `{ resource.service.name = ${JSON.stringify(change.serviceName)} && name = ${JSON.stringify(change.operation)} }`;
  const slowSide = change.direction === 'up' ? change.after : change.before;
  return exploreUrl({
    q,
    lookback: '1h',
    start: nanos(change.before.startTimeUnixMillis),
    end: nanos(change.after.endTimeUnixMillis),
    by: 'service',
    selection: {
      start: nanos(slowSide.startTimeUnixMillis),
      end: nanos(slowSide.endTimeUnixMillis),
      minNano: String(Math.max(1, Math.round(change.thresholdMillis * 1e6))),
      errors: false,
    },
  });
}
