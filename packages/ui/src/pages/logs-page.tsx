import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import type { NativeLog } from '../api/schemas';
import { LogBody, LogFields, SeverityBadge } from '../components/log-entry';
import { ErrorBox, Loading } from '../components/status-views';
import { formatTimestamp } from '../model/format';
import { serviceColor } from '../model/service-colors';
import { logTimeNano } from '../model/trace-logs';
import { Link, navigate, type Location } from '../router';
import { useAsync } from '../use-async';

const SEVERITIES = ['', 'trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
const LOOKBACKS = ['15m', '1h', '6h', '24h', '168h'] as const;

interface LogForm {
  service: string;
  severity: string;
  q: string;
  attr: string;
  lookback: string;
}

function formOf(params: URLSearchParams): LogForm {
  return {
    service: params.get('service') ?? '',
    severity: params.get('severity') ?? '',
    q: params.get('q') ?? '',
    attr: params.get('attr') ?? '',
    lookback: params.get('lookback') ?? '1h',
  };
}

function hrefOf(form: LogForm): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) if (value !== '' && !(key === 'lookback' && value === '1h')) params.set(key, value);
  const query = params.toString();
  return `/logs${query === '' ? '' : `?${query}`}`;
}

/**
 * `/logs?service=…&severity=error&q=…&attr=k=v&lookback=1h`: log search (issue 17). Newest first;
 * a log emitted inside a span links to that span on its trace's Logs tab.
 */
export function LogsPage({ location }: { location: Location }): ReactNode {
  const form = formOf(location.params);
  const [draft, setDraft] = useState(form);
  const [runs, setRuns] = useState(0);
  const services = useAsync((signal) => api.services(signal), []);
  const results = useAsync(
    (signal) =>
      api.searchLogs(
        {
          ...(form.service && { service: form.service }),
          ...(form.severity && { severity: form.severity }),
          ...(form.q && { q: form.q }),
          ...(form.attr && { attrs: [form.attr] }),
          lookback: form.lookback,
          limit: 200,
        },
        signal,
      ),
    [location.search, runs],
  );
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setRuns((n) => n + 1);
    navigate(hrefOf(draft));
  };
  const set = (key: keyof LogForm) => (event: { target: { value: string } }) => setDraft({ ...draft, [key]: event.target.value });
  return (
    <div className="logs-page">
      <form className="logs-form" onSubmit={submit} role="search" aria-label="Search logs">
        <label>
          Service
          <select value={draft.service} onChange={set('service')}>
            <option value="">all services</option>
            {services.status === 'ok' && services.data.map((service) => <option key={service}>{service}</option>)}
          </select>
        </label>
        <label>
          Severity
          <select value={draft.severity} onChange={set('severity')}>
            {SEVERITIES.map((severity) => (
              <option key={severity} value={severity}>
                {severity === '' ? 'any' : `${severity} and above`}
              </option>
            ))}
          </select>
        </label>
        <label className="grow">
          Body contains
          <input value={draft.q} onChange={set('q')} placeholder="text in the log message" spellCheck={false} />
        </label>
        <label>
          Attribute
          <input value={draft.attr} onChange={set('attr')} placeholder="key=value" spellCheck={false} />
        </label>
        <label>
          Lookback
          <select value={draft.lookback} onChange={set('lookback')}>
            {LOOKBACKS.map((lookback) => (
              <option key={lookback}>{lookback}</option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary">
          Search logs
        </button>
      </form>
      {results.status === 'loading' && <Loading what="logs" />}
      {results.status === 'error' && <ErrorBox title="Cannot search logs" error={results.error} />}
      {results.status === 'ok' && <LogResults logs={results.data.logs} />}
    </div>
  );
}

function LogResults({ logs }: { logs: readonly NativeLog[] }): ReactNode {
  const [open, setOpen] = useState<string | undefined>(undefined);
  if (logs.length === 0) return <div className="muted logs-empty">No log matches.</div>;
  return (
    <ol className="logs-list" aria-label="Logs">
      {logs.map((log) => (
        <li className="log-entry kind-log" key={log.logId}>
          <div className="log-line">
            <button
              type="button"
              className="log-expand"
              aria-expanded={open === log.logId}
              aria-label={open === log.logId ? 'Collapse' : 'Expand'}
              onClick={() => setOpen(open === log.logId ? undefined : log.logId)}
            >
              {open === log.logId ? '▾' : '▸'}
            </button>
            <span className="mono muted log-time">{formatTimestamp(logTimeNano(log).toString())}</span>
            <span className="service-dot" style={{ background: serviceColor(log.serviceName) }} aria-hidden="true" />
            <span className="log-service">{log.serviceName}</span>
            <SeverityBadge log={log} />
            <LogBody log={log} />
            {log.traceId !== '' ? (
              <Link
                className="log-span mono"
                to={`/trace/${log.traceId}?${log.spanId ? `span=${log.spanId}&` : ''}view=logs`}
                title="Open the trace at this log's span"
              >
                {log.traceId.slice(0, 8)}…{log.spanId ? ` / ${log.spanId.slice(0, 6)}…` : ''}
              </Link>
            ) : (
              <span className="muted log-span">no trace</span>
            )}
          </div>
          {open === log.logId && <LogFields log={log} />}
        </li>
      ))}
    </ol>
  );
}
