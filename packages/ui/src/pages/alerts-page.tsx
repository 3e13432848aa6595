import { useState, type FormEvent, type ReactNode } from 'react';
import { alertsApi, type AlertChart, type AlertEvent, type AlertRule } from '../api/alerts';
import { ErrorBox, Loading } from '../components/status-views';
import { Link, navigate, type Location } from '../router';
import { useAsync } from '../use-async';

/**
 * `/alerts` (docs/alerts.md): every rule with its state, a selected rule's query charted per
 * window against its threshold, its history and evidence; a form for a new rule, pre-filled when
 * another page sends the user here with "Alert on this" (`?new=1&name=…&query=…&threshold=…`).
 */
export function AlertsPage({ location }: { location: Location }): ReactNode {
  const [reload, setReload] = useState(0);
  const creating = location.params.get('new') === '1';
  // Reloaded after every change, and when the form closes (a rule was created).
  const rules = useAsync((signal) => alertsApi.rules(signal), [reload, creating]);
  const [actionError, setActionError] = useState<Error | undefined>();
  const selectedId = location.params.get('rule') ?? (rules.status === 'ok' ? rules.data[0]?.id : undefined);
  const act = (work: Promise<unknown>): void => {
    setActionError(undefined);
    work.then(
      () => setReload((n) => n + 1),
      (error: unknown) => setActionError(error instanceof Error ? error : new Error(String(error))),
    );
  };
  return (
    <section className="alerts-page">
      <div className="page-header">
        <h1>Alerts</h1>
        {!creating && (
          <button type="button" className="primary" onClick={() => navigate('/alerts?new=1')}>
            New rule
          </button>
        )}
      </div>
      <p className="hint">
        TraceQL metrics evaluated on a schedule; notifications carry exemplar traces, the exception and the top attribute of the offending
        spans.
      </p>
      {creating && <NewRuleForm location={location} onCreated={(id) => navigate(`/alerts?rule=${encodeURIComponent(id)}`)} />}
      {actionError && <ErrorBox error={actionError} title="The change was refused" />}
      {rules.status === 'loading' && <Loading what="alert rules" />}
      {rules.status === 'error' && <ErrorBox error={rules.error} title="Could not load alert rules" />}
      {rules.status === 'ok' && rules.data.length === 0 && !creating && (
        <div className="notice">No alert rules yet. Create one, or use “Alert on this” on the Services or Explore page.</div>
      )}
      {rules.status === 'ok' && rules.data.length > 0 && (
        <table className="alerts-table">
          <thead>
            <tr>
              <th>State</th>
              <th>Rule</th>
              <th>Condition</th>
              <th>Value</th>
              <th>Since</th>
              <th>Source</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {rules.data.map((rule) => (
              <tr key={rule.id} className={rule.id === selectedId ? 'selected' : ''}>
                <td>
                  <StateBadge state={rule.state} silenced={rule.silencedUntil !== null} />
                </td>
                <td>
                  <Link to={`/alerts?rule=${encodeURIComponent(rule.id)}`}>{rule.name}</Link>
                </td>
                <td className="condition">
                  {rule.op} {rule.threshold} for {formatMillis(rule.for)} over {formatMillis(rule.window)}
                </td>
                <td className="figure">{formatNumber(rule.detail?.value ?? null)}</td>
                <td>{rule.changedAt === null ? '—' : new Date(rule.changedAt).toLocaleTimeString()}</td>
                <td>{rule.source}</td>
                <td className="actions">
                  {rule.silencedUntil === null ? (
                    <button type="button" onClick={() => act(alertsApi.silence(rule.id, '1h'))}>
                      Silence 1h
                    </button>
                  ) : (
                    <button type="button" onClick={() => act(alertsApi.unsilence(rule.id))} title={`Silenced until ${rule.silencedUntil}`}>
                      Unsilence
                    </button>
                  )}
                  {rule.source === 'api' && (
                    <button type="button" onClick={() => act(alertsApi.remove(rule.id))}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rules.status === 'ok' && selectedId !== undefined && rules.data.some((r) => r.id === selectedId) && (
        <RuleDetail rule={rules.data.find((r) => r.id === selectedId)!} reload={reload} />
      )}
    </section>
  );
}

function StateBadge({ state, silenced }: { state: AlertRule['state']; silenced: boolean }): ReactNode {
  return (
    <span className={`alert-state ${state}`}>
      {state}
      {silenced ? ' · silenced' : ''}
    </span>
  );
}

function RuleDetail({ rule, reload }: { rule: AlertRule; reload: number }): ReactNode {
  const data = useAsync(
    async (signal) => {
      const [chart, history] = await Promise.all([alertsApi.chart(rule.id, signal), alertsApi.history(rule.id, signal)]);
      return { chart, history };
    },
    [rule.id, reload],
  );
  return (
    <article className="alert-detail">
      <h2>{rule.name}</h2>
      <pre className="alert-query">{rule.query}</pre>
      {rule.description !== '' && <p>{rule.description}</p>}
      {data.status === 'loading' && <Loading what="the rule's chart" />}
      {data.status === 'error' && <ErrorBox error={data.error} title="Could not load the chart" />}
      {data.status === 'ok' && (
        <div className="alert-detail-body">
          <ThresholdChart chart={data.data.chart} />
          <div>
            <h3>Evidence</h3>
            {(rule.detail?.exemplars ?? []).length === 0 && <p className="hint">No exemplar traces yet.</p>}
            <ul className="alert-exemplars">
              {(rule.detail?.exemplars ?? []).map((e) => (
                <li key={e.traceId}>
                  <Link to={`/trace/${e.traceId}`}>{e.traceId.slice(0, 16)}…</Link>
                </li>
              ))}
            </ul>
            {rule.detail?.exception !== undefined && <p className="alert-exception">{rule.detail.exception}</p>}
            <TopAttribute detail={rule.detail} />
            <h3>History</h3>
            <History events={data.data.history} />
          </div>
        </div>
      )}
    </article>
  );
}

/** Written as TraceQL writes them: `status = error`, `kind = server` (no quotes). */
const INTRINSICS = new Set(['status', 'kind']);

/** The attribute value that best sets the offending spans apart (firing alerts), or why there is none. */
function TopAttribute({ detail }: { detail: AlertRule['detail'] }): ReactNode {
  const top = detail?.topAttribute;
  if (top === undefined) return null;
  if (top === null)
    return detail?.topAttributeReason === undefined ? null : (
      <p className="alert-top-attribute muted">No top attribute: {detail.topAttributeReason}</p>
    );
  return (
    <p className="alert-top-attribute" title={top.selection}>
      <span className="muted">Top attribute</span>{' '}
      <code>
        {top.attribute} = {INTRINSICS.has(top.attribute) ? top.value : JSON.stringify(top.value)}
      </code>{' '}
      on {Math.round(top.selectionShare * 100)}% of offending spans, {Math.round(top.baselineShare * 100)}% of the others
    </p>
  );
}

function History({ events }: { events: AlertEvent[] }): ReactNode {
  if (events.length === 0) return <p className="hint">No state changes yet.</p>;
  return (
    <ol className="alert-history">
      {events.map((event) => (
        <li key={`${event.at}-${event.state}`}>
          <time dateTime={event.at}>{new Date(event.at).toLocaleString()}</time>{' '}
          <span className={`alert-state ${event.state}`}>{event.state}</span> {formatNumber(event.detail.value ?? null)}
        </li>
      ))}
    </ol>
  );
}

/** The rule's query per window (one line per series) with the threshold as a dashed line. */
function ThresholdChart({ chart }: { chart: AlertChart }): ReactNode {
  const width = 640;
  const height = 220;
  const pad = { left: 56, right: 12, top: 12, bottom: 24 };
  const points = chart.series.flatMap((s) => s.points);
  const times = points.map(([t]) => t);
  const start = Math.min(...times, Date.now() - chart.stepMillis * 60);
  const end = Math.max(...times, Date.now());
  const max = Math.max(chart.threshold * 1.25, ...points.map(([, v]) => v), 1e-9);
  const x = (t: number): number => pad.left + ((t - start) / Math.max(1, end - start)) * (width - pad.left - pad.right);
  const y = (v: number): number => height - pad.bottom - (v / max) * (height - pad.top - pad.bottom);
  return (
    <figure className="alert-chart">
      <figcaption>
        Query per {formatMillis(chart.stepMillis)} window; threshold {chart.op} {chart.threshold}
      </figcaption>
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="The rule's query against its threshold">
        <line x1={pad.left} x2={width - pad.right} y1={height - pad.bottom} y2={height - pad.bottom} className="axis" />
        <text x={pad.left - 6} y={pad.top + 8} textAnchor="end" className="axis-label">
          {formatNumber(max)}
        </text>
        <text x={pad.left - 6} y={height - pad.bottom} textAnchor="end" className="axis-label">
          0
        </text>
        <text x={pad.left} y={height - 6} className="axis-label">
          {new Date(start).toLocaleTimeString()}
        </text>
        <text x={width - pad.right} y={height - 6} textAnchor="end" className="axis-label">
          {new Date(end).toLocaleTimeString()}
        </text>
        <line x1={pad.left} x2={width - pad.right} y1={y(chart.threshold)} y2={y(chart.threshold)} className="threshold" />
        <text x={width - pad.right} y={y(chart.threshold) - 4} textAnchor="end" className="threshold-label">
          {chart.op} {chart.threshold}
        </text>
        {chart.series.map((series, i) => (
          <g key={i}>
            <path
              d={series.points.map(([t, v], j) => `${j === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}
              className="series"
              fill="none"
              strokeWidth="2"
            />
            {series.points.map(([t, v]) => (
              <circle key={t} cx={x(t)} cy={y(v)} r={2.5} className="series-dot" />
            ))}
          </g>
        ))}
      </svg>
      {points.length === 0 && <p className="hint">No data in this window.</p>}
    </figure>
  );
}

function NewRuleForm({ location, onCreated }: { location: Location; onCreated: (id: string) => void }): ReactNode {
  const initial = location.params;
  const [form, setForm] = useState({
    name: initial.get('name') ?? '',
    query: initial.get('query') ?? '{ resource.service.name = "checkout" && kind = server } | quantile_over_time(duration, 0.99)',
    op: '>',
    threshold: initial.get('threshold') ?? '1',
    for: '5m',
    window: '5m',
  });
  const [error, setError] = useState<Error | undefined>();
  const field = (key: keyof typeof form) => ({
    value: form[key],
    onChange: (event: { target: { value: string } }) => setForm({ ...form, [key]: event.target.value }),
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setError(undefined);
    alertsApi.create({ ...form, threshold: Number(form.threshold) }).then(
      (rule) => onCreated(rule.id),
      (failure: unknown) => setError(failure instanceof Error ? failure : new Error(String(failure))),
    );
  };
  return (
    <form className="alert-form" onSubmit={submit} aria-label="New alert rule">
      <label>
        Name <input {...field('name')} placeholder="checkout p99 above 1s" required />
      </label>
      <label className="wide">
        TraceQL metrics query <textarea {...field('query')} rows={2} spellCheck={false} />
      </label>
      <label>
        Condition
        <span className="inline">
          <select {...field('op')} aria-label="Comparison">
            {['>', '>=', '<', '<='].map((op) => (
              <option key={op}>{op}</option>
            ))}
          </select>
          <input {...field('threshold')} inputMode="decimal" aria-label="Threshold" />
        </span>
      </label>
      <label>
        For <input {...field('for')} aria-label="For" />
      </label>
      <label>
        Window <input {...field('window')} aria-label="Window" />
      </label>
      <div className="alert-form-actions">
        <button type="submit" className="primary">
          Create rule
        </button>
        <button type="button" onClick={() => navigate('/alerts')}>
          Cancel
        </button>
      </div>
      {error && <ErrorBox error={error} title="The rule was refused" />}
      <p className="hint wide">Durations in TraceQL are in seconds: p99 above 1 s is “&gt; 1”.</p>
    </form>
  );
}

function formatMillis(millis: number): string {
  if (millis === 0) return '0s';
  if (millis % 3_600_000 === 0) return `${millis / 3_600_000}h`;
  if (millis % 60_000 === 0) return `${millis / 60_000}m`;
  if (millis % 1000 === 0) return `${millis / 1000}s`;
  return `${millis}ms`;
}

function formatNumber(value: number | null): string {
  if (value === null) return '—';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return Number(value.toPrecision(3)).toString();
}
