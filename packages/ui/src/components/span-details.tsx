import type { ReactNode } from 'react';
import type { ForeignIncomingLink, NativeLog, NativeTrace } from '../api/schemas';
import { criticalTime, type Segment } from '../model/critical-path';
import { formatDuration, formatTimestamp } from '../model/format';
import { linkTarget, type IncomingLink } from '../model/span-links';
import type { SpanNode, TraceTree } from '../model/trace-tree';
import { Link } from '../router';
import { AttributeTable } from './attribute-table';
import { SpanLogs } from './span-logs';
import { ServiceChip } from './service-chip';

interface Props {
  node: SpanNode;
  tree: TraceTree;
  trace: NativeTrace;
  criticalSegments: readonly Segment[] | undefined;
  /** Spans of this trace whose links point at this span. */
  incoming: readonly IncomingLink[];
  /** Spans of other traces that link here (from the API's incoming-links lookup). */
  foreignIncoming: readonly ForeignIncomingLink[];
  raw: boolean;
  onClose(): void;
  onSelect(key: string): void;
  /** This span's log records (issue 17), oldest first; undefined while loading. */
  logs?: readonly NativeLog[] | undefined;
  /** Opens the trace's Logs tab. */
  onShowLogs?: () => void;
}

export function SpanDetails({
  node,
  tree,
  trace,
  criticalSegments,
  incoming,
  foreignIncoming,
  raw,
  onClose,
  onSelect,
  logs,
  onShowLogs,
}: Props): ReactNode {
  const span = node.span!;
  const resource = trace.resources[span.resourceIndex];
  const scope = trace.scopes[span.scopeIndex];
  const parent = span.parentSpanId ? tree.bySpanId.get(span.parentSpanId) : undefined;
  const spanStart = BigInt(span.startTimeUnixNano);
  return (
    // Focusable so Enter in the timeline can move the keyboard here (tabIndex -1: not a tab stop).
    <aside className="span-details" aria-label="Span details" tabIndex={-1}>
      <div className="details-head">
        <div>
          <h2>{span.name}</h2>
          <div className="details-sub">
            <ServiceChip service={span.serviceName} />
            <span className="badge">{span.kind}</span>
            <span className={`badge status-${span.status.code.toLowerCase()}`}>{span.status.code}</span>
          </div>
        </div>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close span details">
          ×
        </button>
      </div>
      {span.status.code === 'ERROR' && (
        <div className="error-box compact">
          <strong>Error</strong>
          <div>{span.status.message || 'status ERROR without a message'}</div>
        </div>
      )}
      <dl className="kv">
        <dt>Duration</dt>
        <dd title="Total: from the span's start to its end, children included">{formatDuration(node.durationNano)}</dd>
        <dt>Self time</dt>
        <dd title="Duration not covered by child spans">
          {formatDuration(node.selfTimeNano)}
          {node.durationNano > 0 && node.children.length > 0 && (
            <span className="muted"> ({Math.round((node.selfTimeNano / node.durationNano) * 100)} % of its duration)</span>
          )}
        </dd>
        <dt>Critical path</dt>
        <dd title="Time this span itself spends on the trace's critical path">
          {criticalSegments ? formatDuration(criticalTime(criticalSegments)) : <span className="muted">not on it</span>}
        </dd>
        {node.skewNano !== 0 && (
          <>
            <dt>Clock skew</dt>
            <dd className="skew-text">
              {raw ? 'would shift by ' : 'shifted by '}
              {node.skewNano > 0 ? '+' : '−'}
              {formatDuration(Math.abs(node.skewNano))}
              <span className="muted"> (its host&apos;s clock differs from its parent&apos;s)</span>
            </dd>
          </>
        )}
        <dt>Start</dt>
        <dd>
          +{formatDuration(node.startOffsetNano)} <span className="muted">({formatTimestamp(span.startTimeUnixNano)})</span>
        </dd>
        <dt>Status</dt>
        <dd>
          {span.status.code}
          {span.status.message && span.status.code !== 'ERROR' && `: ${span.status.message}`}
        </dd>
        <dt>Span ID</dt>
        <dd className="mono">{span.spanId}</dd>
        <dt>Parent</dt>
        <dd className="mono">
          {span.parentSpanId === '' ? (
            <span className="muted">none (root)</span>
          ) : parent ? (
            <button type="button" className="link-button mono" onClick={() => onSelect(parent.key)}>
              {span.parentSpanId}
            </button>
          ) : (
            <span title="The parent span is not stored">{span.parentSpanId} (missing)</span>
          )}
        </dd>
        {span.traceState && (
          <>
            <dt>Trace state</dt>
            <dd className="mono">{span.traceState}</dd>
          </>
        )}
        <dt>Flags</dt>
        <dd className="mono">{span.flags}</dd>
      </dl>

      <Section title="Logs" count={logs?.length ?? 0}>
        <SpanLogs logs={logs} spanStart={spanStart} onShowLogs={onShowLogs} />
      </Section>

      <Section title="Attributes" count={span.attributes.length}>
        <AttributeTable attributes={span.attributes} dropped={span.droppedAttributesCount} />
      </Section>

      <Section title="Events" count={span.events.length}>
        {span.events.length === 0 && span.droppedEventsCount === 0 && <div className="muted small">none</div>}
        {span.events.map((event, index) => (
          <div className="event" key={index}>
            <div className="event-head">
              <span className="mono muted">+{formatDuration(Number(BigInt(event.timeUnixNano) - spanStart))}</span>
              <strong className={event.name === 'exception' ? 'error-text' : ''}>{event.name}</strong>
            </div>
            <AttributeTable attributes={event.attributes} dropped={event.droppedAttributesCount} empty="no attributes" />
          </div>
        ))}
        {span.droppedEventsCount > 0 && <div className="muted small">{span.droppedEventsCount} events dropped by the SDK</div>}
      </Section>

      <Section title="Links" count={span.links.length}>
        {span.links.length === 0 && span.droppedLinksCount === 0 && <div className="muted small">none</div>}
        {span.links.map((link, index) => {
          const target = linkTarget(tree, link);
          return (
            <div className="event link" key={index}>
              {target.kind === 'other-trace' ? (
                <Link to={target.href} className="mono" title="Open the linked trace at the linked span">
                  trace {link.traceId} / span {link.spanId}
                </Link>
              ) : target.node ? (
                <button type="button" className="link-button" onClick={() => onSelect(target.node!.key)} title="Select the linked span">
                  <span className="muted">this trace:</span> {target.node.span?.name ?? ''} <span className="mono">{link.spanId}</span>
                </button>
              ) : (
                <span className="mono" title="The linked span is not stored in this trace">
                  this trace / {link.spanId} <span className="muted">(not stored)</span>
                </span>
              )}
              {link.traceState && <div className="mono small">trace state {link.traceState}</div>}
              <AttributeTable attributes={link.attributes} dropped={link.droppedAttributesCount} empty="no attributes" />
            </div>
          );
        })}
        {span.droppedLinksCount > 0 && <div className="muted small">{span.droppedLinksCount} links dropped by the SDK</div>}
      </Section>

      <Section title="Linked from" count={incoming.length + foreignIncoming.length}>
        {incoming.length + foreignIncoming.length === 0 && <div className="muted small">no span links here</div>}
        {foreignIncoming.map((link) => (
          <div className="event link foreign-link" key={`${link.traceId}/${link.spanId}`}>
            <Link to={`/trace/${link.traceId}?span=${link.spanId}`} title="Open the linking span in its own trace">
              <span className="muted">{link.serviceName}:</span> {link.spanName}{' '}
              <span className="mono small">
                trace {link.traceId.slice(0, 8)}… span {link.spanId}
              </span>
            </Link>
          </div>
        ))}
        {incoming.map(({ from, linkIndex }) => {
          const link = from.span!.links[linkIndex]!;
          return (
            <div className="event link" key={`${from.key}/${linkIndex}`}>
              <button type="button" className="link-button" onClick={() => onSelect(from.key)} title="Select the linking span">
                <span className="muted">{from.span!.serviceName}:</span> {from.span!.name} <span className="mono">{from.span!.spanId}</span>
              </button>
              {link.attributes.length > 0 && <AttributeTable attributes={link.attributes} dropped={link.droppedAttributesCount} />}
            </div>
          );
        })}
      </Section>

      <Section title="Resource" count={resource?.attributes.length ?? 0}>
        {resource ? (
          <>
            <AttributeTable attributes={resource.attributes} dropped={resource.droppedAttributesCount} />
            {resource.schemaUrl && <div className="muted small mono">schema {resource.schemaUrl}</div>}
          </>
        ) : (
          <div className="muted small">resource #{span.resourceIndex} missing from the response</div>
        )}
      </Section>

      <Section title="Instrumentation scope" count={scope?.attributes.length ?? 0}>
        {scope ? (
          <>
            <div className="mono small">
              {scope.name || <span className="muted">(unnamed)</span>} {scope.version && <span className="muted">{scope.version}</span>}
            </div>
            <AttributeTable attributes={scope.attributes} dropped={scope.droppedAttributesCount} empty="no attributes" />
          </>
        ) : (
          <div className="muted small">scope #{span.scopeIndex} missing from the response</div>
        )}
      </Section>
    </aside>
  );
}

function Section({ title, count, children }: { title: string; count: number; children: ReactNode }): ReactNode {
  return (
    <section className="details-section">
      <h3>
        {title} {count > 0 && <span className="count">{count}</span>}
      </h3>
      {children}
    </section>
  );
}
