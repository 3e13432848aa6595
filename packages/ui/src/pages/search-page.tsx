import { useMemo, useState, type DragEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import type { TraceSummary } from '../api/schemas';
import { MAX_TRACE_FILE_BYTES, OpenTraceFile } from '../components/open-trace-file';
import { SearchForm } from '../components/search-form';
import { SearchResults, TraceList } from '../components/search-results';
import { ErrorBox, Loading } from '../components/status-views';
import { formatTimestamp } from '../model/format';
import { TraceQLEditor } from '../components/traceql-editor';
import { TraceQLChart, TraceQLTraces } from '../components/traceql-results';
import type { TempoQueryRange, TempoSearchResponse } from '../api/schemas';
import {
  describeRange,
  formFromParams,
  paramsFromForm,
  queryKey,
  searchWindow,
  traceqlFromForm,
  type SearchForm as Form,
} from '../model/search-state';
import { summariseTrace } from '../model/trace-summary';
import type { TraceSortOrder } from '../model/trace-sort';
import { rememberOpenedTraces } from '../opened-traces';
import { navigate, type Location } from '../router';
import { useAsync } from '../use-async';

type TraceQLOutcome = { kind: 'search'; response: TempoSearchResponse } | { kind: 'metrics'; response: TempoQueryRange };

/** The form's window in Unix seconds (Tempo's API), taken when the query runs. */
function tempoWindow(form: Form): { startSeconds: string; endSeconds: string } {
  const { start, end } = searchWindow(form, Date.now());
  return { startSeconds: String(Math.floor(Date.parse(start) / 1000)), endSeconds: String(Math.ceil(Date.parse(end) / 1000)) };
}

/** Runs a TraceQL query as what it is: a search lists traces, a metrics query draws series. */
async function runTraceQL(form: Form, signal: AbortSignal): Promise<TraceQLOutcome> {
  const parsed = await api.traceqlParse(form.q, signal);
  if (!parsed.valid) throw new Error(parsed.error.message);
  const window = tempoWindow(form);
  return parsed.kind === 'metrics'
    ? { kind: 'metrics', response: await api.traceqlMetrics(form.q, window, signal) }
    : { kind: 'search', response: await api.traceqlSearch(form.q, { ...window, limit: form.limit }, signal) };
}

type FileOutcome = { status: 'error'; fileName: string; message: string } | { status: 'several'; fileName: string; traces: TraceSummary[] };

/** `/search?…`: the form is initialised from the URL and the results are the URL's search. */
export function SearchPage({ location }: { location: Location }): ReactNode {
  const form = formFromParams(location.params);
  const key = queryKey(form);
  // Submitting the same URL again must still re-run the search (new traces may have arrived).
  const [runs, setRuns] = useState(0);
  const [fileOutcome, setFileOutcome] = useState<FileOutcome | undefined>();
  const [dragging, setDragging] = useState(false);
  const services = useAsync((signal) => api.services(signal), []);
  const traceql = form.q !== '';
  // The window is taken when the query (key) runs, not at every render.
  const window = useMemo(() => tempoWindow(form), [key, runs]);
  const traceqlResults = useAsync((signal) => (traceql ? runTraceQL(form, signal) : Promise.resolve(undefined)), [key, runs]);
  const results = useAsync(
    (signal) =>
      traceql
        ? Promise.resolve({ traces: [], limit: form.limit, startTimeUnixNano: '0', endTimeUnixNano: '0' })
        : api.search(
            {
              service: form.service,
              spanName: form.spanName,
              attrs: form.attrs,
              minDuration: form.minDuration,
              maxDuration: form.maxDuration,
              errorsOnly: form.errorsOnly,
              lookback: form.lookback,
              start: form.start,
              end: form.end,
              limit: form.limit,
            },
            signal,
          ),
    // The sort order is not part of the key: re-ordering needs no new search.
    [key, runs],
  );
  const submit = (next: Form): void => {
    setRuns((n) => n + 1);
    // The form's filters replace a TraceQL query; its time range and limit apply to both.
    navigate(`/search?${paramsFromForm({ ...next, sort: form.sort, q: '' }).toString()}`);
  };
  const runQuery = (q: string): void => {
    setRuns((n) => n + 1);
    navigate(`/search?${paramsFromForm({ ...form, q: q.trim() === '' ? '' : q }).toString()}`);
  };
  const showAsTraceQL = (next: Form): void => runQuery(traceqlFromForm(next));
  const sort = (order: TraceSortOrder): void =>
    navigate(`/search?${paramsFromForm({ ...form, sort: order }).toString()}`, { replace: true });

  const openFile = async (file: File): Promise<void> => {
    setDragging(false);
    try {
      if (file.size > MAX_TRACE_FILE_BYTES)
        throw new Error(`the file is ${Math.round(file.size / 1048576)} MB; at most 100 MB can be opened`);
      // The parser and its schema load on first use: most visits never open a file.
      const { parseOtlpJsonFile } = await import('../model/otlp-file');
      const traces = parseOtlpJsonFile(await file.text());
      rememberOpenedTraces(file.name, traces);
      if (traces.length === 1) navigate(`/trace/${traces[0]!.traceId}`);
      else setFileOutcome({ status: 'several', fileName: file.name, traces: traces.map(summariseTrace) });
    } catch (error) {
      setFileOutcome({ status: 'error', fileName: file.name, message: error instanceof Error ? error.message : String(error) });
    }
  };
  const dragHandlers = {
    onDragEnter: (event: DragEvent) => {
      if (event.dataTransfer.types.includes('Files')) setDragging(true);
    },
    onDragOver: (event: DragEvent) => event.preventDefault(),
    onDragLeave: (event: DragEvent) => {
      // Leaving for a child element is not leaving the page.
      if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
    },
    onDrop: (event: DragEvent) => {
      event.preventDefault();
      const file = event.dataTransfer.files[0];
      if (file) void openFile(file);
      else setDragging(false);
    },
  };

  const noData = services.status === 'ok' && services.data.length === 0;
  return (
    <div className={`search-page${dragging ? ' dragging' : ''}`} {...dragHandlers}>
      <aside className="search-side">
        <SearchForm key={key} initial={form} services={services} onSubmit={submit} onShowTraceQL={showAsTraceQL} />
        <OpenTraceFile onFile={(file) => void openFile(file)} />
      </aside>
      <section className="search-main" aria-live="polite">
        <TraceQLEditor key={`q:${form.q}`} initial={form.q} window={window} onRun={runQuery} />
        {fileOutcome?.status === 'error' && (
          <div className="file-outcome">
            <ErrorBox title={`Cannot open ${fileOutcome.fileName}`} error={new Error(fileOutcome.message)} />
            <button type="button" className="link-button" onClick={() => setFileOutcome(undefined)}>
              Dismiss
            </button>
          </div>
        )}
        {fileOutcome?.status === 'several' && (
          <section className="file-outcome file-traces" aria-label={`Traces in ${fileOutcome.fileName}`}>
            <div className="results-head">
              <strong>
                {fileOutcome.traces.length} traces in {fileOutcome.fileName}
              </strong>
              <span className="muted small">opened in your browser, not stored in Skein</span>
              <button type="button" className="link-button right" onClick={() => setFileOutcome(undefined)}>
                Close
              </button>
            </div>
            <TraceList traces={fileOutcome.traces} />
          </section>
        )}
        {traceql && traceqlResults.status === 'loading' && <Loading what="the TraceQL query" />}
        {traceql && traceqlResults.status === 'error' && <ErrorBox title="TraceQL query failed" error={traceqlResults.error} />}
        {traceql && traceqlResults.status === 'ok' && traceqlResults.data?.kind === 'metrics' && (
          <TraceQLChart response={traceqlResults.data.response} query={form.q} />
        )}
        {traceql &&
          traceqlResults.status === 'ok' &&
          traceqlResults.data?.kind === 'search' &&
          (traceqlResults.data.response.traces.length > 0 ? (
            <TraceQLTraces response={traceqlResults.data.response} limit={form.limit} />
          ) : (
            <div className="notice">No traces match this query {describeRange(form, formatRfc3339)}.</div>
          ))}
        {!traceql && results.status === 'loading' && <Loading what="traces" />}
        {!traceql && results.status === 'error' && <ErrorBox title="Search failed" error={results.error} />}
        {!traceql &&
          results.status === 'ok' &&
          (results.data.traces.length > 0 ? (
            <SearchResults response={results.data} sort={form.sort} onSort={sort} />
          ) : noData ? (
            <EmptyState />
          ) : (
            <div className="notice">
              No traces match these filters {describeRange(form, formatRfc3339)}. Widen the time range or remove a filter.
            </div>
          ))}
      </section>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop an OTLP JSON file to open it
        </div>
      )}
    </div>
  );
}

function formatRfc3339(time: string): string {
  const millis = Date.parse(time);
  return Number.isNaN(millis) ? time : formatTimestamp(String(BigInt(millis) * 1_000_000n));
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
      <p className="muted">Have a trace as a file? Open it with “Open an OTLP JSON file” on the left.</p>
    </div>
  );
}
