import type { ReactNode } from 'react';
import type { NativeLog } from '../api/schemas';
import { describeValue } from '../model/format';
import { severityClass } from '../model/trace-logs';
import { AttributeTable } from './attribute-table';

/** A log's severity badge: the sender's text when it gave one, else the number's range name. */
export function SeverityBadge({ log }: { log: NativeLog }): ReactNode {
  const label = log.severityText || (log.severityNumber === 0 ? '—' : log.severityName);
  return (
    <span
      className={`badge severity ${severityClass(log.severityNumber)}`}
      title={`SeverityNumber ${log.severityNumber} (${log.severityName})`}
    >
      {label}
    </span>
  );
}

/** A log's body as one line of text (structured bodies in their compact form). */
export function LogBody({ log }: { log: NativeLog }): ReactNode {
  const { type, text } = describeValue(log.body);
  return (
    <span className={`log-body${type === 'string' ? '' : ' mono'}`} title={text}>
      {log.eventName !== '' && <strong className="log-event-name">{log.eventName} </strong>}
      {text}
    </span>
  );
}

/** Everything else a record carries, shown when a log is expanded. */
export function LogFields({ log }: { log: NativeLog }): ReactNode {
  return (
    <div className="log-fields">
      <AttributeTable attributes={log.attributes} dropped={log.droppedAttributesCount} empty="no attributes" />
      <div className="muted small mono">
        log {log.logId} · observed {log.observedTimeUnixNano} · flags {log.flags}
      </div>
    </div>
  );
}
