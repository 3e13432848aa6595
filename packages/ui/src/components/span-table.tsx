import { useState, type ReactNode } from 'react';
import type { Segment } from '../model/critical-path';
import { formatDuration } from '../model/format';
import { sortedSpans, type SpanSortKey } from '../model/trace-stats';
import type { TraceTree } from '../model/trace-tree';
import { ServiceDot } from './service-chip';
import { LogCountBadge, SkewMark } from './waterfall';

interface Props {
  tree: TraceTree;
  critical: ReadonlyMap<string, readonly Segment[]>;
  selectedKey: string | undefined;
  onSelect(key: string): void;
  /** Log records per span row key (issue 17): a column, shown when any span has logs. */
  logCounts?: ReadonlyMap<string, number> | undefined;
  onShowLogs?: ((key: string) => void) | undefined;
}

const COLUMNS: { key: SpanSortKey; label: string; numeric: boolean }[] = [
  { key: 'service', label: 'Service', numeric: false },
  { key: 'name', label: 'Span', numeric: false },
  { key: 'start', label: 'Start', numeric: true },
  { key: 'duration', label: 'Duration', numeric: true },
  { key: 'self', label: 'Self time', numeric: true },
];

/** Every span as a table row, sortable by any column (duration, longest first, by default). */
export function SpanTable({ tree, critical, selectedKey, onSelect, logCounts, onShowLogs }: Props): ReactNode {
  const withLogs = logCounts !== undefined && logCounts.size > 0;
  const [sort, setSort] = useState<{ key: SpanSortKey; descending: boolean }>({ key: 'duration', descending: true });
  const rows = sortedSpans(tree, sort.key, sort.descending);
  const total = Math.max(1, tree.durationNano);
  return (
    <div className="panel table-panel">
      <table className="data-table span-table">
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <th
                key={column.key}
                className={column.numeric ? 'num' : ''}
                aria-sort={sort.key === column.key ? (sort.descending ? 'descending' : 'ascending') : 'none'}
              >
                <button
                  type="button"
                  className="sort-button"
                  onClick={() =>
                    setSort((current) =>
                      current.key === column.key
                        ? { key: column.key, descending: !current.descending }
                        : { key: column.key, descending: column.numeric },
                    )
                  }
                >
                  {column.label}
                  <span className="sort-arrow">{sort.key === column.key ? (sort.descending ? '▼' : '▲') : ''}</span>
                </button>
              </th>
            ))}
            {withLogs && <th className="num logs-col">Logs</th>}
            <th className="share-col">Share of trace</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((node) => {
            const span = node.span!;
            return (
              <tr
                key={node.key}
                data-span-id={span.spanId}
                className={`${node.key === selectedKey ? 'selected' : ''}${span.status.code === 'ERROR' ? ' error' : ''}`}
                onClick={() => onSelect(node.key)}
              >
                <td>
                  <ServiceDot service={span.serviceName} /> {span.serviceName}
                </td>
                <td className="name-cell">
                  <span title={span.name}>{span.name}</span>
                  {critical.has(node.key) && <span className="crit-dot" title="On the critical path" aria-label="on the critical path" />}
                  {node.skewNano !== 0 && <SkewMark skewNano={node.skewNano} raw={false} />}
                </td>
                <td className="num">+{formatDuration(node.startOffsetNano)}</td>
                <td className="num">{formatDuration(node.durationNano)}</td>
                <td className="num">{formatDuration(node.selfTimeNano)}</td>
                {withLogs && (
                  <td className="num logs-col">
                    {(logCounts.get(node.key) ?? 0) > 0 && (
                      <LogCountBadge count={logCounts.get(node.key)!} onClick={onShowLogs && (() => onShowLogs(node.key))} />
                    )}
                  </td>
                )}
                <td className="share-col">
                  <span
                    className="share-bar"
                    style={{ width: `${(node.selfTimeNano / total) * 100}%` }}
                    title="Self time, share of the trace"
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
