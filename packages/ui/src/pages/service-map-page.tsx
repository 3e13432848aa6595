import { useMemo, type ReactNode } from 'react';
import { api } from '../api/client';
import { ServiceMap } from '../components/service-map';
import { ErrorBox, Loading } from '../components/status-views';
import { formatTimestamp } from '../model/format';
import { LOOKBACK_PRESETS } from '../model/search-state';
import { layoutServiceGraph } from '../model/service-graph';
import { Link, navigate, type Location } from '../router';
import { useAsync } from '../use-async';

/** The dependencies endpoint's own default window: a map of one hour is often too sparse. */
const DEFAULT_MAP_LOOKBACK = '24h';

/** `/map?lookback=…`: which service calls which, how often and how often it fails. */
export function ServiceMapPage({ location }: { location: Location }): ReactNode {
  const lookback = location.params.get('lookback') || DEFAULT_MAP_LOOKBACK;
  const dependencies = useAsync((signal) => api.dependencies(lookback, signal), [lookback]);
  const layout = useMemo(
    () => (dependencies.status === 'ok' ? layoutServiceGraph(dependencies.data.dependencies, { layerGap: 270, rowGap: 120 }) : undefined),
    [dependencies],
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
              Click a service to search its traces. Arrows point from caller to callee; labels count calls.
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
                </tr>
              </thead>
              <tbody>
                {edges.map((edge) => (
                  <tr key={`${edge.from}→${edge.to}`} className={edge.severity === 'error' ? 'error' : ''}>
                    <td>
                      <Link to={searchHref(edge.from)}>{edge.from}</Link>
                    </td>
                    <td>
                      <Link to={searchHref(edge.to)}>{edge.to}</Link>
                    </td>
                    <td className="num">{edge.callCount.toLocaleString('en')}</td>
                    <td className="num">{edge.errorCount.toLocaleString('en')}</td>
                    <td className={`num${edge.severity === 'ok' ? '' : ' error-text'}`}>{(edge.errorRatio * 100).toFixed(1)} %</td>
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
