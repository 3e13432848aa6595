/** The compact RED figures of the service map's labels, nodes and table. */
import { formatDuration } from './format';

/** Rate, errors and latency of a node or an edge, as the metrics API answers them. */
export interface RedSummary {
  rate: number;
  errorRatio: number;
  p99Millis: number | null;
}

/** "12/s · p99 35 ms": rate and latency of a node or an edge (errors are shown apart, in colour). */
export function formatRateAndP99(red: RedSummary): string {
  return red.p99Millis === null ? formatRate(red.rate) : `${formatRate(red.rate)} · p99 ${formatDuration(red.p99Millis * 1e6)}`;
}

/** Calls per second with two significant digits below 10: "0.35/s", "2.5/s", "120/s". */
export function formatRate(perSecond: number): string {
  return `${perSecond >= 10 ? perSecond.toFixed(0) : perSecond >= 1 ? perSecond.toFixed(1) : perSecond.toFixed(2)}/s`;
}

export function formatErrorPercent(errorRatio: number): string {
  return `${(errorRatio * 100).toFixed(1)} %`;
}
