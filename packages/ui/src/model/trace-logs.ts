import type { AnyValue, NativeLog } from '../api/schemas';
import type { TraceTree } from './trace-tree';

/**
 * The trace page's logs (issue 17): log records of the trace (from the logs API) and span events
 * (from the spans) merged into one chronological timeline, each entry tied to the span row it
 * belongs to, so a click on an entry selects its span and a span can show how many logs it has.
 */
export type TimelineEntry =
  | { kind: 'log'; key: string; timeNano: bigint; spanKey: string | undefined; serviceName: string; log: NativeLog }
  | {
      kind: 'event';
      key: string;
      timeNano: bigint;
      spanKey: string;
      serviceName: string;
      name: string;
      attributes: { key: string; value: AnyValue }[];
    };

/** The time a log is ordered by: its event time, else when it was observed (as the store orders it). */
export function logTimeNano(log: NativeLog): bigint {
  return log.timeUnixNano !== '0' ? BigInt(log.timeUnixNano) : BigInt(log.observedTimeUnixNano);
}

/**
 * Logs and span events of `tree` (or only of the subtree under `subtreeKey`), oldest first; a
 * log whose span is not in the trace is kept, with no span to select.
 */
export function traceTimeline(tree: TraceTree, logs: readonly NativeLog[], subtreeKey?: string, spanOnly = false): TimelineEntry[] {
  const inSubtree = subtreeKey === undefined ? undefined : spanOnly ? new Set([subtreeKey]) : subtreeKeys(tree, subtreeKey);
  const entries: TimelineEntry[] = [];
  for (const log of logs) {
    const node = log.spanId === '' ? undefined : tree.bySpanId.get(log.spanId);
    if (inSubtree && (node === undefined || !inSubtree.has(node.key))) continue;
    entries.push({
      kind: 'log',
      key: `log:${log.logId}`,
      timeNano: logTimeNano(log),
      spanKey: node?.key,
      serviceName: log.serviceName,
      log,
    });
  }
  for (const node of tree.byKey.values()) {
    const span = node.span;
    if (!span || (inSubtree && !inSubtree.has(node.key))) continue;
    span.events.forEach((event, index) => {
      entries.push({
        kind: 'event',
        key: `event:${node.key}:${index}`,
        timeNano: BigInt(event.timeUnixNano),
        spanKey: node.key,
        serviceName: span.serviceName,
        name: event.name,
        attributes: event.attributes,
      });
    });
  }
  // Stable: equal times keep logs before events and their arrival order.
  return entries.sort((a, b) => (a.timeNano < b.timeNano ? -1 : a.timeNano > b.timeNano ? 1 : 0));
}

/** Log records per span row key: the waterfall's count badge. */
export function logCountsBySpan(tree: TraceTree, logs: readonly NativeLog[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const log of logs) {
    const node = log.spanId === '' ? undefined : tree.bySpanId.get(log.spanId);
    if (node) counts.set(node.key, (counts.get(node.key) ?? 0) + 1);
  }
  return counts;
}

/** Per-span counts from the API (`/logs/counts`, every record of the trace) by span row key. */
export function logCountsByKey(tree: TraceTree, counts: readonly { spanId: string; count: number }[]): Map<string, number> {
  const byKey = new Map<string, number>();
  for (const { spanId, count } of counts) {
    const node = spanId === '' ? undefined : tree.bySpanId.get(spanId);
    if (node) byKey.set(node.key, count);
  }
  return byKey;
}

function subtreeKeys(tree: TraceTree, rootKey: string): Set<string> {
  const keys = new Set<string>();
  const root = tree.byKey.get(rootKey);
  const stack = root ? [root] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    keys.add(node.key);
    stack.push(...node.children);
  }
  return keys;
}

/** CSS class of a severity (by OTLP range): trace/debug/info/warn/error/fatal. */
export function severityClass(severityNumber: number): string {
  if (severityNumber >= 21) return 'sev-fatal';
  if (severityNumber >= 17) return 'sev-error';
  if (severityNumber >= 13) return 'sev-warn';
  if (severityNumber >= 9) return 'sev-info';
  if (severityNumber >= 1) return 'sev-debug';
  return 'sev-unset';
}
