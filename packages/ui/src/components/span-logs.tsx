import { useState, type ReactNode } from 'react';
import type { NativeLog } from '../api/schemas';
import { formatDuration } from '../model/format';
import { logTimeNano } from '../model/trace-logs';
import { LogBody, LogFields, SeverityBadge } from './log-entry';

/** The span details' log panel: the span's own log records at their offsets from its start. */
export function SpanLogs({
  logs,
  spanStart,
  onShowLogs,
}: {
  logs: readonly NativeLog[] | undefined;
  spanStart: bigint;
  onShowLogs?: (() => void) | undefined;
}): ReactNode {
  const [open, setOpen] = useState<string | undefined>(undefined);
  if (logs === undefined) return <div className="muted small">loading…</div>;
  return (
    <div className="span-logs">
      {logs.length === 0 && <div className="muted small">none</div>}
      {logs.map((log) => (
        <div className="event span-log" key={log.logId}>
          <button type="button" className="event-head link-button" onClick={() => setOpen(open === log.logId ? undefined : log.logId)}>
            <span className="mono muted">+{formatDuration(Number(logTimeNano(log) - spanStart))}</span>
            <SeverityBadge log={log} />
            <LogBody log={log} />
          </button>
          {open === log.logId && <LogFields log={log} />}
        </div>
      ))}
      {onShowLogs && (
        <button type="button" className="link-button small" onClick={onShowLogs}>
          All logs and events of the trace →
        </button>
      )}
    </div>
  );
}
