import type { ReactNode } from 'react';
import { formatDuration, formatTimestamp } from '../model/format';
import { serviceColor } from '../model/service-colors';
import { spansPerService, type TraceTree } from '../model/trace-tree';
import { ServiceChip } from './service-chip';

export function TraceHeader({ tree }: { tree: TraceTree }): ReactNode {
  const root = tree.rootSpan;
  return (
    <header className="trace-header">
      <h1>
        {root && (
          <span className="root-service" style={{ borderColor: serviceColor(root.serviceName) }}>
            {root.serviceName}
          </span>
        )}
        <span>{root?.name ?? 'empty trace'}</span>
        {tree.rootSpanMissing && (
          <span className="badge warn" title="No span without a parent has arrived: the earliest span stands in for the root">
            root span missing
          </span>
        )}
      </h1>
      <div className="trace-id mono">Trace {tree.traceId}</div>
      <dl className="facts">
        <Fact label="Start">{root ? formatTimestamp(tree.startNano.toString()) : '–'}</Fact>
        <Fact label="Duration">{formatDuration(tree.durationNano)}</Fact>
        <Fact label="Services">{tree.services.length}</Fact>
        <Fact label="Depth">{tree.depth}</Fact>
        <Fact label="Spans">{tree.spanCount}</Fact>
        <Fact label="Errors">
          <span className={tree.errorCount > 0 ? 'error-text' : ''}>{tree.errorCount}</span>
        </Fact>
        {tree.orphanCount > 0 && (
          <Fact label="Orphans">
            <span title="Spans whose parent span is not stored">{tree.orphanCount}</span>
          </Fact>
        )}
      </dl>
      <div className="chips">
        {spansPerService(tree).map(({ serviceName, spanCount }) => (
          <ServiceChip key={serviceName} service={serviceName} count={spanCount} />
        ))}
      </div>
    </header>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }): ReactNode {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
