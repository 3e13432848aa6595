import { useMemo, type ReactNode } from 'react';
import { api, ApiClientError } from '../api/client';
import { ServiceMap } from '../components/service-map';
import { ErrorBox, Loading } from '../components/status-views';
import { formatDuration, formatTimestamp } from '../model/format';
import { LOOKBACK_PRESETS } from '../model/search-state';
import { formatErrorPercent, formatRate } from '../model/red-format';
import { layoutServiceGraph, MAP_PAGE_SPACING } from '../model/service-graph';
import { fromDependencies, fromServiceMap, VIRTUAL_KIND_LABELS, type MapSource } from '../model/service-map-source';
import { Link, navigate, type Location } from '../router';
import { useAsync } from '../use-async';

/** The dependencies endpoint's own default window: a map of one hour is often too sparse. */
const DEFAULT_MAP_LOOKBACK = '24h';

/**
 * The metrics tap's service map (100 % of spans, RED, virtual peers) when it has edges; else the
 * dependencies of stored traces (a tap turned off, a window before it ran, an older server).
 */
async function loadMap(lookback: string, signal: AbortSignal): Promise<MapSource> {
  try {
    const metrics = await api.serviceMap(lookback, signal);
    if (metrics.edges.length > 0) return fromServiceMap(metrics);
  } catch (error) {
    if (!(error instanceof ApiClientError && error.status === 404)) throw error;
  }
  return fromDependencies(await api.dependencies(lookback, signal));
}

/** `/map?lookback=…`: which service calls which, how often and how often it fails. */
export function ServiceMapPage({ location }: { location: Location }): ReactNode {
  const lookback = location.params.get('lookback') || DEFAULT_MAP_LOOKBACK;
  const dependencies = useAsync((signal) => loadMap(lookback, signal), [lookback]);
  const source = dependencies.status === 'ok' ? dependencies.data : undefined;
  const layout = useMemo(
    () => (source ? layoutServiceGraph(source.dependencies, { ...MAP_PAGE_SPACING, nodeInfo: source.nodeInfo }) : undefined),
    [source],
  );
  const kindOf = (name: string): string | undefined => {
    const info = source?.nodeInfo.get(name);
    return info?.virtual ? (VIRTUAL_KIND_LABELS[info.type] ?? info.type) : undefined;
  };
  const serviceCell = (name: string): ReactNode => (
    <td>
      <Link to={searchHref(name)}>{name}</Link>
      {kindOf(name) && <span className="map-kind-badge">{kindOf(name)}</span>}
    </td>
  );
  const searchHref = (service: string): string => `/search?${new URLSearchParams({ service, lookback }).toString()}`;
  const edges = layout ? [...layout.edges].sort((a, b) => b.errorCount - a.errorCount || b.callCount - a.callCount) : [];
  return (
    <div className="service-map-page">
      <div className="map-toolbar">
        <h1>Service map</h1>
        <div className="segmented" role="radiogroup" aria-label="Time range">
          {LOOKBACK_PRESETS.map((preset) => (
            <button
              key={preset}
              type="button"
              role="radio"
              aria-checked={lookback === preset}
              className={lookback === preset ? 'selected' : ''}
              onClick={() => navigate(`/map?lookback=${preset}`)}
            >
              {preset}
            </button>
          ))}
        </div>
        {dependencies.status === 'ok' && (
          <span className="muted small">
            {formatTimestamp(dependencies.data.startTimeUnixNano)} – {formatTimestamp(dependencies.data.endTimeUnixNano)}
          </span>
        )}
        <span className="map-legend right">
          <span className="legend-line ok" /> calls
          <span className="legend-line warn" /> some errors
          <span className="legend-line error" /> ≥ 5 % errors
        </span>
      </div>
      {dependencies.status === 'loading' && <Loading what="the service map" />}
      {dependencies.status === 'error' && <ErrorBox title="Cannot load the service map" error={dependencies.error} />}
      {layout && layout.nodes.length === 0 && (
        <div className="empty-state">
          <h2>No calls between services in the last {lookback}</h2>
          <p>
            The map draws an arrow wherever a span of one service has a child span in another. Instrument each service with OpenTelemetry
            (set <code>OTEL_EXPORTER_OTLP_ENDPOINT=http://{window.location.hostname || 'localhost'}:4318</code>) so that trace context is
            propagated between them, or pick a longer time range.
          </p>
          <p className="muted">
            <Link to="/search">Search traces</Link> to see what has arrived.
          </p>
        </div>
      )}
      {layout && layout.nodes.length > 0 && (
        <>
          <div className="panel map-panel">
            <ServiceMap layout={layout} onOpenService={(service) => navigate(searchHref(service))} />
            <p className="muted small map-hint">
              {source?.kind === 'metrics'
                ? 'Click a service to search its traces. Arrows point from caller to callee; labels show rate, p99 and errors from every span (metrics tap). Dashed: databases, queues and peers without their own spans.'
                : 'Click a service to search its traces. Arrows point from caller to callee; labels count calls in stored traces.'}
            </p>
          </div>
          <div className="panel">
            <table className="data-table map-table">
              <thead>
                <tr>
                  <th>Caller</th>
                  <th>Callee</th>
                  <th className="num">Calls</th>
                  <th className="num">Errors</th>
                  <th className="num">Error rate</th>
                  <th className="num">Rate</th>
                  <th className="num">p99</th>
                </tr>
              </thead>
              <tbody>
                {edges.map((edge) => (
                  <tr key={`${edge.from}→${edge.to}`} className={edge.severity === 'error' ? 'error' : ''}>
                    {serviceCell(edge.from)}
                    {serviceCell(edge.to)}
                    <td className="num">{edge.callCount.toLocaleString('en')}</td>
                    <td className="num">{edge.errorCount.toLocaleString('en')}</td>
                    <td className={`num${edge.severity === 'ok' ? '' : ' error-text'}`}>{formatErrorPercent(edge.errorRatio)}</td>
                    <td className="num">{edge.red ? formatRate(edge.red.rate) : '—'}</td>
                    <td className="num">{edge.red && edge.red.p99Millis !== null ? formatDuration(edge.red.p99Millis * 1e6) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
