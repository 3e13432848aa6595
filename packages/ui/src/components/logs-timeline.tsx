import { useMemo, useState, type ReactNode } from 'react';
import type { NativeLog } from '../api/schemas';
import { formatDuration } from '../model/format';
import { serviceColor } from '../model/service-colors';
import { traceTimeline, type TimelineEntry } from '../model/trace-logs';
import type { LogScope } from '../model/trace-state';
import type { TraceTree } from '../model/trace-tree';
import { AttributeTable } from './attribute-table';
import { LogBody, LogFields, SeverityBadge } from './log-entry';

interface Props {
  tree: TraceTree;
  logs: readonly NativeLog[];
  /** The logs are still loading, or failed (the message). */
  status: 'ok' | 'loading' | string;
  selectedKey: string | undefined;
  onSelect(key: string): void;
  /** Only the selected span's records, or its subtree's (in the URL: `logs=span|subtree`); undefined: the whole trace. */
  scope: LogScope | undefined;
  onScope(scope: LogScope | undefined): void;
}

/**
 * The trace page's Logs tab (issue 17): one chronological timeline of the trace's log records and
 * span events, each at its offset from the trace start, with its span: clicking an entry selects
 * that span (the details panel opens beside it). The scope narrows it to the selected span, or to
 * it and its descendants (a span row's log count opens it on that span).
 */
export function LogsTimeline({ tree, logs, status, selectedKey, onSelect, scope, onScope }: Props): ReactNode {
  const [showEvents, setShowEvents] = useState(true);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const subtree = scope !== undefined ? selectedKey : undefined;
  const spanOnly = scope === 'span';
  const entries = useMemo(() => traceTimeline(tree, logs, subtree, spanOnly), [tree, logs, subtree, spanOnly]);
  const shown = showEvents ? entries : entries.filter((entry) => entry.kind === 'log');
  const toggle = (key: string): void =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  const logCount = entries.filter((entry) => entry.kind === 'log').length;
  return (
    <div className="logs-timeline">
      <div className="logs-toolbar">
        <span className="muted">
          {logCount} log{logCount === 1 ? '' : 's'} · {entries.length - logCount} span event{entries.length - logCount === 1 ? '' : 's'}
          {status === 'loading' && ' · loading logs…'}
        </span>
        <label>
          <input type="checkbox" checked={showEvents} onChange={(event) => setShowEvents(event.target.checked)} /> span events
        </label>
        <label title={selectedKey ? 'Narrow the timeline to the selected span' : 'Select a span first'}>
          show{' '}
          <select
            className="logs-scope"
            value={selectedKey === undefined ? 'trace' : (scope ?? 'trace')}
            disabled={selectedKey === undefined}
            onChange={(event) => onScope(event.target.value === 'trace' ? undefined : (event.target.value as LogScope))}
          >
            <option value="trace">the whole trace</option>
            <option value="span">the selected span</option>
            <option value="subtree">the selected subtree</option>
          </select>
        </label>
      </div>
      {status !== 'ok' && status !== 'loading' && <div className="notice warn">Cannot load the trace&apos;s logs: {status}</div>}
      {shown.length === 0 && status !== 'loading' && (
        <div className="muted logs-empty">
          No logs or span events {subtree ? (spanOnly ? 'in this span' : 'in this subtree') : 'in this trace'}.
        </div>
      )}
      <ol className="logs-list" aria-label="Logs and span events">
        {shown.map((entry) => (
          <EntryRow
            key={entry.key}
            entry={entry}
            tree={tree}
            open={open.has(entry.key)}
            selected={entry.spanKey !== undefined && entry.spanKey === selectedKey}
            onToggle={() => toggle(entry.key)}
            onSelect={onSelect}
          />
        ))}
      </ol>
    </div>
  );
}

function EntryRow({
  entry,
  tree,
  open,
  selected,
  onToggle,
  onSelect,
}: {
  entry: TimelineEntry;
  tree: TraceTree;
  open: boolean;
  selected: boolean;
  onToggle(): void;
  onSelect(key: string): void;
}): ReactNode {
  const span = entry.spanKey === undefined ? undefined : tree.byKey.get(entry.spanKey)?.span;
  const offset = Number(entry.timeNano - tree.startNano);
  return (
    <li className={`log-entry kind-${entry.kind}${selected ? ' selected' : ''}`} data-entry={entry.kind} data-span-id={span?.spanId ?? ''}>
      <div className="log-line">
        <button type="button" className="log-expand" aria-expanded={open} aria-label={open ? 'Collapse' : 'Expand'} onClick={onToggle}>
          {open ? '▾' : '▸'}
        </button>
        <span className="mono muted log-offset" title={entry.timeNano.toString()}>
          {offset < 0 ? '−' : '+'}
          {formatDuration(Math.abs(offset))}
        </span>
        <span className="service-dot" style={{ background: serviceColor(entry.serviceName) }} aria-hidden="true" />
        <span className="log-service">{entry.serviceName}</span>
        {entry.kind === 'log' ? (
          <>
            <SeverityBadge log={entry.log} />
            <LogBody log={entry.log} />
          </>
        ) : (
          <>
            <span className="badge event-badge" title="A span event">
              event
            </span>
            <span className={`log-body${entry.name === 'exception' ? ' error-text' : ''}`}>{entry.name}</span>
          </>
        )}
        {span ? (
          <button
            type="button"
            className="link-button log-span"
            onClick={() => onSelect(entry.spanKey!)}
            title={`Select span ${span.spanId}`}
          >
            {span.name}
          </button>
        ) : (
          <span className="muted log-span">
            {entry.kind === 'log' && entry.log.spanId ? `span ${entry.log.spanId} (not stored)` : 'no span'}
          </span>
        )}
      </div>
      {open &&
        (entry.kind === 'log' ? (
          <LogFields log={entry.log} />
        ) : (
          <div className="log-fields">
            <AttributeTable attributes={entry.attributes} empty="no attributes" />
          </div>
        ))}
    </li>
  );
}
