import { useMemo, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import type { RedGroup } from '../api/schemas';
import type { LatencyChange } from '../api/analysis-schemas';
import { LatencyChangeCallout } from '../components/latency-change-callout';
import { formatClock, quantileName } from '../model/latency-change-links';
import { formatChange, formatValue, RedChart, Sparkline } from '../components/red-chart';
import { ErrorBox, Loading } from '../components/status-views';
import { Link, navigate, type Location } from '../router';
import { useAsync } from '../use-async';
import { exploreUrl } from '../model/explore-state';

const LOOKBACKS = ['15m', '1h', '6h', '24h'];

type SortKey = 'serviceName' | 'rate' | 'errorRatio' | 'p99Millis';

/** `/services`: RED per service from 100 % of spans (the metrics tap), sortable, with sparklines. */
export function ServicesPage({ location }: { location: Location }): ReactNode {
  const lookback = location.params.get('lookback') || '1h';
  const services = useAsync((signal) => api.serviceMetrics(lookback, signal), [lookback]);
  const changes = useAsync((signal) => api.latencyChanges(lookback, undefined, signal), [lookback]);
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'rate', descending: true });
  const sorted = useMemo(() => {
    if (services.status !== 'ok') return [];
    const direction = sort.descending ? -1 : 1;
    return [...services.data].sort((a, b) => {
      const av = a[sort.key] ?? -1;
      const bv = b[sort.key] ?? -1;
      return (typeof av === 'string' ? av.localeCompare(String(bv)) : av - Number(bv)) * direction;
    });
  }, [services, sort]);
  const header = (key: SortKey, label: string): ReactNode => (
    <th aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button
        type="button"
        className="sort"
        onClick={() => setSort({ key, descending: sort.key === key ? !sort.descending : key !== 'serviceName' })}
      >
        {label}
        {sort.key === key ? (sort.descending ? ' ▾' : ' ▴') : ''}
      </button>
    </th>
  );
  return (
    <section className="services-page">
      <div className="page-header">
        <h1>Services</h1>
        <LookbackPicker lookback={lookback} path="/services" />
      </div>
      <p className="hint">Rate, errors and latency of every service’s entry spans, counted before sampling.</p>
      {changes.status === 'ok' && <LatencyChanges changes={changes.data} withService />}
      {services.status === 'loading' && <Loading what="service metrics" />}
      {services.status === 'error' && <ErrorBox error={services.error} title="Could not load service metrics" />}
      {services.status === 'ok' && sorted.length === 0 && <div className="notice">No metrics in this window yet.</div>}
      {sorted.length > 0 && (
        <table className="services-table">
          <thead>
            <tr>
              {header('serviceName', 'Service')}
              {header('rate', 'Rate')}
              {header('errorRatio', 'Errors')}
              {header('p99Millis', 'p99')}
              <th>vs previous window</th>
              <th aria-label="Alert" />
            </tr>
          </thead>
          <tbody>
            {sorted.map((service) => (
              <tr key={service.serviceName}>
                <td>
                  <Link to={`/services/${encodeURIComponent(service.serviceName)}?lookback=${lookback}`}>{service.serviceName}</Link>
                </td>
                <td className="figure">
                  <span>{formatValue(service.rate, '/s')}</span>
                  <Sparkline points={service.points} value={(p) => p.rate} label={`${service.serviceName} rate`} />
                </td>
                <td className={`figure ${service.errorRatio > 0 ? 'bad' : ''}`}>
                  <span>{formatValue(service.errorRatio, '%')}</span>
                  <Sparkline points={service.points} value={(p) => p.errorRatio} label={`${service.serviceName} error ratio`} />
                </td>
                <td className="figure">
                  <span>{formatValue(service.p99Millis, 'ms')}</span>
                  <Sparkline points={service.points} value={(p) => p.p99Millis} label={`${service.serviceName} p99`} />
                </td>
                <td className="change">{changeText(service)}</td>
                <td>
                  <Link to={alertOnThis(service)} className="alert-on-this" title="Create an alert rule on this service's p99">
                    Alert on this
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The detected latency steps of the window (the API's order: the largest first), at most five. */
function LatencyChanges({ changes, withService }: { changes: readonly LatencyChange[]; withService: boolean }): ReactNode {
  if (changes.length === 0) return null;
  return (
    <section className="latency-changes" aria-label="Latency changes">
      {changes.slice(0, 5).map((change) => (
        <LatencyChangeCallout key={`${change.serviceName}\u0000${change.operation}`} change={change} withService={withService} />
      ))}
      {changes.length > 5 && <p className="hint">{changes.length - 5} more changes: open a service to see them.</p>}
    </section>
  );
}

/** The Alerts page's new-rule form, pre-filled: the service's p99 above 1.5 × today's (TraceQL durations are seconds). */
function alertOnThis(service: RedGroup): string {
  const p99Seconds = (service.p99Millis ?? 1000) / 1000;
  const threshold = Number((p99Seconds * 1.5).toPrecision(2));
  const params = new URLSearchParams({
    new: '1',
    name: `${service.serviceName} p99 above ${threshold}s`,
    query: `{ resource.service.name = ${JSON.stringify(service.serviceName)} && kind = server } | quantile_over_time(duration, 0.99)`,
    threshold: String(threshold),
  });
  return `/alerts?${params}`;
}

function changeText(group: RedGroup): string {
  const parts = [
    ['rate', group.change['rate']],
    ['p99', group.change['p99Millis']],
  ] as const;
  return parts
    .filter(([, change]) => change !== null && change !== undefined)
    .map(([name, change]) => `${name} ${formatChange(change)}`)
    .join(' · ');
}

function LookbackPicker({ lookback, path }: { lookback: string; path: string }): ReactNode {
  return (
    <label className="lookback">
      Window{' '}
      <select value={lookback} onChange={(event) => navigate(`${path}?lookback=${event.target.value}`)} aria-label="Window">
        {LOOKBACKS.map((value) => (
          <option key={value} value={value}>
            last {value}
          </option>
        ))}
      </select>
    </label>
  );
}

/** `/services/<name>`: RED charts per operation, exemplar dots that open stored traces, window comparison. */
export function ServicePage({ service, location }: { service: string; location: Location }): ReactNode {
  const lookback = location.params.get('lookback') || '1h';
  const data = useAsync(
    async (signal) => {
      const [operations, exemplars, changes] = await Promise.all([
        api.operationMetrics(service, lookback, signal),
        api.exemplars(service, lookback, signal),
        api.latencyChanges(lookback, service, signal),
      ]);
      return { operations, exemplars, changes };
    },
    [service, lookback],
  );
  // Fixed per answer, so the charts (and their dots) stay put between renders.
  const endMillis = useMemo(() => Date.now(), [data]);
  const startMillis = endMillis - lookbackMillis(lookback);
  return (
    <section className="service-page">
      <div className="page-header">
        <h1>
          <Link to={`/services?lookback=${lookback}`}>Services</Link> / {service}
        </h1>
        <LookbackPicker lookback={lookback} path={`/services/${encodeURIComponent(service)}`} />
      </div>
      {data.status === 'loading' && <Loading what="operation metrics" />}
      {data.status === 'error' && <ErrorBox error={data.error} title="Could not load operation metrics" />}
      {data.status === 'ok' && data.data.operations.length === 0 && <div className="notice">No operations in this window.</div>}
      {data.status === 'ok' &&
        data.data.operations.map((operation) => {
          const exemplars = data.data.exemplars.filter((e) => e.operation === operation.operation);
          const change = data.data.changes.find((c) => c.operation === operation.operation);
          const quantile = change === undefined ? 'p99' : quantileName(change);
          const markers =
            change === undefined
              ? []
              : [
                  {
                    timeUnixMillis: change.changeTimeUnixMillis,
                    label: `${quantile} ${change.direction === 'up' ? '▲' : '▼'} ${formatClock(change.changeTimeUnixMillis)}`,
                  },
                ];
          return (
            <article key={operation.operation} className="operation">
              <h2>
                {operation.operation}{' '}
                <span className="summary">
                  {formatValue(operation.rate, '/s')} · {formatValue(operation.errorRatio, '%')} errors · p99{' '}
                  {formatValue(operation.p99Millis, 'ms')}
                  {operation.change['p99Millis'] !== null && operation.change['p99Millis'] !== undefined && (
                    <span className="change">
                      {' '}
                      (p99 {formatChange(operation.change['p99Millis'])} vs the previous {lookback})
                    </span>
                  )}
                </span>
                {operation.operation !== undefined && (
                  <span className="operation-actions">
                    <Link
                      to={`/compare?${new URLSearchParams({ service, operation: operation.operation, lookback })}`}
                      title="The typical shape of this operation's slow traces against its fast ones"
                    >
                      Slow vs fast
                    </Link>
                    <Link
                      to={whyUrl(service, operation.operation, lookback, operation.p99Millis)}
                      title="Rank the attributes of the spans slower than p99"
                    >
                      Why slow?
                    </Link>
                  </span>
                )}
              </h2>
              {change !== undefined && <LatencyChangeCallout change={change} withService={false} />}
              <div className="red-charts">
                <RedChart
                  title="Requests per second"
                  points={operation.points}
                  value={(p) => p.rate}
                  unit="/s"
                  startMillis={startMillis}
                  endMillis={endMillis}
                  markers={markers}
                />
                <RedChart
                  title="Error rate"
                  points={operation.points}
                  value={(p) => p.errorRatio}
                  unit="%"
                  startMillis={startMillis}
                  endMillis={endMillis}
                  markers={markers}
                />
                <RedChart
                  title={`Latency ${quantile} (dots: exemplar traces)`}
                  points={operation.points}
                  value={(p) => (quantile === 'p95' ? p.p95Millis : p.p99Millis)}
                  unit="ms"
                  startMillis={startMillis}
                  endMillis={endMillis}
                  exemplars={exemplars}
                  markers={markers}
                />
              </div>
            </article>
          );
        })}
    </section>
  );
}

/** Explore with this operation's spans at or above its p99 selected: the ranking says what sets them apart. */
function whyUrl(service: string, operation: string, lookback: string, p99Millis: number | null | undefined): string {
  const q = `{ resource.service.name = ${JSON.stringify(service)} && name = ${JSON.stringify(operation)} }`;
  const minNano = String(Math.max(1, Math.round((p99Millis ?? 0) * 1e6)));
  return exploreUrl({ q, lookback, by: 'service', selection: { minNano, errors: false } });
}

function lookbackMillis(lookback: string): number {
  const match = /^(\d+)([mh])$/.exec(lookback);
  if (!match) return 3_600_000;
  return Number(match[1]) * (match[2] === 'h' ? 3_600_000 : 60_000);
}
