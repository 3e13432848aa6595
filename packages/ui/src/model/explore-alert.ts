import type { HeatmapResponse } from '../api/analysis-schemas';
import { addCondition, type ExploreState } from './explore-state';

/**
 * "Alert on this" from Explore (issue 16, item 3): the Alerts page's new-rule form pre-filled from
 * what the page shows, as its URL (`/alerts?new=1&name=…&query=…&op=…&threshold=…`).
 * - a latency selection (a heatmap brush): the filter's p99 above the selection's lower bound,
 *   "page me when these slow spans become the p99";
 * - "Explain errors": the filter's error rate (per second) above 1.5 × the rate the heatmap shows;
 * - no selection: the filter's p99 above 1.5 × the p99 the heatmap shows, as the Services page does.
 * TraceQL durations are seconds. Figures are rounded to 2 significant digits: a rule is read by people.
 */

export interface ExploreAlert {
  name: string;
  query: string;
  threshold: number;
}

/** The p99 of the heatmap's spans, in nanoseconds: the upper bound of the bucket holding the 99th percentile. */
export function heatmapP99Nano(heatmap: HeatmapResponse): number | undefined {
  const perBucket = new Map<number, number>();
  for (const cell of heatmap.cells) perBucket.set(cell.bucket, (perBucket.get(cell.bucket) ?? 0) + cell.count);
  const total = [...perBucket.values()].reduce((sum, count) => sum + count, 0);
  if (total === 0) return undefined;
  let seen = 0;
  for (const bucket of [...perBucket.keys()].sort((a, b) => a - b)) {
    seen += perBucket.get(bucket)!;
    if (seen >= 0.99 * total) return 2 ** ((bucket + 1) / heatmap.bucketsPerDoubling);
  }
  return undefined;
}

function rounded(value: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(2));
}

function label(q: string): string {
  const text = q.trim() === '' ? 'all spans' : q.trim();
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

export function exploreAlert(state: ExploreState, heatmap: HeatmapResponse): ExploreAlert {
  const filter = state.q.trim() === '' ? '{ }' : state.q.trim();
  const minNano = state.selection?.minNano;
  if (minNano !== undefined && Number(minNano) > 1) {
    const threshold = rounded(Number(minNano) / 1e9);
    return { name: `p99 above ${threshold}s: ${label(state.q)}`, query: `${filter} | quantile_over_time(duration, 0.99)`, threshold };
  }
  if (state.selection?.errors === true) {
    const seconds = Math.max(1, Number(BigInt(heatmap.endTimeUnixNano) - BigInt(heatmap.startTimeUnixNano)) / 1e9);
    const errors = heatmap.cells.reduce((sum, cell) => sum + cell.errors, 0);
    const threshold = rounded((1.5 * errors) / seconds);
    return {
      name: `error rate above ${threshold}/s: ${label(state.q)}`,
      query: `${addCondition(state.q, 'status = error')} | rate()`,
      threshold,
    };
  }
  const p99 = heatmapP99Nano(heatmap);
  const threshold = rounded((1.5 * (p99 ?? 1e9)) / 1e9);
  return { name: `p99 above ${threshold}s: ${label(state.q)}`, query: `${filter} | quantile_over_time(duration, 0.99)`, threshold };
}

export function exploreAlertUrl(state: ExploreState, heatmap: HeatmapResponse): string {
  const alert = exploreAlert(state, heatmap);
  return `/alerts?${new URLSearchParams({ new: '1', name: alert.name, query: alert.query, threshold: String(alert.threshold) })}`;
}
