import type { ReactNode } from 'react';
import { formatDuration } from '../model/format';
import { traceStatistics } from '../model/trace-stats';
import type { TraceTree } from '../model/trace-tree';
import { ServiceDot } from './service-chip';

/** Per service and operation: how often, how long in total and on average, and how much on its own. */
export function TraceStats({ tree }: { tree: TraceTree }): ReactNode {
  const rows = traceStatistics(tree);
  const total = Math.max(1, tree.durationNano);
  return (
    <div className="panel table-panel">
      <table className="data-table stats-table">
        <thead>
          <tr>
            <th>Service</th>
            <th>Operation</th>
            <th className="num">Count</th>
            <th className="num">Errors</th>
            <th className="num">Total</th>
            <th className="num">Avg</th>
            <th className="num">Max</th>
            <th className="num">Self time</th>
            <th className="share-col">Self, share of trace</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.serviceName}/${row.name}`}>
              <td>
                <ServiceDot service={row.serviceName} /> {row.serviceName}
              </td>
              <td className="name-cell" title={row.name}>
                {row.name}
              </td>
              <td className="num">{row.count}</td>
              <td className={`num${row.errorCount > 0 ? ' error-text' : ''}`}>{row.errorCount}</td>
              <td className="num">{formatDuration(row.totalNano)}</td>
              <td className="num">{formatDuration(row.avgNano)}</td>
              <td className="num">{formatDuration(row.maxNano)}</td>
              <td className="num">{formatDuration(row.selfNano)}</td>
              <td className="share-col">
                <span className="share-bar" style={{ width: `${Math.min(100, (row.selfNano / total) * 100)}%` }} />
                <span className="share-text">{Math.round((row.selfNano / total) * 100)} %</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
