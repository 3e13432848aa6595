import type { SpanNode, TraceTree } from './trace-tree';

export interface OperationStats {
  serviceName: string;
  name: string;
  count: number;
  errorCount: number;
  totalNano: number;
  avgNano: number;
  maxNano: number;
  selfNano: number;
}

/** Per service and operation (span name): count, total, average, max and self time; most self time first. */
export function traceStatistics(tree: TraceTree): OperationStats[] {
  const byOperation = new Map<string, OperationStats>();
  for (const node of tree.byKey.values()) {
    const span = node.span;
    if (!span) continue;
    const id = `${span.serviceName}\u0000${span.name}`;
    let stats = byOperation.get(id);
    if (!stats) {
      stats = {
        serviceName: span.serviceName,
        name: span.name,
        count: 0,
        errorCount: 0,
        totalNano: 0,
        avgNano: 0,
        maxNano: 0,
        selfNano: 0,
      };
      byOperation.set(id, stats);
    }
    stats.count++;
    if (span.status.code === 'ERROR') stats.errorCount++;
    stats.totalNano += node.durationNano;
    stats.maxNano = Math.max(stats.maxNano, node.durationNano);
    stats.selfNano += node.selfTimeNano;
  }
  const rows = [...byOperation.values()];
  for (const row of rows) row.avgNano = row.totalNano / row.count;
  return rows.sort(
    (a, b) =>
      b.selfNano - a.selfNano || b.totalNano - a.totalNano || a.serviceName.localeCompare(b.serviceName) || a.name.localeCompare(b.name),
  );
}

export type SpanSortKey = 'duration' | 'self' | 'start' | 'name' | 'service';

/** The span table's rows (placeholders left out), sorted; ties keep trace order (by start). */
export function sortedSpans(tree: TraceTree, key: SpanSortKey, descending: boolean): SpanNode[] {
  const nodes = [...tree.byKey.values()].filter((node) => node.span);
  const value = (node: SpanNode): number | string => {
    switch (key) {
      case 'duration':
        return node.durationNano;
      case 'self':
        return node.selfTimeNano;
      case 'start':
        return node.startOffsetNano;
      case 'name':
        return node.span!.name;
      case 'service':
        return node.span!.serviceName;
    }
  };
  const direction = descending ? -1 : 1;
  return nodes.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const order = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return order * direction || a.startOffsetNano - b.startOffsetNano || a.key.localeCompare(b.key);
  });
}
