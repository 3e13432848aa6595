import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import { GroupByTable } from '../components/group-by-table';
import { LatencyHeatmap, type HeatmapBrush } from '../components/latency-heatmap';
import { RankingPanel } from '../components/ranking-panel';
import { ErrorBox, Loading } from '../components/status-views';
import {
  addCondition,
  conditionFor,
  exploreStateOf,
  exploreUrl,
  groupByParams,
  populationParams,
  rankingParams,
  type ExploreState,
} from '../model/explore-state';
import { exploreAlertUrl } from '../model/explore-alert';
import { formatDuration, formatTimestamp } from '../model/format';
import { Link, navigate, type Location } from '../router';
import { useAsync } from '../use-async';

const LOOKBACKS = ['15m', '1h', '6h', '24h'];
const GROUP_FIELDS = ['service', 'name', 'status', 'kind'];

/**
 * `/explore`: spans of a window picked by a TraceQL filter; their latency heatmap (drag to select),
 * a group-by table of any attribute, and for a selection the attribute ranking ("why are these
 * slow?"). Every choice is in the URL.
 */
export function ExplorePage({ location }: { location: Location }): ReactNode {
  const state = exploreStateOf(location.params);
  const go = (next: ExploreState): void => navigate(exploreUrl(next));
  const population = populationParams(state).toString();
  const heatmap = useAsync((signal) => api.heatmap(populationParams(state), signal), [population]);
  const groups = useAsync((signal) => api.groupBy(groupByParams(state), signal), [population, state.by]);
  const ranking = rankingParams(state);
  const rankingKey = ranking?.toString();
  const ranked = useAsync(async (signal) => (ranking === undefined ? undefined : api.ranking(ranking, signal)), [rankingKey]);
  const keys = useAsync((signal) => api.attributeKeys({}, signal), []);
  const brush: HeatmapBrush | undefined =
    state.selection?.start !== undefined && state.selection.end !== undefined
      ? {
          startNano: BigInt(state.selection.start),
          endNano: BigInt(state.selection.end),
          minDurationNano: BigInt(state.selection.minNano ?? '1'),
          maxDurationNano: BigInt(state.selection.maxNano ?? String(3_600_000_000_000)),
        }
      : undefined;
  const { selection: _dropped, ...withoutSelection } = state;
  void _dropped;
  const addFilter = (condition: string | undefined): void => {
    if (condition !== undefined) go({ ...withoutSelection, q: addCondition(state.q, condition) });
  };
  const fieldOptions = [
    ...GROUP_FIELDS,
    ...(keys.status === 'ok' ? keys.data.map((k) => `${k.scope}.${k.key}`).filter((f) => f !== 'resource.service.name') : []),
  ];
  if (!fieldOptions.includes(state.by)) fieldOptions.push(state.by);
  return (
    <section className="explore-page">
      <div className="page-header">
        <h1>Explore</h1>
        <label className="lookback">
          Window{' '}
          <select
            value={state.start !== undefined ? 'custom' : state.lookback}
            onChange={(event) => {
              const { start: _s, end: _e, ...rest } = withoutSelection;
              void _s;
              void _e;
              go({ ...rest, lookback: event.target.value });
            }}
            aria-label="Window"
          >
            {state.start !== undefined && <option value="custom">fixed window</option>}
            {LOOKBACKS.map((value) => (
              <option key={value} value={value}>
                last {value}
              </option>
            ))}
          </select>
        </label>
      </div>
      <FilterBar q={state.q} onSubmit={(q) => go({ ...withoutSelection, q })} />
      <div className="panel explore-heatmap">
        <div className="panel-head">
          <h2>Latency</h2>
          {heatmap.status === 'ok' && (
            <span className="muted small">
              {heatmap.data.totalSpans.toLocaleString('en')} spans · {formatTimestamp(heatmap.data.startTimeUnixNano)} –{' '}
              {formatTimestamp(heatmap.data.endTimeUnixNano)} · drag to select slow spans or errors
            </span>
          )}
          {state.selection && (
            <span className="selection-chip">
              {selectionText(state)}
              <button type="button" className="link-button" onClick={() => go(withoutSelection)} aria-label="Clear the selection">
                ✕
              </button>
            </span>
          )}
          {!state.selection && (
            <button type="button" className="secondary right" onClick={() => go({ ...state, selection: { errors: true } })}>
              Explain errors
            </button>
          )}
          {heatmap.status === 'ok' && heatmap.data.totalSpans > 0 && (
            <Link
              to={exploreAlertUrl(state, heatmap.data)}
              className={`alert-on-this${state.selection ? ' right' : ''}`}
              title={
                state.selection?.errors
                  ? "Create an alert rule on this filter's error rate"
                  : state.selection
                    ? "Create an alert rule: this filter's p99 reaching the selected latency"
                    : "Create an alert rule on this filter's p99"
              }
            >
              Alert on this
            </Link>
          )}
        </div>
        {heatmap.status === 'loading' && <Loading what="the heatmap" />}
        {heatmap.status === 'error' && <ErrorBox error={heatmap.error} title="Could not load the heatmap" />}
        {heatmap.status === 'ok' &&
          (heatmap.data.totalSpans === 0 ? (
            <div className="notice">No spans match in this window.</div>
          ) : (
            <LatencyHeatmap
              heatmap={heatmap.data}
              brush={brush}
              onBrush={(b) =>
                go({
                  ...state,
                  // The heatmap's window is fixed with the selection, so the link shows the same cells later.
                  start: heatmap.data.startTimeUnixNano,
                  end: heatmap.data.endTimeUnixNano,
                  selection: {
                    start: String(b.startNano),
                    end: String(b.endNano),
                    minNano: String(b.minDurationNano),
                    maxNano: String(b.maxDurationNano),
                    errors: false,
                  },
                })
              }
            />
          ))}
      </div>
      <div className="explore-columns">
        <div className="panel explore-groups">
          <div className="panel-head">
            <h2>Group by</h2>
            <select value={state.by} onChange={(event) => go({ ...state, by: event.target.value })} aria-label="Group by">
              {fieldOptions.map((field) => (
                <option key={field} value={field}>
                  {field}
                </option>
              ))}
            </select>
            {groups.status === 'ok' && groups.data.sample.rate < 1 && (
              <span className="muted small">
                sample of {groups.data.sample.sampledSpans.toLocaleString('en')} of{' '}
                {groups.data.sample.populationSpans.toLocaleString('en')} spans
              </span>
            )}
          </div>
          {groups.status === 'loading' && <Loading what="groups" />}
          {groups.status === 'error' && <ErrorBox error={groups.error} title="Could not group the spans" />}
          {groups.status === 'ok' && (
            <GroupByTable
              result={groups.data}
              onFilter={(value, missing) => addFilter(conditionFor(state.by, value, missing ? 'missing' : 'value'))}
            />
          )}
        </div>
        <div className="panel explore-ranking">
          <div className="panel-head">
            <h2>Why?</h2>
          </div>
          {ranking === undefined && (
            <p className="muted">
              Drag over the heatmap to select spans (or “Explain errors”): Skein ranks the attributes that set them apart.
            </p>
          )}
          {ranking !== undefined && ranked.status === 'loading' && <Loading what="the ranking" />}
          {ranked.status === 'error' && <ErrorBox error={ranked.error} title="Could not rank attributes" />}
          {ranked.status === 'ok' && ranked.data !== undefined && (
            <RankingPanel
              ranking={ranked.data}
              onFilter={(attribute, value) => addFilter(conditionFor(attribute, value.value, value.kind))}
            />
          )}
        </div>
      </div>
    </section>
  );
}

function selectionText(state: ExploreState): string {
  const s = state.selection!;
  const parts: string[] = [];
  if (s.minNano !== undefined || s.maxNano !== undefined)
    parts.push(`${formatDuration(Number(s.minNano ?? 0))} – ${s.maxNano !== undefined ? formatDuration(Number(s.maxNano)) : '∞'}`);
  if (s.start !== undefined && s.end !== undefined)
    parts.push(`${formatTimestamp(s.start).slice(11, 19)} – ${formatTimestamp(s.end).slice(11, 19)}`);
  if (s.errors) parts.push('errors');
  return `Selected: ${parts.join(', ')}`;
}

function FilterBar({ q, onSubmit }: { q: string; onSubmit(q: string): void }): ReactNode {
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    onSubmit(text);
  };
  return (
    <form className="filter-bar" onSubmit={submit}>
      <input
        className="mono"
        value={text}
        onChange={(event) => setText(event.target.value)}
        placeholder='TraceQL filter, e.g. { resource.service.name = "cart" && span.http.status_code >= 500 }'
        aria-label="TraceQL filter"
        spellCheck={false}
      />
      <button type="submit" className="primary">
        Run
      </button>
    </form>
  );
}
