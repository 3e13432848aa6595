import { useState, type ReactNode } from 'react';
import { api } from '../api/client';
import { SearchForm } from '../components/search-form';
import { SearchResults } from '../components/search-results';
import { ErrorBox, Loading } from '../components/status-views';
import { formFromParams, paramsFromForm, type SearchForm as Form } from '../model/search-state';
import { navigate, type Location } from '../router';
import { useAsync } from '../use-async';

/** `/search?…`: the form is initialised from the URL and the results are the URL's search. */
export function SearchPage({ location }: { location: Location }): ReactNode {
  const form = formFromParams(location.params);
  // Submitting the same URL again must still re-run the search (new traces may have arrived).
  const [runs, setRuns] = useState(0);
  const services = useAsync((signal) => api.services(signal), []);
  const results = useAsync(
    (signal) =>
      api.search(
        {
          service: form.service,
          spanName: form.spanName,
          attrs: form.attrs,
          minDuration: form.minDuration,
          maxDuration: form.maxDuration,
          errorsOnly: form.errorsOnly,
          lookback: form.lookback,
          limit: form.limit,
        },
        signal,
      ),
    [location.search, runs],
  );
  const submit = (next: Form): void => {
    setRuns((n) => n + 1);
    navigate(`/search?${paramsFromForm(next).toString()}`);
  };
  const noData = services.status === 'ok' && services.data.length === 0;
  return (
    <div className="search-page">
      <aside className="search-side">
        <SearchForm key={location.search} initial={form} services={services} onSubmit={submit} />
      </aside>
      <section className="search-main" aria-live="polite">
        {results.status === 'loading' && <Loading what="traces" />}
        {results.status === 'error' && <ErrorBox title="Search failed" error={results.error} />}
        {results.status === 'ok' &&
          (results.data.traces.length > 0 ? (
            <SearchResults response={results.data} />
          ) : noData ? (
            <EmptyState />
          ) : (
            <div className="notice">
              No traces match these filters in the last {form.lookback}. Widen the time range or remove a filter.
            </div>
          ))}
      </section>
    </div>
  );
}

function EmptyState(): ReactNode {
  const host = window.location.hostname || 'localhost';
  return (
    <div className="empty-state">
      <h2>Waiting for the first spans</h2>
      <p>
        No traces yet — set <code>OTEL_EXPORTER_OTLP_ENDPOINT=http://{host}:4318</code> in your app
      </p>
      <p className="muted">
        Any OpenTelemetry SDK or Collector can send spans over OTLP (HTTP on 4318, gRPC on 4317). For Node.js:{' '}
        <code>node --import @skein/sdk-node/register app.js</code>
      </p>
    </div>
  );
}
